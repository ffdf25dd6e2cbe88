// `npm run test:stress` for strand/worker (not part of `npm test`): the shared-channel model over
// many more and larger programs, and a pool under a storm of tasks, cancellations and crashes.
// Seeded: STRAND_SHARED_MODEL_SEED, STRAND_STRESS_RUNS.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { all, run, scoped, sleep, spawn } from "../../src/index.js";
import { createPool, spawnOn, WorkerCrashed, WorkerTaskError } from "../../src/worker/index.js";
import { execute, MODEL_TASKS, programs } from "./shared-model.js";
import { random } from "./fixtures/model-tasks.js";

const seed = Number(process.env.STRAND_SHARED_MODEL_SEED ?? 0x5eed);
const runs = Number(process.env.STRAND_STRESS_RUNS ?? 300);
const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);

for (const codec of ["structured", "number"] as const) {
  test(`shared channel model, codec "${codec}": ${runs} programs of up to 3,000 elements per producer (fast-check seed ${seed})`, { timeout: 1_800_000 }, async () => {
    await run(function* () {
      const pool = yield* createPool({ module: MODEL_TASKS, size: 3 });
      const samples = fc.sample(programs(3_000, codec), { seed, numRuns: runs });
      for (const [i, program] of samples.entries()) {
        const violations = yield* execute(pool, program);
        assert.deepEqual(violations, [], `program ${i} (seed ${seed}): ${JSON.stringify(program)}`);
      }
    });
  });
}

test(`a pool under a storm: 2,000 tasks, a tenth cancelled at random, some crashing their worker (seed ${seed})`, { timeout: 600_000 }, async () => {
  const rand = random(seed);
  const outcome = await run(function* () {
    const pool = yield* createPool({ module: TASKS, size: 3, cancelGrace: 200 });
    const counts = { ok: 0, cancelled: 0, crashed: 0, failed: 0 };
    const tasks = [];
    for (let i = 0; i < 2_000; i++) {
      const r = rand();
      const fn = r < 0.01 ? "exits" : r < 0.05 ? "fails" : r < 0.5 ? "double" : "add";
      tasks.push(
        yield* spawn(function* () {
          try {
            yield* scoped(function* () {
              const task = yield* spawnOn(pool, fn, fn === "add" ? [i, 1] : [i]);
              if (rand() < 0.1) {
                yield* sleep(Math.floor(rand() * 3));
                yield* task.cancel();
                counts.cancelled++;
              } else {
                yield* task;
                counts.ok++;
              }
            });
          } catch (error) {
            if (error instanceof WorkerCrashed) counts.crashed++;
            else if (error instanceof WorkerTaskError) counts.failed++;
            else throw error;
          }
        }),
      );
    }
    yield* all(tasks);
    return { counts, stats: pool.stats() };
  });
  const { counts, stats } = outcome;
  assert.equal(counts.ok + counts.cancelled + counts.crashed + counts.failed, 2_000);
  assert.equal(stats.pending, 0);
  assert.equal(stats.workers, 3);
  assert.ok(stats.replaced >= 1, "some workers crashed and were replaced");
});
