/**
 * A parallel map over a CPU-bound function: each input is a `spawnOn` task on
 * a pool of two worker threads (the pool's module: example./workers/tasks.ts),
 * and `all` joins them in input order. On a machine with two free cores it
 * takes about half the time of the same loop on one thread.
 *
 * Run it on its own: `npx tsx examples/parallel-map.ts`
 */
import { threadId } from "node:worker_threads";
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand" and "strand/worker".
import { all, main, type Operation } from "../src/index.js";
import { createPool, spawnOn } from "../src/worker/index.js";

const TASKS = new URL("./workers/tasks.ts", import.meta.url);
const INPUTS = [10_000, 20_000, 40_000, 80_000, 160_000, 320_000];

export function* parallelMapDemo(write: (line: string) => void): Operation<void> {
  const pool = yield* createPool({ module: TASKS, size: 2, name: "primes" });
  const tasks = [];
  for (const n of INPUTS) tasks.push(yield* spawnOn<number>(pool, "primesBelow", [n]));
  const counts = yield* all(tasks);
  INPUTS.forEach((n, i) => write(`primes below ${n.toLocaleString("en-US")}: ${counts[i]!.toLocaleString("en-US")}`));
  const { completed } = pool.stats();
  write(`${completed} tasks on ${pool.size} worker threads (not on this one, thread ${threadId})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* parallelMapDemo((line) => console.log(line));
  });
}
