// `npm run test:stress`: the channel model-based test (model.ts) over many
// fast-check seeds with larger programs, until at least 10⁶ channel operations
// have run; prints the count, the seeds and the time. A failure prints its
// seed and fast-check's shrunk counterexample, and exits with 1.
//
//   STRAND_STRESS_OPS=<n>    operations to run (default 1 000 000)
//   STRAND_STRESS_SEED=<n>   first fast-check seed (default 1; seeds go up by one)
//   STRAND_STRESS_RUNS=<n>   programs per seed (default 200)
import { check, counters, stressSizes } from "./model.js";

const target = Number(process.env.STRAND_STRESS_OPS ?? 1_000_000);
const firstSeed = Number(process.env.STRAND_STRESS_SEED ?? 1);
const runsPerSeed = Number(process.env.STRAND_STRESS_RUNS ?? 200);

const start = performance.now();
let seed = firstSeed;
try {
  while (counters.ops < target) {
    await check(seed, runsPerSeed, stressSizes);
    seed++;
    const seconds = (performance.now() - start) / 1000;
    const line = `seeds ${firstSeed}..${seed - 1}: ${counters.programs} programs, ${counters.ops.toLocaleString("en")} channel operations, ${seconds.toFixed(1)} s`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
    else if ((seed - firstSeed) % 10 === 0) console.log(line);
  }
} catch {
  process.stdout.write("\n");
  console.error(`stress: FAILED at fast-check seed ${seed} after ${counters.ops} operations (report above)`);
  process.exit(1);
}
const seconds = (performance.now() - start) / 1000;
const { ops, programs, ...exercised } = counters;
console.log(
  `\nstress: OK — ${ops.toLocaleString("en")} channel operations in ${programs} random programs ` +
    `(fast-check seeds ${firstSeed}..${seed - 1}, ${runsPerSeed} each), ${seconds.toFixed(1)} s, ${Math.round(ops / seconds).toLocaleString("en")} ops/s`,
);
console.log("exercised:", JSON.stringify(exercised));
