/** Errors users can `instanceof`. Each names the task or argument involved. */
export { Cancelled, DeadlockError, type BlockedTask } from "./core/errors.js";

/** Thrown by `timeout(ms, body)` when `body` did not finish within `ms`. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/**
 * Thrown by sending to a closed channel, and by receiving from a closed channel
 * once it is drained. `cause` is what was passed to `close(cause)` / `cancel(cause)`.
 */
export class ChannelClosed extends Error {
  override readonly name = "ChannelClosed";
  constructor(channel: string, cancelled: boolean, cause?: unknown) {
    super(
      `${channel} is ${cancelled ? "cancelled" : "closed"}` +
        (cause === undefined ? "" : `: ${cause instanceof Error ? cause.message : String(cause)}`),
      cause === undefined ? undefined : { cause },
    );
  }
}
