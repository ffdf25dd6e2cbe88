import { RealClock, type Clock } from "./core/clock.js";
import { currentTask, Runtime } from "./core/runtime.js";
import { keep, keepTask, sampleBody } from "./core/keep.js";
import { CancelWait, JoinOperation, PromiseJoiner, Teardown } from "./core/join.js";
import { operation } from "./core/operation.js";
import { createTask, newSampleTask, type Body, type Task, type TaskRecord } from "./core/task.js";
import { checkBody, checkClock, checkName, checkOptions, nameOf } from "./validate.js";
import { captureAsyncContext } from "./async-context.js";

export interface RunOptions {
  /** The task's name in errors, paths and dumps. Defaults to the body function's name, or "run". */
  name?: string;
  /** The clock its timers read; `strand/testing` has a virtual one. Defaults to wall-clock time. */
  clock?: Clock;
  /** Random numbers in [0, 1) for unbiased choices such as `select`'s; pass a seeded one for reproducible runs. */
  random?: () => number;
}

/**
 * Starts a root task from ordinary (async or sync) code and returns it at once.
 * The task is a `PromiseLike`: `await run(...)` gives its result or throws its
 * error, and a failure nobody awaits is reported as an unhandled rejection.
 *
 * ```ts
 * const answer = await run(function* () {
 *   yield* sleep(10);
 *   return 42;
 * });
 * ```
 */
export function run<T>(body: Body<T>, options?: RunOptions): Task<T> {
  return startRoot(body, options);
}

let keptCore = false;

/** Keeps the hidden classes of a run's runtime, clock and tasks alive (core/keep.ts). */
function keepCore(): void {
  keptCore = true;
  const runtime = new Runtime(new RealClock());
  keep(runtime);
  keep(runtime.clock);
  const task = newSampleTask(runtime);
  keepTask(task);
  keep(new JoinOperation(task));
  const teardown = new Teardown(task);
  keep(teardown);
  keep(new CancelWait(teardown));
  keep(new PromiseJoiner(sampleBody, sampleBody)); // what a run's promise waits with
  keep(operation(sampleBody)); // what operation() returns: current(), hold(), useAbortSignal() and the like
}

/** @internal `run` for Strand's own modules, which need the run loop's record of the root. */
export function startRoot<T>(body: Body<T>, options?: RunOptions): TaskRecord<T> {
  checkBody("run(body)", body);
  checkOptions("run(body, options)", options);
  checkName("run(body, options)", options?.name);
  if (options !== undefined && "clock" in options) checkClock("run(body, options)", options.clock);
  if (options?.random !== undefined && typeof options.random !== "function") {
    throw new TypeError("run(body, options): random must be a function returning numbers in [0, 1)");
  }
  if (!keptCore) keepCore();
  const runtime = new Runtime(options?.clock ?? new RealClock(), options?.random);
  runtime.startedIn = currentTask()?.runtime ?? null;
  captureAsyncContext(runtime);
  const task = createTask(body, null, runtime, options?.name ?? nameOf(body, "run"), 0, 0);
  task.promise();
  return task;
}
