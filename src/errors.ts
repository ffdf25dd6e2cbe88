/** Errors users can `instanceof`. Each names the task or argument involved. */
import type { Task } from "./core/task.js";

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

/** Thrown by `timeout(ms, body)` when `body` did not finish within `ms`. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}
