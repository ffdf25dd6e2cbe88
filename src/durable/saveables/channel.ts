/**
 * Channels in snapshots (durable/saving.ts): a channel's state, the plain
 * send/receive its task is parked on, and its ends as select clauses with
 * their tokens. A channel's waiters are saved by their tasks, which must all
 * be in the snapshot; restored, each goes back to its place in its queue.
 */
import { CANCELLED, CLOSED, ChannelImpl, DROP_LATEST, DROP_OLDEST, OPEN, SUSPEND } from "../../channel/channel.js";
import { CLAIMED, ENQUEUED, GAVE_UP, PARKED, RECEIVE, RECEIVE_CATCHING, RETRY, SEND, WOKEN_CLOSED, Waiter } from "../../channel/waiter.js";
import { ChannelClause, ClauseToken } from "../../channel/clause.js";
import type { Selector } from "../../core/clause.js";
import type { TaskRecord } from "../../core/task.js";
import { positionIn, requeue, revivedAt, type SaveableClause, type SaveableFunction, type SaveableType, type SaveableWait } from "../saving.js";

interface SavedChannel {
  name: string;
  /** -1 for unlimited. */
  capacity: number;
  overflow: number;
  onUndelivered: ((element: unknown) => void) | null;
  buffer: unknown[];
  state: number;
  cause: unknown;
  /** sent, received, dropped, undelivered, cancelledWaiters. */
  counts: number[];
}

const channelType: SaveableType<ChannelImpl<unknown>> = {
  id: "strand:channel",
  Class: ChannelImpl,
  save(channel, saving): SavedChannel {
    for (const queue of [channel.senders, channel.receivers]) {
      for (let waiter = queue.head; waiter !== null; waiter = waiter.nextLink as Waiter | null) {
        const task = waiter.select !== null ? (waiter.select as Selector & { task: TaskRecord<unknown> }).task : waiter.task;
        if (!saving.includes(task)) {
          throw new Error(
            `${channel.name} is shared with ${task.path}, which is outside the snapshot and waits to ${waiter.kind === SEND ? "send" : "receive"} on it${waiter.select !== null ? " in a select" : ""}: ` +
              "snapshot a tree that holds every task using the channel",
          );
        }
      }
    }
    if (channel.lateError !== null) throw new Error(`${channel.name} holds an onUndelivered error nobody has taken yet`);
    return {
      name: channel.name,
      capacity: channel.capacity === Infinity ? -1 : channel.capacity,
      overflow: channel.overflow,
      onUndelivered: channel.onUndelivered ?? null,
      buffer: channel.buffer.toArray(),
      state: channel.state,
      cause: channel.cause,
      counts: [channel.sent, channel.received, channel.dropped, channel.undelivered, channel.cancelledWaiters],
    };
  },
  revive(data: SavedChannel): ChannelImpl<unknown> {
    const { capacity, overflow, state, counts } = data;
    if (typeof data.name !== "string" || typeof capacity !== "number" || !(capacity === -1 || (Number.isInteger(capacity) && capacity >= 0))) {
      throw new TypeError("a saved channel has no name or capacity");
    }
    if ((overflow !== SUSPEND && overflow !== DROP_OLDEST && overflow !== DROP_LATEST) || (state !== OPEN && state !== CLOSED && state !== CANCELLED)) {
      throw new TypeError("a saved channel has an unknown overflow policy or state");
    }
    if (!Array.isArray(data.buffer) || !Array.isArray(counts) || counts.length !== 5 || !counts.every((n) => typeof n === "number")) {
      throw new TypeError("a saved channel has no buffer or counters");
    }
    if (data.onUndelivered !== null && typeof data.onUndelivered !== "function") throw new TypeError("a saved channel's onUndelivered is not a function");
    const channel = new ChannelImpl<unknown>(capacity === -1 ? Infinity : capacity, overflow, data.onUndelivered === null ? undefined : { onUndelivered: data.onUndelivered });
    (channel as { name: string }).name = data.name;
    for (const element of data.buffer) channel.buffer.push(element);
    channel.state = state;
    channel.cause = data.cause;
    [channel.sent, channel.received, channel.dropped, channel.undelivered, channel.cancelledWaiters] = counts as [number, number, number, number, number];
    return channel;
  },
};

/** A revived waiter goes back into its channel's queue at the place it had when saved. */
function requeueWaiter(waiter: Waiter): void {
  requeue(waiter.kind === SEND ? waiter.channel.senders : waiter.channel.receivers, waiter);
}

interface SavedWaiter {
  channel: ChannelImpl<unknown>;
  kind: number;
  element: unknown;
  state: number;
  stage: "parked" | "budget";
  /** Its index in its channel's queue, when enqueued; else -1. */
  position: number;
}

/** A plain send/receive its task is parked on, or was woken from (a select's tokens are saved by their clauses). */
const waiterType: SaveableWait<Waiter> = {
  id: "strand:channel-waiter",
  Class: Waiter,
  save(waiter, saving): SavedWaiter {
    if (waiter.select !== null) throw new Error(`internal: a select's token (${waiter.describe()}) is saved by its select, not alone`);
    const phase = waiter.phase;
    if (phase !== PARKED && phase !== RETRY) throw new Error(`${waiter.describe()} is neither parked nor yielding, so it cannot be saved`);
    const position = waiter.state === ENQUEUED ? positionIn(saving, waiter) : -1;
    // A claimed sender's element was handed over: not its own any more.
    const element = waiter.kind === SEND && waiter.state !== ENQUEUED && phase === PARKED ? undefined : waiter.element;
    return { channel: waiter.channel, kind: waiter.kind, element, state: waiter.state, stage: phase === PARKED ? "parked" : "budget", position };
  },
  revive(data: SavedWaiter): Waiter {
    const { kind, state } = data;
    if (!(data.channel instanceof ChannelImpl)) throw new TypeError("a saved channel waiter has no channel");
    if ((kind !== SEND && kind !== RECEIVE && kind !== RECEIVE_CATCHING) || (state !== ENQUEUED && state !== CLAIMED && state !== WOKEN_CLOSED && state !== GAVE_UP)) {
      throw new TypeError("a saved channel waiter has an unknown kind or state");
    }
    if (data.stage !== "parked" && data.stage !== "budget") throw new TypeError("a saved channel waiter has an unknown stage");
    if (typeof data.position !== "number") throw new TypeError("a saved channel waiter has no position");
    const waiter = new Waiter(data.channel, kind, data.element, null);
    waiter.state = state;
    waiter.phase = data.stage === "parked" ? PARKED : RETRY;
    revivedAt(waiter, data.position);
    return waiter;
  },
  rearm(waiter, task): void {
    waiter.task = task;
    if (waiter.state === ENQUEUED && waiter.phase === PARKED) requeueWaiter(waiter);
  },
};

interface SavedChannelClause {
  kind: number;
  channel: ChannelImpl<unknown>;
  element: unknown;
  handler: ((value: never) => unknown) | null;
}

interface SavedToken {
  state: number;
  element: unknown;
  /** Its index in the channel's queue, when enqueued; else -1. */
  position: number;
}

/** A channel end as a select clause: the clause as data; its token through `savedWait`. */
const clauseType: SaveableClause<ChannelClause<unknown>, ClauseToken<unknown>> = {
  id: "strand:channel.clause",
  Class: ChannelClause,
  save(clause): SavedChannelClause {
    return { kind: clause.kind, channel: clause.channel, element: clause.element, handler: clause.handler ?? null };
  },
  revive(data: SavedChannelClause): ChannelClause<unknown> {
    const { kind, channel, handler } = data;
    if ((kind !== SEND && kind !== RECEIVE && kind !== RECEIVE_CATCHING) || !(channel instanceof ChannelImpl)) throw new TypeError("a saved channel clause has no channel or kind");
    if (handler !== null && typeof handler !== "function") throw new TypeError("a saved channel clause's handler is not a function");
    return new ChannelClause(kind, channel, data.element, handler ?? undefined);
  },
  savedWait(_clause, token, saving): SavedToken {
    const position = token.state === ENQUEUED ? positionIn(saving, token) : -1;
    return { state: token.state, element: token.kind === SEND ? undefined : token.element, position };
  },
  revivedWait(clause, selector, data: SavedToken): ClauseToken<unknown> {
    const { state, position } = data;
    if ((state !== ENQUEUED && state !== CLAIMED && state !== WOKEN_CLOSED && state !== GAVE_UP) || typeof position !== "number") throw new TypeError("a saved channel clause's token has an unknown state");
    const token = new ClauseToken(clause, selector);
    token.state = state;
    if (clause.kind !== SEND) token.element = data.element;
    revivedAt(token, position);
    return token;
  },
  rejoin(_clause, token): void {
    if (token.state === ENQUEUED) requeueWaiter(token);
  },
};

export const channelTypes: readonly SaveableType<object>[] = [channelType, waiterType, clauseType];

export const channelFunctions: readonly SaveableFunction[] = [{ id: "strand:channel-waiter.next", fn: Waiter.prototype.next }];
