// The worker-thread examples print what their doc comments promise (real worker threads).
import assert from "node:assert/strict";
import { test } from "node:test";
import { run, type Operation } from "../../src/index.js";
import { workerMirrorDemo } from "../../examples/worker-mirror.js";
import { parallelMapDemo } from "../../examples/parallel-map.js";

async function output(demo: (write: (line: string) => void) => Operation<void>): Promise<string[]> {
  const lines: string[] = [];
  await run(() => demo((line) => lines.push(line)));
  return lines;
}

test("worker mirror: two producer/consumer pairs on worker threads trade 1 KB blocks of a shared slab without copying", async () => {
  assert.deepEqual(await output(workerMirrorDemo), [
    "consumer[0] received=1000 sum=499500",
    "consumer[1] received=1000 sum=499500",
    "total received=2000 total sum=999000",
  ]);
});

test("parallel map: a CPU-bound function over six inputs on two worker threads, results in input order", async () => {
  assert.deepEqual(await output(parallelMapDemo), [
    "primes below 10,000: 1,229",
    "primes below 20,000: 2,262",
    "primes below 40,000: 4,203",
    "primes below 80,000: 7,837",
    "primes below 160,000: 14,683",
    "primes below 320,000: 27,608",
    "6 tasks on 2 worker threads (not on this one, thread 0)",
  ]);
});
