/**
 * The bars of the benchmark issues, checked against this run.
 *
 * Go runs in the same run as every other system (bench/go, on one thread:
 * GOMAXPROCS=1), so bars relative to Go use the Go time measured here. Without
 * a Go toolchain those cases are pending and their bars "not measured".
 */
import type { BarResult, CaseResult, GroupResult } from "./results.js";
import { formatNs, formatRatio, pairedRatio } from "./results.js";
import type { System } from "./case.js";

export function checkBars(groups: GroupResult[]): BarResult[] {
  const byId = new Map<string, CaseResult>();
  for (const group of groups) for (const c of group.cases) byId.set(c.id, c);
  const ns = (id: string): number | undefined => (byId.get(id)?.status === "ok" ? byId.get(id)!.nsPerOp : undefined);
  const bars: BarResult[] = [];

  /** Adds a bar; `value` undefined means a figure it needs is missing (pending, failed). */
  function bar(text: string, value: { ok: boolean; measured: string } | undefined): void {
    bars.push(value === undefined ? { bar: text, measured: "not measured", status: "pending" } : { bar: text, measured: value.measured, status: value.ok ? "met" : "missed" });
  }
  /**
   * Calls `f` with the times of cases `aId` and `bId` and a's over b's, paired by
   * round (results.ts pairedRatio) — what every bar comparing two cases decides
   * on; undefined if either has no time.
   */
  function both(aId: string, bId: string | undefined, f: (a: number, b: number, aOverB: number) => { ok: boolean; measured: string }) {
    const a = ns(aId);
    const b = bId === undefined ? undefined : ns(bId);
    return a === undefined || b === undefined ? undefined : f(a, b, pairedRatio(byId.get(aId)!, byId.get(bId!)!));
  }
  /** The fastest case of `system` in the group of `refId`, and its id. */
  function best(refId: string, system: System): { caseId: string; id: string } | undefined {
    const group = groups.find((g) => g.cases.some((c) => c.id === refId));
    const ok = group?.cases.filter((c) => c.system === system && c.status === "ok") ?? [];
    if (ok.length === 0) return undefined;
    const fastest = ok.reduce((a, b) => (a.nsPerOp! <= b.nsPerOp! ? a : b));
    return { caseId: fastest.id, id: fastest.variant };
  }
  function faster(refId: string, system: System, times: number, label: string): void {
    const peer = best(refId, system);
    bar(`${label}: ≥ ${times}× faster than ${system}`, both(refId, peer?.caseId, (_s, _p, sp) => ({ ok: 1 / sp >= times, measured: `${formatRatio(1 / sp)} (${system}: ${peer!.id})` })));
  }
  /** Strand's case `id` takes at most `times` × the time of `otherId` (Go's, a raw floor, another Strand case). */
  function within(id: string, otherId: string, times: number, label: string): void {
    bar(`${label}`, both(id, otherId, (s, o, so) => ({ ok: so <= times, measured: `${formatNs(s)} vs ${formatNs(o)}: ${formatRatio(so)}` })));
  }

  // Resume
  bar(
    "Coroutine resume ≥ 0.8× the speed of raw gen.next()",
    both("resume/strand/coroutine", "resume/raw/gen-next", (s, r, sr) => ({ ok: 1 / sr >= 0.8, measured: `${(1 / sr).toPrecision(3)}× (${formatNs(s)} vs ${formatNs(r)})` })),
  );

  // Ping-pong
  const pp = "pingpong/strand/channel";
  bar(
    "ping-pong ≤ 2× the raw hand-off (2 async fns, promise per hop; Go's speed)",
    both(pp, "pingpong/raw/resolvers", (s, r, sr) => ({ ok: sr <= 2, measured: `${formatNs(s)} vs ${formatNs(r)}: ${formatRatio(sr)}` })),
  );
  faster(pp, "effection", 10, "ping-pong");
  faster(pp, "effect", 4, "ping-pong (Effect's fastest primitive)");
  bar(
    "ping-pong with a monitor connected (serve(), tracking on) ≤ 1.15× without",
    both("pingpong/strand/monitored", pp, (m, s, ms) => ({ ok: ms <= 1.15, measured: `${formatNs(m)} vs ${formatNs(s)}: ${formatRatio(ms)}` })),
  );

  // Channels vs Go
  within("prodcons/strand/channel/64", "prodcons/go/chan/64", 2, "producer→consumer, capacity 64: within 2× of Go on one thread");
  within("prodcons/strand/channel/1024", "prodcons/go/chan/1024", 2, "producer→consumer, capacity 1,024: within 2× of Go on one thread");
  within("fanin/strand/channel", "fanin/go/chan", 2, "fan-in 1,000 × 1,000: within 2× of Go on one thread");

  // Spawn/join
  for (const mode of ["idle", "parked"] as const) {
    const id = `spawn/strand/${mode}`;
    bar(
      `spawn+join (${mode}): per task no slower than Promise.all over async fns`,
      both(id, `spawn/raw/${mode}`, (s, r, sr) => ({ ok: sr <= 1, measured: `${formatNs(s)} vs ${formatNs(r)}: ${formatRatio(sr)}` })),
    );
    faster(id, "effect", 4, `spawn+join (${mode})`);
    const kept = byId.get(id)?.memory?.retainedBytesPerTask;
    bar(
      `spawn+join (${mode}): no heap retained per joined task after GC (≤ 16 B: measurement noise)`,
      kept === undefined ? undefined : { ok: kept <= 16, measured: `${kept.toFixed(1)} B/task` },
    );
  }
  const live = byId.get("spawn/strand/parked")?.memory?.liveBytesPerTask;
  bar("≤ 400 B per live parked task", live === undefined ? undefined : { ok: live <= 400, measured: `${live.toFixed(0)} B/task` });

  // Timers
  within("timers/strand/real/100000", "timers/go/sleep/100000", 1, "10⁵ sleepers: no slower per task than Go on one thread");
  const growth = (system: "strand/real" | "raw/set-timeout"): number | undefined => {
    const small = ns(`timers/${system}/10000`);
    const large = ns(`timers/${system}/1000000`);
    return small === undefined || large === undefined ? undefined : large / small;
  };
  const strandGrowth = growth("strand/real");
  const rawGrowth = growth("raw/set-timeout");
  bar(
    "timers O(n log n), 10⁴ → 10⁶ sleepers: time per task grows ≤ 1.5× (the log ratio), or ≤ 1.5× raw setTimeout's own growth",
    strandGrowth === undefined || rawGrowth === undefined
      ? undefined
      : { ok: strandGrowth <= 1.5 * Math.max(1, rawGrowth), measured: `Strand ×${strandGrowth.toFixed(2)}, raw setTimeout ×${rawGrowth.toFixed(2)}` },
  );

  // Depth
  bar(
    "depth: resume at depth 10,000 within 2× of depth 1 (fn operations)",
    both("depth/strand/fn/10000", "depth/strand/fn/1", (deep, shallow, ratio) => ({ ok: ratio <= 2, measured: `${formatNs(deep)} vs ${formatNs(shallow)}: ${formatRatio(ratio)}` })),
  );

  // Everyday operations (issue 10)
  bar(
    "forEach, concurrency 8, 10⁵ items whose body suspends once: within 1.5× of p-map",
    both("foreach/strand/concurrency-8", "foreach/raw/p-map", (s, r, sr) => ({ ok: sr <= 1.5, measured: `${formatNs(s)} vs ${formatNs(r)}: ${formatRatio(sr)}` })),
  );
  faster("foreach/strand/concurrency-8", "effect", 2, "forEach, concurrency 8");
  bar(
    "broadcast to 100 subscribers: per delivered element within 2× of a buffered channel's send + receive",
    both("broadcast/strand/100", "prodcons/strand/channel/64", (s, r, sr) => ({ ok: sr <= 2, measured: `${formatNs(s)} vs ${formatNs(r)}: ${formatRatio(sr)}` })),
  );

  // Durable execution (issue 11), on the embedded store
  bar(
    "store: checkpoint latency per suspension of one coroutine on SQLite ≤ 1 ms",
    ns("store/strand/checkpoint-latency") === undefined ? undefined : { ok: ns("store/strand/checkpoint-latency")! <= 1e6, measured: formatNs(ns("store/strand/checkpoint-latency")!) },
  );
  bar(
    "store: resume after 10⁴ steps within 1.2× of resume after 10",
    both("store/strand/resume-after-10000", "store/strand/resume-after-10", (many, few, ratio) => ({ ok: ratio <= 1.2, measured: `${formatNs(many)} vs ${formatNs(few)}: ${formatRatio(ratio)}` })),
  );

  // Durable execution on PostgreSQL (issue 11)
  faster("store/strand/step-postgres", "dbos", 2, "store: per step on PostgreSQL");
  const many = byId.get("store/strand/many-coroutines-4-workers");
  bar(
    "store: 10⁴ concurrent durable coroutines on one PostgreSQL with 4 workers complete (throughput reported)",
    many?.status === "ok" && many.n >= 10_000
      ? { ok: true, measured: `${formatNs(many.nsPerOp!)} per coroutine: ${Math.round(1e9 / many.nsPerOp!)} coroutines/s` }
      : many === undefined || many.status === "pending" || (many.status === "ok" && many.n < 10_000)
        ? undefined
        : { ok: false, measured: many.status },
  );

  // Every other workload
  for (const [refId, label] of [
    ["resume/strand/yield-now", "task resume via run loop"],
    ["depth/strand/fn/1", "depth 1"],
    ["depth/strand/fn/1000", "depth 1,000"],
    ["select/strand/select", "select"],
    ["cancel/strand/receive", "cancellation"],
    ["mutex/strand/with-lock", "mutex"],
  ] as const) {
    const id = refId === "cancel/strand/receive" && ns(refId) === undefined ? "cancel/strand/suspend" : refId;
    faster(id, "effection", 5, label + (id !== refId ? " (Strand parked in suspend())" : ""));
    faster(id, "effect", 2, label + (id !== refId ? " (Strand parked in suspend())" : ""));
  }

  // I/O and IPC (issue 13)
  const MiBps = (nsPerMiB: number) => `${(1e9 / nsPerMiB).toFixed(0)} MiB/s`;
  bar(
    "I/O: streaming a 1 GiB file into sha256 ≥ 0.9× the throughput of createReadStream() piped into it",
    both("io/file/strand", "io/file/raw", (s, r, sr) => ({ ok: 1 / sr >= 0.9, measured: `${(1 / sr).toPrecision(3)}× (${MiBps(s)} vs ${MiBps(r)})` })),
  );
  const p99 = (id: string) => byId.get(id)?.memory?.p99Ns;
  bar(
    "I/O: echo server ≥ 0.8× the requests/s of a plain Node net echo under the same load (p99 reported)",
    both("io/echo/strand", "io/echo/raw", (s, r, sr) => {
      const ratio = 1 / sr;
      return {
        ok: ratio >= 0.8,
        measured: `${ratio.toPrecision(3)}× (${(1e9 / s / 1e3).toFixed(0)}k vs ${(1e9 / r / 1e3).toFixed(0)}k req/s; p99 ${formatNs(p99("io/echo/strand") ?? NaN)} vs ${formatNs(p99("io/echo/raw") ?? NaN)})`,
      };
    }),
  );
  for (const [bytes, size] of [
    [64, "64 B"],
    [65536, "64 KiB"],
  ] as const) {
    // Issue 13: messages/s (and so MB/s: same messages) at least child_process IPC's.
    bar(
      `IPC bridge, ${size} messages: messages/s and MB/s ≥ 1× child_process IPC (serialization "advanced")`,
      both(`io/ipc/strand/${bytes}`, `io/ipc/raw/${bytes}`, (s, r, sr) => {
        const ratio = 1 / sr;
        return {
          ok: ratio >= 1,
          measured: `${(1e9 / s / 1e3).toFixed(1)}k msg/s, ${((bytes * 1e9) / s / 1e6).toFixed(1)} MB/s vs ${(1e9 / r / 1e3).toFixed(1)}k msg/s, ${((bytes * 1e9) / r / 1e6).toFixed(1)} MB/s: ${ratio.toPrecision(3)}×`,
        };
      }),
    );
  }
  // Performance, round 2 (issue 16): Go measured in this run, on one thread
  within(pp, "pingpong/go/chan", 1.25, "ping-pong ≤ 1.25× Go");
  within("prodcons/strand/channel/64", "prodcons/go/chan/64", 1.5, "producer→consumer, capacity 64 ≤ 1.5× Go");
  within("fanin/strand/channel", "fanin/go/chan", 2, "fan-in 1,000 × 1,000 ≤ 2× Go");
  within("spawn/strand/idle", "spawn/go/idle", 0.5, "spawn+join (idle, hoisted) ≤ 0.5× Go");
  within("spawn/strand/idle", "spawn/raw/idle", 1, "spawn+join (idle, hoisted) ≤ 1.0× Promise.all");
  bar("≤ 300 B per parked task", live === undefined ? undefined : { ok: live <= 300, measured: `${live.toFixed(0)} B/task` });
  within("mutex/strand/with-lock", "mutex/raw/promise-mutex", 2, "mutex, 100 contenders ≤ 2× a hand-rolled promise mutex");
  within("pingpong/strand/compiled", "pingpong/go/chan", 0.85, "compiled (\"use durable\") ping-pong ≤ 0.85× Go");
  within("prodcons/strand/compiled/64", "prodcons/go/chan/64", 1, "compiled producer→consumer, capacity 64 ≤ 1.0× Go");
  within("durable/strand/spawn-inline", "durable/strand/spawn-hoisted", 1.1, "compiled inline spawn ≤ 1.1× hoisted");
  for (const [id, label] of [
    ["prodcons/strand/channel/64", "producer→consumer, capacity 64"],
    ["prodcons/strand/channel/1024", "producer→consumer, capacity 1,024"],
    ["fanin/strand/channel", "fan-in"],
    ["spawn/strand/idle", "spawn+join (idle)"],
    ["spawn/strand/parked", "spawn+join (parked)"],
    ["timers/strand/real/100000", "10⁵ sleepers"],
  ] as const) {
    faster(id, "effection", 5, label);
    faster(id, "effect", 2, label);
  }

  // Worker threads (issue 14)
  bar(
    "Workers: 64 KiB messages through a shared channel between two workers (written + checksummed) ≥ 0.5× memcpy bandwidth",
    both("worker/bytes/strand", "worker/bytes/memcpy", (s, m, sm) => {
      // The floor (the same loops, no channel) tells how much of the gap is the loops' own.
      // Go on two threads: what native loops reach on the same two cores. Both paired by round, as the bar's own ratio.
      const ofMemcpy = (id: string) => (ns(id) === undefined ? undefined : (1 / pairedRatio(byId.get(id)!, byId.get("worker/bytes/memcpy")!)).toPrecision(3));
      const floor = ofMemcpy("worker/bytes/floor");
      const floorText = floor === undefined ? "" : `; the loops alone, no channel: ${floor}×`;
      const go = ofMemcpy("worker/bytes/go");
      const goText = go === undefined ? "" : `; Go, 2 threads: ${go}×`;
      return { ok: 1 / sm >= 0.5, measured: `${(1 / sm).toPrecision(3)}× (${MiBps((s * 1024 * 1024) / 65536)} vs ${MiBps((m * 1024 * 1024) / 65536)})${floorText}${goText}` };
    }),
  );
  bar(
    'Workers: 8-byte numbers one way through a shared channel (codec "number") ≥ 5 M messages/s',
    both("worker/numbers/strand-number", "worker/numbers/strand", (s, d) => ({
      ok: 1e9 / s >= 5e6,
      measured: `${(1e9 / s / 1e6).toFixed(2)} M msg/s (the default codec: ${(1e9 / d / 1e6).toFixed(2)} M msg/s)`,
    })),
  );
  bar(
    "Workers: pool overhead per spawnOn task ≤ piscina's per task",
    both("worker/spawn/strand", "worker/spawn/piscina", (s, p, sp) => ({ ok: sp <= 1, measured: `${formatNs(s)} vs ${formatNs(p)}: ${formatRatio(1 / sp)}` })),
  );
  bar(
    "Workers: CPU-bound batch on 2 workers ≥ 1.8× one thread",
    both("worker/cpu/strand", "worker/cpu/one-thread", (_s, _o, so) => ({ ok: 1 / so >= 1.8, measured: `${(1 / so).toPrecision(3)}×` })),
  );
  bar(
    "Workers: CPU-bound batch on 2 workers ≥ 0.9× two plain worker_threads",
    both("worker/cpu/strand", "worker/cpu/plain-workers", (_s, _p, sp) => ({ ok: 1 / sp >= 0.9, measured: `${(1 / sp).toPrecision(3)}×` })),
  );
  return bars;
}
