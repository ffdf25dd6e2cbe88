/**
 * Graceful shutdown: a job runner under `main(body, { drain: { grace } })`.
 * Jobs arrive every 20 ms; two workers take 50 ms each. The first SIGINT or
 * SIGTERM completes `shutdownRequested()`: the runner stops taking jobs,
 * lets the workers finish the jobs already taken, and returns — exit code 0.
 * Had it taken longer than the grace period, the tree would have been
 * cancelled (exit code 128 + signal); a second signal exits at once, listing
 * the tasks still running.
 *
 * Run it: `npx tsx examples/graceful-shutdown.ts`, then press Ctrl-C.
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { channel, forEach, main, race, shutdownRequested, sleep, spawn, type Operation } from "../src/index.js";

/** Runs jobs until `stop` completes (`shutdownRequested()` under main; a timer in the test), then drains. */
export function* jobRunner(write: (line: string) => void, stop: Operation<void>): Operation<void> {
  const jobs = channel<number>(0, { name: "jobs" });
  const intake = yield* spawn(function* () {
    for (let job = 1; ; job++) {
      yield* jobs.send(job);
      yield* sleep(20);
    }
  });
  const workers = yield* spawn(() =>
    forEach(
      jobs,
      function* (job) {
        yield* sleep(50);
        write(`job ${job} done`);
      },
      { concurrency: 2 },
    ),
  );
  write("ready");
  yield* race([stop, workers]);
  write("shutdown requested: no new jobs; finishing the jobs taken");
  yield* intake.cancel(); // stop taking jobs
  jobs.close(); // the workers drain what they hold, then forEach returns
  yield* workers;
  write("all taken jobs done; exiting");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(() => jobRunner((line) => console.log(line), shutdownRequested()), { drain: { grace: 5_000 } });
}
