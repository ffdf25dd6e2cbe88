/** The errors of `strand/worker`, for `instanceof`. */

/**
 * A task run with `spawnOn` failed on its worker. `cause` is the thrown value
 * by structured clone (built-in error classes keep their class; others arrive
 * as `Error`), `remotePath` names the task on the worker, and `stack` ends
 * with the worker's stack.
 */
export class WorkerTaskError extends Error {
  override readonly name = "WorkerTaskError";
  constructor(
    message: string,
    /** The remote error's name, e.g. "RangeError", or a custom class's name. */
    readonly remoteName: string,
    /** The task's path on the worker thread, e.g. `worker#w3.1 › fib#w3.4`. */
    readonly remotePath: string,
    /** The stack where it was thrown, on the worker. */
    readonly remoteStack: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.stack = `${this.stack}\n    --- on the worker, in ${remotePath} ---\n${remoteStack}`;
  }
}

/**
 * A worker thread died (an uncaught error, `process.exit`, out of memory) or
 * was terminated because a cancelled task did not reach a suspension within
 * the pool's grace period; the tasks it had started fail with this error, and
 * the pool replaces the worker.
 */
export class WorkerCrashed extends Error {
  override readonly name = "WorkerCrashed";
}

/** `spawnOn` on a pool whose scope has ended (or a task still running there when it ended). */
export class PoolClosed extends Error {
  override readonly name = "PoolClosed";
}
