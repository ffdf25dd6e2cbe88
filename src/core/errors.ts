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
