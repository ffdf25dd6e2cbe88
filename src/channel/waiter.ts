/**
 * Waiters: the tokens in a channel's queues. A plain `send`/`receive` is its own
 * token, its own operation, its own iterator and its own iterator result: one
 * allocation per operation on the hot path. A select makes one token per
 * channel clause (clause.ts), which answers to its select.
 *
 * Waiter token states (`Waiter.state`):
 *
 * | state     | meaning                                                           |
 * |-----------|-------------------------------------------------------------------|
 * | ENQUEUED  | in a queue, waiting                                               |
 * | CLAIMED   | matched: its element was handed over (sender) or received         |
 * | CLOSED    | woken because the channel closed or was cancelled                 |
 * | CANCELLED | its task or select gave up; it left the queue                     |
 *
 * ENQUEUED → CLAIMED | CLOSED | CANCELLED, and nothing else. A token in a select
 * is claimed only if its select has not chosen another clause.
 *
 * As an operation, a plain send/receive is a trap (core/trap.ts) in all but
 * its class: the same phases (NEW → START → PARKED, or → RETRY — the trap's
 * BUDGET — when the budget is spent → DONE), the BEFORE budget rule (a send
 * cancelled at its budget yield has offered nothing, and hands its element to
 * onUndelivered: the trap's `unwound`), and the abort contract (it withdraws, or
 * gives back what it was handed, and reports WITHDRAWN). It keeps this copy of
 * the machine, specialised to the channel, because it is the hottest path:
 * written as a `Trap` subclass (begin = sendNow/receiveNow), ping-pong and
 * producer/consumer hand-offs measured 12–20% slower, even with the trap's
 * `next()` seeing only waiters. test/core/traps.test.ts holds both to the same
 * contract.
 */
import { Suspension, WITHDRAWN, YIELD_NOW, type Abort, type Instruction } from "../core/instructions.js";
import { budgetSpent, requireCurrent } from "../core/runtime.js";
import type { ClauseWait, Selector } from "../core/clause.js";
import type { Operation } from "../core/operation.js";
import type { ChannelImpl } from "./channel.js";

// Waiter token states.
export const ENQUEUED = 0;
export const CLAIMED = 1;
export const WOKEN_CLOSED = 2;
export const GAVE_UP = 3;

// What a waiter waits to do.
export const SEND = 0;
export const RECEIVE = 1; // throws ChannelClosed when closed
export const RECEIVE_CATCHING = 2; // gets a closed result when closed

// Phases of a plain send/receive operation's iterator (the trap's, core/trap.ts).
export const NEW = 0; // not iterated yet
export const START = 1;
export const PARKED = 2;
export const RETRY = 3; // the trap's BUDGET: yielded first because the budget was spent; now try
const DONE = 4;

/**
 * A token in a channel's queue. A plain `send`/`receive` is its own token, its
 * own operation, its own iterator and its own iterator result: one allocation
 * per operation on the hot path. A select makes one token per channel clause
 * (those are never iterated).
 */
export class Waiter<R = unknown> extends Suspension implements Operation<R>, Iterator<Instruction, R, unknown> {
  declare state: number;
  /** SEND: the element offered. RECEIVE: the element handed over, once CLAIMED. */
  declare element: unknown;
  declare readonly channel: ChannelImpl<unknown>;
  declare readonly kind: number;
  /** The select this token belongs to, or null for a plain send/receive. */
  declare readonly select: Selector | null;
  // IteratorResult fields: `next()` returns this object itself.
  declare done: boolean;
  declare value: unknown;

  constructor(channel: ChannelImpl<unknown>, kind: number, element: unknown, select: Selector | null) {
    super(NEW); // the phase of a plain operation's iterator: NEW until iterated, then START → PARKED/RETRY → DONE
    // Plain stores (not class-field definitions): this constructor is on the hot path.
    this.state = ENQUEUED;
    this.element = element;
    (this as { channel: ChannelImpl<unknown> }).channel = channel;
    (this as { kind: number }).kind = kind;
    (this as { select: Selector | null }).select = select;
    this.done = false;
    this.value = undefined;
  }

  /** Claims the token for a match; false if it (or its select) is no longer available. */
  claim(): boolean {
    if (this.state !== ENQUEUED) return false;
    if (this.select !== null && !this.select.choose(this as unknown as ClauseWait<unknown>)) return false;
    this.state = CLAIMED;
    return true;
  }

  /** Resumes the waiting task after a match (`element` holds what a receiver got). */
  complete(): void {
    if (this.select !== null) this.select.complete();
    else if (this.kind === SEND) this.wake();
    else if (this.kind === RECEIVE) this.wake(this.element);
    else this.wake({ ok: true, value: this.element });
  }

  /** Wakes the token because the channel closed; false if its select had already chosen. */
  close(): boolean {
    if (this.state !== ENQUEUED) return false;
    if (this.select !== null) {
      if (!this.select.choose(this as unknown as ClauseWait<unknown>)) return false;
      this.state = WOKEN_CLOSED;
      this.select.complete();
      return true;
    }
    this.state = WOKEN_CLOSED;
    if (this.kind === RECEIVE_CATCHING) this.wake(this.channel.closedResult());
    else this.wakeThrow(this.channel.closedError());
    return true;
  }

  /** Leaves the queue without a match (select lost, or task cancelled). */
  withdraw(): void {
    if (this.state !== ENQUEUED) return;
    this.state = GAVE_UP;
    this.channel.withdraw(this);
  }

  describe(): string {
    return `${this.kind === SEND ? "send on" : "receive on"} ${this.channel.name}`;
  }

  /** The task was cancelled while it held this token. */
  abort(): Abort {
    if (this.state === ENQUEUED) {
      this.withdraw();
      // send() takes ownership: a send cancelled while waiting hands its element over.
      if (this.kind === SEND) this.channel.undeliver(this.element);
    } else if (this.state === CLAIMED && this.kind !== SEND) {
      this.channel.giveBack(this.element);
    }
    return WITHDRAWN;
  }

  // -- As a plain send/receive operation -------------------------------------

  [Symbol.iterator](): Iterator<Instruction, R, unknown> {
    if (this.phase === NEW) {
      this.phase = START;
      return this;
    }
    // Iterated again: a fresh operation with the same arguments.
    return new Waiter<R>(this.channel, this.kind, this.kind === SEND ? this.element : undefined, null)[Symbol.iterator]();
  }

  next(resumed?: unknown): IteratorResult<Instruction, R> {
    switch (this.phase) {
      case START:
        this.task = requireCurrent(this.kind === SEND ? "send()" : "receive()");
        if (budgetSpent()) {
          // Yield before taking anything, so a cancellation now loses nothing.
          this.phase = RETRY;
          return this.yielding(YIELD_NOW);
        }
        return this.attempt();
      case RETRY:
        return this.attempt();
      case PARKED:
        return this.finish(resumed);
      default:
        return this.finish(undefined);
    }
  }

  private attempt(): IteratorResult<Instruction, R> {
    const ready = this.kind === SEND ? this.channel.sendNow(this) : this.channel.receiveNow(this);
    if (ready === PARKED) {
      this.phase = PARKED;
      return this.yielding(this);
    }
    return this.finish(this.element);
  }

  throw(error: unknown): IteratorResult<Instruction, R> {
    this.phase = DONE;
    throw error;
  }

  return(value?: unknown): IteratorResult<Instruction, R> {
    // Cancelled at the budget yield, before the element was offered (invariant 7).
    if (this.phase === RETRY && this.kind === SEND) this.channel.undeliver(this.element);
    return this.finish(value);
  }

  private yielding(instruction: Instruction): IteratorResult<Instruction, R> {
    this.done = false;
    this.value = instruction;
    return this as IteratorResult<Instruction, R>;
  }

  private finish(value: unknown): IteratorResult<Instruction, R> {
    this.phase = DONE;
    this.done = true;
    this.value = this.kind === SEND ? undefined : value;
    return this as IteratorResult<Instruction, R>;
  }
}
