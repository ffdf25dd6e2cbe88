/**
 * Measures one case in this fresh process and prints one line, `RESULT {json}`.
 * run.ts starts it as `node --expose-gc --import tsx bench/child.ts <case id> <full|quick>`.
 *
 * mitata does the measuring: one warm-up iteration, then a fixed number of
 * iterations with a full GC before and after each one (outside the time).
 * An untimed probe run then takes the case's memory figures, if it has any.
 */
import { measure } from "mitata";
import type { Bench } from "./lib/case.js";
import { cases } from "./workloads/index.js";

export interface ChildResult {
  id: string;
  status: "ok" | "overflow" | "error";
  n: number;
  /** ns per operation of each timed iteration, ascending. */
  samples: number[];
  /** Median of `samples`. */
  nsPerOp?: number;
  probe?: Record<string, number>;
  error?: string;
  wallMs: number;
  maxRssMiB: number;
}

const [id, mode = "full"] = process.argv.slice(2);
const found = cases.find((c) => c.id === id);
if (found === undefined) {
  console.error(`child.ts: no case ${JSON.stringify(id)}`);
  process.exit(2);
}
const benchCase = found;
const quick = mode === "quick";
const n = quick ? benchCase.n.quick : benchCase.n.full;
const iterations = quick ? 2 : (benchCase.iterations ?? 3);
const started = performance.now();

/** A stack overflow anywhere in the error's cause chain (V8's, or Strand's error naming the task). */
function isOverflow(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) return true;
  }
  return false;
}

function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

async function time(bench: Bench): Promise<number[]> {
  const options = { min_samples: iterations, max_samples: iterations, min_cpu_time: 0, inner_gc: true };
  const stats = bench.selfTimed
    ? await measure(
        // mitata's "manual" budget: the iteration reports its own time, in ns.
        function* () {
          yield { manual: async () => ((await bench.run(n)) as { ns: number }).ns, budget: "manual" };
        } as never,
        options,
      )
    : await measure(async () => {
        await bench.run(n);
      }, options);
  return stats.samples.map((ns) => ns / n).sort((a, b) => a - b);
}

let result: ChildResult;
let loaded: Bench | undefined;
try {
  const bench = (loaded = await benchCase.load());
  // bench/profile.ts asks for a CPU profile of the measured part only.
  const profilePath = process.env.STRAND_BENCH_PROFILE;
  for (let i = 0; i < (benchCase.warmups ?? 0); i++) await bench.run(n);
  const stopProfile = profilePath ? await (await import("./lib/profiling.js")).startProfile(profilePath) : undefined;
  const samples = await time(bench);
  await stopProfile?.();
  const probe = bench.probe === undefined ? undefined : await bench.probe(n);
  result = { id: benchCase.id, status: "ok", n, samples, nsPerOp: median(samples), probe, wallMs: 0, maxRssMiB: 0 };
} catch (error) {
  const status = isOverflow(error) ? "overflow" : "error";
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  result = { id: benchCase.id, status, n, samples: [], error: message.slice(0, 500), wallMs: 0, maxRssMiB: 0 };
  if (status === "error") console.error(error);
}
try {
  await loaded?.close?.();
} catch (error) {
  console.error(error);
}
result.wallMs = performance.now() - started;
result.maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log("RESULT " + JSON.stringify(result));
// Effection's and Effect's runtimes may hold handles open after an overflow or error.
process.exit(0);
