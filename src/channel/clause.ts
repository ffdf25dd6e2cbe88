/**
 * Channel ends as select clauses (`onSend`, `onReceive`, `onReceiveCatching`):
 * the clause protocol of core/clause.ts over a channel.
 */
import { NOT_READY, type ClauseWait, type SelectClause, type Selector } from "../core/clause.js";
import { DRAINED, EMPTY, FULL, REFUSED } from "./channel.js";
import { CLAIMED, RECEIVE, RECEIVE_CATCHING, SEND, WOKEN_CLOSED, Waiter } from "./waiter.js";
import type { ChannelImpl } from "./channel.js";

/**
 * A channel end as a select clause (`onSend`, `onReceive`, `onReceiveCatching`):
 * attempts to complete at once, else queues a `ClauseToken` on the channel.
 */
export class ChannelClause<R> implements SelectClause<R> {
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
}

function handle<R>(clause: ChannelClause<R>, value: unknown): R {
  const handler = clause.handler as ((value: unknown) => R) | undefined;
  if (clause.kind === SEND) return handler === undefined ? (undefined as R) : handler(undefined);
  return handler === undefined ? (value as R) : handler(value);
}

/** @internal A select's token in a channel queue: a `Waiter` that answers to its select, and knows its clause's handler. */
export class ClauseToken<R> extends Waiter<R> implements ClauseWait<R> {
  constructor(
    /** @internal */ readonly clause: ChannelClause<R>,
    selector: Selector | null, // null only for the sample kept by channel.ts
  ) {
    super(clause.channel, clause.kind, clause.element, selector);
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

