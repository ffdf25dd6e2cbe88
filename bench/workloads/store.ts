/**
 * Durable execution on the embedded store (SQLite, WAL, every commit fsync'd):
 * - checkpoint latency: one coroutine whose every suspension (`sleep(0)`) is
 *   checkpointed, run by a worker in this process; time per suspension (bar:
 *   ≤ 1 ms). The probe reports checkpoints per suspension (1 when none was
 *   batched with another);
 * - throughput: 100 coroutines suspending at once, their checkpoints batched
 *   into shared transactions; time per suspension, and checkpoints per
 *   suspension (below 1: batched);
 * - resume: restoring a coroutine that has taken 10⁴ steps against one that has
 *   taken 10 (a checkpoint holds the live state, not the history; bar ≤ 1.2×).
 * The workflow module is compiled when the case loads.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { check, sizes, type Case } from "../lib/case.js";

const LATENCY = "store · checkpoint per suspension, one coroutine (SQLite)";
const THROUGHPUT = "store · checkpoints of 100 coroutines at once (SQLite, batched)";
const RESUME = "store · resume after 10⁴ steps vs after 10 (SQLite)";

const src = (path: string): string => new URL(`../../src/${path}`, import.meta.url).href;

const MODULE = `"use durable";
import { sleep } from "STRAND";
import { step } from "STORE";
export function* suspending(n) {
  for (let i = 0; i < n; i++) yield* sleep(0);
  return n;
}
export function* stepping(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += yield* step(() => 1);
  yield* sleep(1e9);
  return total;
}
`;

type Module = Record<string, (...args: any[]) => any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type StoreModule = typeof import("../../src/durable/store/index.js");
type Strand = typeof import("../../src/index.js");

let loaded: Promise<{ workflows: Module; store: StoreModule; strand: Strand; dir: string }> | undefined;

function modules(): Promise<{ workflows: Module; store: StoreModule; strand: Strand; dir: string }> {
  loaded ??= (async () => {
    const { compile } = (await import(src("compiler/index.js"))) as typeof import("../../src/compiler/index.js");
    const dir = mkdtempSync(join(tmpdir(), "strand-bench-store-"));
    const text = MODULE.replace("STRAND", src("index.js")).replace("STORE", src("durable/store/index.js"));
    const file = join(dir, "workflows.mjs");
    writeFileSync(file, compile(text, { filename: join(dir, "workflows.ts"), root: dir, runtime: src("durable/index.js"), sourceMaps: false }).code);
    return {
      workflows: (await import(pathToFileURL(file).href)) as Module,
      store: (await import(src("durable/store/index.js"))) as StoreModule,
      strand: (await import(src("index.js"))) as Strand,
      dir,
    };
  })();
  return loaded;
}

let databases = 0;

/** Runs `coroutines` coroutines of `suspending(n / coroutines)` on a fresh store; returns the time and the checkpoints written. */
async function suspend(n: number, coroutines: number): Promise<{ ns: number; checkpoints: number }> {
  const { workflows, store: durable, strand, dir } = await modules();
  const store = await durable.openStore(`sqlite:${join(dir, `bench-${databases++}.db`)}`);
  const each = Math.max(1, Math.floor(n / coroutines));
  const ids: string[] = [];
  for (let i = 0; i < coroutines; i++) ids.push(await durable.start(store, workflows.suspending, [each]));
  const started = performance.now();
  const worker = strand.run(() => durable.runWorker({ store, concurrency: coroutines, poll: 1, name: "bench" }));
  worker.then(undefined, () => {});
  for (const id of ids) check("result", await durable.result(store, id, { poll: 1 }), each);
  const ns = (performance.now() - started) * 1e6;
  await worker.cancel().then(undefined, () => {});
  const checkpoints = (await durable.inspect(store)).reduce((sum, row) => sum + row.checkpoints, 0);
  await store.close();
  return { ns: (ns * n) / (each * coroutines), checkpoints: checkpoints / (each * coroutines) };
}

function suspendCase(coroutines: number): Case {
  let perSuspension = 0;
  return {
    id: coroutines === 1 ? "store/strand/checkpoint-latency" : "store/strand/checkpoint-throughput",
    group: coroutines === 1 ? LATENCY : THROUGHPUT,
    system: "strand",
    ref: 1,
    variant: coroutines === 1 ? "sleep(0) in one durable coroutine, each suspension checkpointed" : `${coroutines} durable coroutines, sleep(0) each`,
    unit: "suspension",
    n: sizes(coroutines === 1 ? 300 : 3_000, 3),
    needs: ["durable"],
    iterations: 3,
    async load() {
      return {
        selfTimed: true,
        async run(n) {
          const { ns, checkpoints } = await suspend(n, coroutines);
          perSuspension = checkpoints;
          return { ns };
        },
        async probe() {
          return { checkpointsPerSuspension: perSuspension };
        },
      };
    },
  };
}

function resumeCase(steps: number): Case {
  return {
    id: `store/strand/resume-after-${steps}`,
    group: RESUME,
    system: "strand",
    ...(steps === 10 ? { ref: 1 } : {}),
    variant: `restore a coroutine's checkpoint after ${steps} recorded steps`,
    unit: "restore",
    // 2,000 restores (about 100 ms) per iteration: 200 took 10 ms, and the
    // two cases' times then jumped between 33 and 97 µs from process to process.
    n: sizes(2_000, 10),
    procs: 5,
    needs: ["durable"],
    async load() {
      const { workflows, store: durable, strand, dir } = await modules();
      const store = await durable.openStore(`sqlite:${join(dir, `resume-${steps}-${databases++}.db`)}`);
      const id = await durable.start(store, workflows.stepping, [steps]);
      const worker = strand.run(() => durable.runWorker({ store, poll: 1, name: "setup" }));
      worker.then(undefined, () => {});
      // Until it has taken its steps and been checkpointed in its long sleep.
      for (;;) {
        const [row] = await durable.inspect(store, id);
        if (row!.steps === steps && row!.checkpoints > 0 && /sleep/.test(row!.suspendedAt ?? "")) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await worker.cancel().then(undefined, () => {});
      // The cancelled worker handed the coroutine back, runnable when its long sleep ends:
      // claim it as of a time past that, only to read its checkpoint.
      const later = Date.now() + 365 * 24 * 3_600_000;
      const [{ snapshot }] = (await (store as unknown as { driver: { claim(o: string, l: number, n: number, u: number): Promise<{ snapshot: Uint8Array }[]> } }).driver.claim("bench", 1, later, later + 60_000)) as [{ snapshot: Uint8Array }];
      const { restore } = (await import(src("durable/index.js"))) as typeof import("../../src/durable/index.js");
      return {
        async run(n) {
          await strand.run(function* () {
            for (let i = 0; i < n; i++) {
              const task = yield* restore(snapshot);
              yield* task.cancel();
            }
          });
        },
      };
    },
  };
}

export const cases: Case[] = [suspendCase(1), suspendCase(100), resumeCase(10), resumeCase(10_000)];
