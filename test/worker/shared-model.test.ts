// The shared-channel model test (see shared-model.ts for what it checks), with real threads.
// A failure prints the fast-check seed; rerun with STRAND_SHARED_MODEL_SEED=<seed>.
// `npm run test:stress` runs it over many more, larger programs (test/worker/stress.test.ts).
import { test } from "node:test";
import fc from "fast-check";
import { run } from "../../src/index.js";
import { createPool } from "../../src/worker/index.js";
import { execute, MODEL_TASKS, programs } from "./shared-model.js";

const seed = Number(process.env.STRAND_SHARED_MODEL_SEED ?? 0x5eed);

for (const codec of ["structured", "number"] as const) {
  test(`shared channel model, codec "${codec}": 25 random programs across worker threads and the main thread (fast-check seed ${seed})`, { timeout: 120_000 }, async () => {
    await run(function* () {
      const pool = yield* createPool({ module: MODEL_TASKS, size: 2 });
      const failures: string[] = [];
      // fast-check drives the generation; each program runs inside this run's pool.
      const samples = fc.sample(programs(200, codec), { seed, numRuns: 25 });
      for (const [i, program] of samples.entries()) {
        const violations = yield* execute(pool, program);
        if (violations.length > 0) failures.push(`program ${i} (seed ${seed}): ${JSON.stringify(program)}\n  - ${violations.slice(0, 10).join("\n  - ")}`);
      }
      if (failures.length > 0) throw new Error(`the books do not balance:\n${failures.join("\n")}`);
    });
  });
}
