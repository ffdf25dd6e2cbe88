/**
 * Channel ends as select clauses (`onSend`, `onReceive`, `onReceiveCatching`):
 * the clause protocol of core/clause.ts over a channel.
 */
import { NOT_READY, type ClauseWait, type Selector } from "../core/clause.js";
import { DRAINED, EMPTY, FULL, REFUSED } from "./channel.js";
import { CLAIMED, ENQUEUED, GAVE_UP, RECEIVE, RECEIVE_CATCHING, SEND, WOKEN_CLOSED, Waiter } from "./waiter.js";
import { ChannelImpl } from "./channel.js";
import { positionIn, revivedAt, saveable, type SaveableClause, type Saving } from "../core/saving.js";
import type { TaskRecord } from "../core/task.js";

/**
 * A channel end as a select clause (`onSend`, `onReceive`, `onReceiveCatching`):
 * attempts to complete at once, else queues a `ClauseToken` on the channel.
 */
export class ChannelClause<R> implements SaveableClause<R> {
  constructor(
    readonly kind: number,
    readonly channel: ChannelImpl<unknown>,
    readonly element: unknown,
    readonly handler: ((value: never) => R) | undefined,
  ) {}

  describe(): string {
    return `${this.kind === SEND ? "send on" : "receive on"} ${this.channel.name}`;
  }

  attempt(): R | typeof NOT_READY {
    const channel = this.channel;
    if (this.kind === SEND) {
      const offer = channel.offer(this.element, null);
      if (offer === FULL) return NOT_READY;
      if (offer === REFUSED) throw channel.closedError();
      return handle(this, undefined);
    }
    const element = channel.poll(null);
    if (element === EMPTY) return NOT_READY;
    if (element === DRAINED) {
      if (this.kind === RECEIVE) throw channel.closedError();
      return handle(this, channel.closedResult());
    }
    return handle(this, this.kind === RECEIVE_CATCHING ? { ok: true, value: element } : element);
  }

  enqueue(selector: Selector): ClauseWait<R> {
    const token = new ClauseToken<R>(this, selector);
    this.channel.enqueue(token);
    return token;
  }

  // Snapshots (core/saving.ts): the clause as data; its token through savedWait.
  static save(clause: ChannelClause<unknown>): SavedChannelClause {
    return { kind: clause.kind, channel: clause.channel, element: clause.element, handler: clause.handler ?? null };
  }
  static revive(data: SavedChannelClause): ChannelClause<unknown> {
    const { kind, channel, handler } = data;
    if ((kind !== SEND && kind !== RECEIVE && kind !== RECEIVE_CATCHING) || !(channel instanceof ChannelImpl)) throw new TypeError("a saved channel clause has no channel or kind");
    if (handler !== null && typeof handler !== "function") throw new TypeError("a saved channel clause's handler is not a function");
    return new ChannelClause(kind, channel, data.element, handler ?? undefined);
  }
  savedWait(wait: ClauseWait<R>, saving: Saving): SavedToken {
    const token = wait as ClauseToken<R>;
    const position = token.state === ENQUEUED ? positionIn(saving, token) : -1;
    return { state: token.state, element: token.kind === SEND ? undefined : token.element, position };
  }
  revivedWait(selector: Selector & { readonly task: TaskRecord<unknown> }, data: SavedToken): ClauseToken<R> {
    const { state, position } = data;
    if ((state !== ENQUEUED && state !== CLAIMED && state !== WOKEN_CLOSED && state !== GAVE_UP) || typeof position !== "number") throw new TypeError("a saved channel clause's token has an unknown state");
    const token = new ClauseToken<R>(this, selector);
    token.state = state;
    if (this.kind !== SEND) token.element = data.element;
    revivedAt(token, position);
    return token;
  }
}

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

saveable<ChannelClause<unknown>>({ id: "strand:channel.clause", Class: ChannelClause, save: ChannelClause.save, revive: ChannelClause.revive });

function handle<R>(clause: ChannelClause<R>, value: unknown): R {
  const handler = clause.handler as ((value: unknown) => R) | undefined;
  if (clause.kind === SEND) return handler === undefined ? (undefined as R) : handler(undefined);
  return handler === undefined ? (value as R) : handler(value);
}

/** A select's token in a channel queue: a `Waiter` that answers to its select, and knows its clause's handler. */
/** @internal */
export class ClauseToken<R> extends Waiter<R> implements ClauseWait<R> {
  constructor(
    private readonly clause: ChannelClause<R>,
    selector: Selector | null, // null only for the sample kept by channel.ts
  ) {
    super(clause.channel, clause.kind, clause.element, selector);
  }

  rejoin(): void {
    if (this.state === ENQUEUED) this.channel.requeue(this);
  }

  giveBack(): void {
    // Chosen, but the select was cancelled before it ran: a received element goes back.
    if (this.kind !== SEND && this.state === CLAIMED) this.channel.giveBack(this.element);
  }

  result(): R {
    const clause = this.clause;
    if (this.state === WOKEN_CLOSED) {
      if (this.kind === RECEIVE_CATCHING) return handle(clause, this.channel.closedResult());
      throw this.channel.closedError();
    }
    if (this.kind === SEND) return handle(clause, undefined);
    return handle(clause, this.kind === RECEIVE_CATCHING ? { ok: true, value: this.element } : this.element);
  }
}

