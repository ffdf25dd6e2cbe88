/**
 * A channel's async iterator (`for await (const x of channel)` from async code).
 */
import { Cancelled } from "../core/errors.js";
import type { TaskRecord } from "../core/task.js";
import { startRoot } from "../run.js";
import type { ChannelImpl, ClosedResult } from "./channel.js";

const DONE_RESULT: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A channel's async iterator. Each `next()` receives in a task of its own, so
 * `return()` (a `break` out of `for await`, or an abandoned `next()`) can
 * cancel the receives still pending: prompt cancellation gives an element that
 * was handed to one of them back to the channel, and `return()` settles at once
 * instead of waiting behind them.
 */
export class ChannelIterator<T> implements AsyncIterator<T, undefined> {
  private finished = false;
  private readonly pending = new Set<TaskRecord<{ ok: true; value: T } | ClosedResult>>();

  constructor(private readonly channel: Pick<ChannelImpl<T>, "name" | "receiveCatching" | "closedError">) {}

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.finished) return Promise.resolve(DONE_RESULT);
    const channel = this.channel;
    const receiving = startRoot(() => channel.receiveCatching(), { name: `${channel.name} iterator` });
    this.pending.add(receiving);
    return receiving.promise().then(
      (result): IteratorResult<T, undefined> => {
        this.pending.delete(receiving);
        if (result.ok) return { done: false, value: result.value };
        this.finished = true;
        if (result.cause !== undefined) throw channel.closedError();
        return DONE_RESULT;
      },
      (error: unknown): IteratorResult<T, undefined> => {
        this.pending.delete(receiving);
        if (this.finished && error instanceof Cancelled && error.task === receiving) return DONE_RESULT; // withdrawn by return()
        this.finished = true;
        throw error;
      },
    );
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.finished = true;
    // Cancelling withdraws each parked receive synchronously (or gives back what it was handed).
    for (const receiving of this.pending) receiving.cancel();
    return Promise.resolve(DONE_RESULT);
  }
}

