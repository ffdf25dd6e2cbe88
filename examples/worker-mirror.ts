/**
 * The kcoro seed's "mirror" across worker threads: two producers and two
 * consumers, each a task on a pool worker, trade 1 KB descriptors with no
 * copying. A descriptor is a block of a SharedArrayBuffer slab; the shared
 * channels between the threads carry only its index (a number, written in
 * place in the channel's ring), so the 1,000 messages of each pair go round
 * the same four blocks, and the bytes never move.
 *
 * Run it on its own: `npx tsx examples/worker-mirror.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand" and "strand/worker".
import { main, type Operation } from "../src/index.js";
import { createPool, sharedChannel, spawnOn } from "../src/worker/index.js";
import { SIZE } from "./workers/tasks.js";

const MESSAGES = 1_000;
const BLOCKS = 4;
const TASKS = new URL("./workers/tasks.ts", import.meta.url);

export function* workerMirrorDemo(write: (line: string) => void): Operation<void> {
  const pool = yield* createPool({ module: TASKS, size: 4, name: "mirror" });
  const consumers = [];
  for (let pair = 0; pair < 2; pair++) {
    const slab = new SharedArrayBuffer(BLOCKS * SIZE);
    const full = sharedChannel<number>(BLOCKS, { name: `full[${pair}]` });
    const empty = sharedChannel<number>(BLOCKS, { name: `empty[${pair}]` });
    for (let block = 0; block < BLOCKS; block++) yield* empty.send(block);
    yield* spawnOn(pool, "producer", [slab, empty, full, MESSAGES], { name: `producer[${pair}]` });
    consumers.push(yield* spawnOn<{ received: number; sum: number; blocks: number }>(pool, "consumer", [slab, full, empty], { name: `consumer[${pair}]` }));
  }
  const tallies = [];
  for (const consumer of consumers) tallies.push(yield* consumer);

  tallies.forEach((tally, i) => write(`consumer[${i}] received=${tally.received} sum=${tally.sum}`));
  const received = tallies.reduce((n, tally) => n + tally.received, 0);
  const sum = tallies.reduce((n, tally) => n + tally.sum, 0);
  write(`total received=${received} total sum=${sum}`);
  tallies.forEach((tally, i) => {
    if (tally.blocks !== BLOCKS) throw new Error(`consumer[${i}] saw ${tally.blocks} blocks: something was copied`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* workerMirrorDemo((line) => console.log(line));
  });
}
