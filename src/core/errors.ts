/** The error the core itself throws: users `instanceof` it (re-exported from `strand`). */
import type { Task } from "./task.js";

/** Thrown to whoever joins a task that was cancelled (`yield* task`, `await task`). */
export class Cancelled extends Error {
  override readonly name = "Cancelled";
  constructor(
    /** The task that was cancelled. */
    readonly task: Task<unknown>,
  ) {
    super(`${task} was cancelled`);
  }
}

/** One task a deadlock report names, and what it waits on. */
export interface BlockedTask {
  /** The task's path, e.g. `test#1 › worker#2`. */
  readonly path: string;
  /** What it waits on, e.g. `receive on channel #3`. */
  readonly waitsOn: string;
}

/**
 * Every task of a run is parked and nothing can wake them: no task can run, no
 * timer is set, no outside work (`call`, `action`, I/O) is pending. Under
 * `runTest` the test fails with it at once; under `run()` and `main()` it is
 * raised when the host has nothing left to do. Each blocked wait throws it, so
 * `finally` blocks run and the run fails with it.
 */
export class DeadlockError extends Error {
  override readonly name = "DeadlockError";
  constructor(
    /** The parked tasks, in tree order. */
    readonly blocked: readonly BlockedTask[],
  ) {
    super(
      `all tasks are asleep - deadlock! Nothing can wake ${blocked.length === 1 ? "this task" : `these ${blocked.length} tasks`}:\n` +
        blocked.map(({ path, waitsOn }) => `  ${path}: ${waitsOn}`).join("\n"),
    );
  }
}
