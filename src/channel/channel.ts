/**
 * Channels: one state machine for rendezvous, buffered, unlimited and conflated
 * channels (after kotlinx's BufferedChannel and the kcoro seed's cells).
 *
 * A channel is a buffer of `capacity` elements (0 for rendezvous, Infinity for
 * unlimited) and two queues of waiter tokens: senders that wait with an element,
 * and receivers that wait for one. Elements are handed over by reference, never
 * copied (zero-copy within a thread).
 *
 * Channel states:
 *
 * | state     | send                                   | receive                                       |
 * |-----------|----------------------------------------|-----------------------------------------------|
 * | OPEN      | to a waiting receiver, else the buffer,| from the buffer (refilled from a waiting      |
 * |           | else the overflow policy, else wait    | sender), else from a waiting sender, else wait|
 * | CLOSED    | throws ChannelClosed                   | drains the buffer and waiting senders, then   |
 * |           |                                        | reports closed                                |
 * | CANCELLED | throws ChannelClosed                   | reports closed (the buffer went to onUndelivered) |
 *
 * ```
 * OPEN ──close()──▶ CLOSED ──cancel()──▶ CANCELLED
 *   └──────────────cancel()────────────────▲
 * ```
 *
 * Waiters (the tokens in the queues) and their states: waiter.ts. Channel
 * ends as select clauses: clause.ts. Async iteration: iterator.ts.
 *
 * Invariants:
 * 1. `buffer.length > 0` ⇒ no receiver waits (it would have taken the element).
 * 2. A sender waits only when the buffer is full and the policy is "suspend".
 * 3. At most one of the queues is non-empty, except that one select may wait on
 *    both ends of a channel; it never pairs with itself.
 * 4. Every token in a queue is ENQUEUED.
 * 5. Every element passed to `send()` is received, or handed to `onUndelivered`,
 *    exactly once. `trySend` and select's `onSend` only offer an element: if
 *    they do not complete, the caller still owns it.
 * 6. A receiver cancelled after it was handed an element, before it ran, gives
 *    the element back to the head of the channel: never lost, never delivered
 *    twice. It goes to onUndelivered instead if the channel was cancelled or is
 *    already closed for receive (every later receiver sees closed, so nobody
 *    would take it, and closed-for-receive never reopens), and a drop-oldest
 *    or conflated channel whose buffer is full drops it (it is the oldest).
 *    Otherwise the buffer may hold one more than its capacity until drained.
 * 7. A send cancelled before it offered its element (at its budget yield)
 *    hands the element to onUndelivered: send() owns it from the call.
 */
import { Deque } from "../core/deque.js";
import type { Instruction } from "../core/instructions.js";
import { LinkedList } from "../core/list.js";
import { operation } from "../core/operation.js";
import { currentTask } from "../core/runtime.js";
import { fail } from "../core/lifecycle.js";
import { showId } from "../core/ids.js";
import type { SelectClause, Selector } from "../core/clause.js";
import { ChannelClosed } from "../errors.js";
import { awaitable } from "../interop.js";
import { isOperation, show } from "../validate.js";
import type { Operation } from "../types.js";
import { ChannelClause, ClauseToken } from "./clause.js";
import { ChannelIterator } from "./iterator.js";
import { PARKED, RECEIVE, RECEIVE_CATCHING, SEND, START, Waiter } from "./waiter.js";
import { made, watching } from "../core/instances.js";
import { keep } from "../core/keep.js";

// Channel states.
const OPEN = 0;
const CLOSED = 1;
const CANCELLED = 2;

// Overflow policies.
const SUSPEND = 0;
const DROP_OLDEST = 1;
const DROP_LATEST = 2;

/** Results of the channel's internal offer/poll (named, never bare booleans). */
const OFFERED = 0;
const FULL = 1;
const REFUSED = 2; // closed for send
type Offer = typeof OFFERED | typeof FULL | typeof REFUSED;
const EMPTY: unique symbol = Symbol("empty");
const DRAINED: unique symbol = Symbol("closed");

export type Capacity = number | "unlimited" | "conflated";
export type Overflow = "suspend" | "drop-oldest" | "drop-latest";

export interface ChannelOptions<T> {
  /** What a send does when the buffer is full (buffered channels only). Default "suspend". */
  onOverflow?: Overflow;
  /** Called exactly once for every element that was sent but will never be received. */
  onUndelivered?: (element: T) => void;
  /** Names the channel in errors and stats. */
  name?: string;
}

export type SendResult = { ok: true } | { ok: false; reason: "full" | "closed"; cause?: unknown };
export type ReceiveResult<T> = { ok: true; value: T } | { ok: false; reason: "empty" | "closed"; cause?: unknown };
export type ClosedResult = { ok: false; reason: "closed"; cause?: unknown };

/** A snapshot of a channel's counters; cheap enough to leave on. */
export interface ChannelStats {
  name: string;
  capacity: number;
  /** Elements accepted: handed over, buffered, or dropped by the overflow policy. */
  sent: number;
  /** Elements taken by receivers. */
  received: number;
  /** Elements in the buffer now. */
  buffered: number;
  waitingSenders: number;
  waitingReceivers: number;
  /** Waiters that left because their task was cancelled or their select chose nothing here. */
  cancelledWaiters: number;
  /** Elements dropped by the overflow policy (also counted in `undelivered`). */
  dropped: number;
  /** Elements handed to `onUndelivered` (or discarded, without one). */
  undelivered: number;
  closed: boolean;
  cancelled: boolean;
}

const SENT: SendResult = Object.freeze({ ok: true });

let nextChannelId = 1;

/** A channel: see `channel()`. `using ch = channel()` closes it when the block is left. */
export interface Channel<T> extends AsyncIterable<T>, Disposable {
  readonly name: string;
  /** Sends `value`, waiting while the buffer is full. Throws `ChannelClosed` if the channel is closed. */
  send(value: T): Operation<void>;
  /** Sends without waiting: `{ ok: true }`, or why not (`"full"`, `"closed"`); the caller keeps a refused value. */
  trySend(value: T): SendResult;
  /** A select clause that sends `value`; `handler`'s result becomes the select's. */
  onSend<const R = void>(value: T, handler?: () => R): SelectClause<R>;
  /** Receives the next element, waiting for one. Throws `ChannelClosed` once closed and drained. */
  receive(): Operation<T>;
  /** Receives without waiting: `{ ok: true, value }`, or why not (`"empty"`, `"closed"`). */
  tryReceive(): ReceiveResult<T>;
  /** A select clause that receives; `handler(value)`'s result becomes the select's. Throws `ChannelClosed` if closed. */
  onReceive<const R = T>(handler?: (value: T) => R): SelectClause<R>;
  /** Receives the next element, or tells that the channel is closed (instead of throwing). */
  receiveCatching(): Operation<{ ok: true; value: T } | ClosedResult>;
  /** A select clause like `receiveCatching`. */
  onReceiveCatching<const R = { ok: true; value: T } | ClosedResult>(
    handler?: (result: { ok: true; value: T } | ClosedResult) => R,
  ): SelectClause<R>;
  /** Stops new sends. Buffered elements and senders already waiting still deliver; then receivers see closed. False if already closed. */
  close(cause?: unknown): boolean;
  /** Closes and drops everything: buffered and waiting senders' elements go to `onUndelivered`. False if already cancelled. */
  cancel(cause?: unknown): boolean;
  readonly isClosedForSend: boolean;
  readonly isClosedForReceive: boolean;
  /** Receives every element until the channel is closed, calling `body` (a function, generator function or async function, awaited) for each. */
  each(body: (value: T) => void | Operation<unknown> | PromiseLike<unknown>): Operation<void>;
  stats(): ChannelStats;
}

/**
 * A channel's receive end: what a helper that owns the sending side hands out
 * (`interval`, `produce`). The holder receives, iterates, and may `cancel()` it
 * to tell the sender it is no longer interested.
 */
export type ReceiveChannel<T> = Omit<Channel<T>, "send" | "trySend" | "onSend" | "close">;

export class ChannelImpl<T> implements Channel<T> {
  readonly name: string;
  readonly capacity: number;
  // The fields are @internal rather than private for strand/durable, which saves and revives channels (durable/saveables/channel.ts).
  /** @internal */ readonly overflow: number;
  /** @internal */ readonly onUndelivered: ((element: T) => void) | undefined;
  /** @internal */ readonly buffer = new Deque<T>();
  /** @internal */ readonly senders = new LinkedList<Waiter>();
  /** @internal */ readonly receivers = new LinkedList<Waiter>();
  /** @internal */ state = OPEN;
  /** @internal */ cause: unknown = undefined;
  // Counters for stats().
  /** @internal */ sent = 0;
  /** @internal */ received = 0;
  /** @internal */ dropped = 0;
  /** @internal */ undelivered = 0;
  /** @internal */ cancelledWaiters = 0;

  constructor(capacity: number, overflow: number, options: ChannelOptions<T> | undefined) {
    this.capacity = capacity;
    this.overflow = overflow;
    this.onUndelivered = options?.onUndelivered;
    this.name = options?.name !== undefined ? `channel "${options.name}"` : `channel #${showId(nextChannelId++)}`;
    if (watching) made(this, "Channel");
    if (!keptChannel) keepChannel();
  }

  // -- The state machine. Callers hold nothing; these run to completion. ------

  /**
   * Offers `element` without waiting: to a waiting receiver, the buffer, or the
   * overflow policy. `from` is the offering select (to skip its own tokens).
   */
  offer(element: T, from: Selector | null): Offer {
    if (this.state !== OPEN) return REFUSED;
    const receivers = this.receivers;
    for (let receiver = receivers.head; receiver !== null; ) {
      const next = receiver.nextLink as Waiter | null;
      if (from === null || receiver.select !== from) {
        receivers.remove(receiver);
        if (receiver.claim()) {
          receiver.element = element;
          this.sent++;
          this.received++;
          receiver.complete();
          return OFFERED;
        }
      }
      receiver = next;
    }
    const buffer = this.buffer;
    if (buffer.length < this.capacity) {
      buffer.push(element);
      this.sent++;
      return OFFERED;
    }
    if (this.overflow === SUSPEND) return FULL;
    this.sent++;
    this.dropped++;
    if (this.overflow === DROP_OLDEST) {
      const oldest = buffer.shift();
      buffer.push(element);
      this.undeliverFor(oldest);
    } else {
      this.undeliverFor(element);
    }
    return OFFERED;
  }

  /**
   * Takes the next element without waiting: from the buffer (refilling it from
   * the first waiting sender), else straight from a waiting sender.
   */
  poll(from: Selector | null): T | typeof EMPTY | typeof DRAINED {
    const buffer = this.buffer;
    if (buffer.length > 0) {
      const element = buffer.shift();
      this.received++;
      if (buffer.length < this.capacity) {
        const sender = this.claimSender(from);
        if (sender !== null) {
          buffer.push(sender.element as T);
          this.sent++;
          sender.complete();
        }
      }
      return element;
    }
    const sender = this.claimSender(from);
    if (sender !== null) {
      this.sent++;
      this.received++;
      sender.complete();
      return sender.element as T;
    }
    return this.state === OPEN ? EMPTY : DRAINED;
  }

  private claimSender(from: Selector | null): Waiter | null {
    const senders = this.senders;
    for (let sender = senders.head; sender !== null; ) {
      const next = sender.nextLink as Waiter | null;
      if (from === null || sender.select !== from) {
        senders.remove(sender);
        if (sender.claim()) return sender;
      }
      sender = next;
    }
    return null;
  }

  /** Whether a send could complete (or fail as closed) without waiting. */
  canSend(from: Selector | null): boolean {
    if (this.state !== OPEN || this.buffer.length < this.capacity || this.overflow !== SUSPEND) return true;
    for (let receiver = this.receivers.head; receiver !== null; receiver = receiver.nextLink as Waiter | null) {
      if (from === null || receiver.select !== from) return true;
    }
    return false;
  }

  /** Whether a receive could complete (or report closed) without waiting. */
  canReceive(from: Selector | null): boolean {
    if (this.buffer.length > 0 || this.isClosedForReceive) return true;
    for (let sender = this.senders.head; sender !== null; sender = sender.nextLink as Waiter | null) {
      if (from === null || sender.select !== from) return true;
    }
    return false;
  }

  /** Queues a token to wait (the caller found nothing ready). */
  enqueue(waiter: Waiter): void {
    (waiter.kind === SEND ? this.senders : this.receivers).push(waiter);
  }

  withdraw(waiter: Waiter): void {
    if ((waiter.kind === SEND ? this.senders : this.receivers).remove(waiter)) this.cancelledWaiters++;
  }

  /** A receiver cancelled after being handed `element` gives it back to the head, or to onUndelivered (invariant 6). */
  giveBack(element: unknown): void {
    this.received--;
    if (this.isClosedForReceive) {
      // Cancelled, or closed and drained: nobody will receive it (invariant 6).
      this.undeliver(element);
      return;
    }
    for (let receiver = this.receivers.shift(); receiver !== null; receiver = this.receivers.shift()) {
      if (receiver.claim()) {
        receiver.element = element;
        this.received++;
        receiver.complete();
        return;
      }
    }
    if (this.overflow === DROP_OLDEST && this.buffer.length >= this.capacity) {
      // Older than everything buffered: the policy drops it (conflated keeps only the latest).
      this.dropped++;
      this.undeliver(element);
      return;
    }
    this.buffer.unshift(element as T);
  }

  undeliver(element: unknown): void {
    this.undelivered++;
    this.onUndelivered?.(element as T);
  }

  /**
   * onUndelivered for an element dropped by an operation that completes all
   * the same (an overflow drop, a send refused as closed). The callback's error
   * must not change that outcome, or the caller could not tell whether its
   * element was taken: inside a task the error fails the task (it is torn down
   * at its next yield); outside any task it waits in `lateError` for the
   * operation to throw once it is done.
   */
  private undeliverFor(element: unknown): void {
    try {
      this.undeliver(element);
    } catch (error) {
      const task = currentTask();
      if (task !== null) fail(task, error);
      else this.lateError = { error };
    }
  }

  /** @internal A callback error kept by `undeliverFor` outside a task, for the caller to throw. */
  lateError: { error: unknown } | null = null;

  closedError(): ChannelClosed {
    return new ChannelClosed(this.name, this.state === CANCELLED, this.cause);
  }

  closedResult(): ClosedResult {
    return this.cause === undefined ? { ok: false, reason: "closed" } : { ok: false, reason: "closed", cause: this.cause };
  }

  // -- Plain operations ------------------------------------------------------

  /** send(): completes now (returns START) or enqueues the token (returns PARKED). */
  sendNow(operation: Waiter): number {
    const offer = this.offer(operation.element as T, null);
    if (offer === OFFERED) return START;
    if (offer === REFUSED) {
      this.undeliverFor(operation.element); // send() owns its element (invariant 7)
      throw this.closedError();
    }
    this.senders.push(operation);
    return PARKED;
  }

  /** receive(): takes an element now (into `operation.element`) or enqueues the token. */
  receiveNow(operation: Waiter): number {
    const element = this.poll(null);
    if (element === EMPTY) {
      this.receivers.push(operation);
      return PARKED;
    }
    if (element === DRAINED) {
      if (operation.kind === RECEIVE) throw this.closedError();
      operation.element = this.closedResult();
      return START;
    }
    operation.element = operation.kind === RECEIVE ? element : { ok: true, value: element };
    return START;
  }

  send(value: T): Operation<void> {
    return new Waiter<void>(this as ChannelImpl<unknown>, SEND, value, null);
  }

  receive(): Operation<T> {
    return new Waiter<T>(this as ChannelImpl<unknown>, RECEIVE, undefined, null);
  }

  receiveCatching(): Operation<{ ok: true; value: T } | ClosedResult> {
    return new Waiter(this as ChannelImpl<unknown>, RECEIVE_CATCHING, undefined, null);
  }

  trySend(value: T): SendResult {
    const offer = this.offer(value, null);
    if (this.lateError !== null) {
      const { error } = this.lateError;
      this.lateError = null;
      throw new Error(
        `${this.name}: trySend took the element (do not send it again), but onUndelivered threw for the element the overflow policy dropped`,
        { cause: error },
      );
    }
    if (offer === OFFERED) return SENT;
    if (offer === FULL) return { ok: false, reason: "full" };
    return this.cause === undefined ? { ok: false, reason: "closed" } : { ok: false, reason: "closed", cause: this.cause };
  }

  tryReceive(): ReceiveResult<T> {
    const element = this.poll(null);
    if (element === EMPTY) return { ok: false, reason: "empty" };
    if (element === DRAINED) return this.closedResult();
    return { ok: true, value: element };
  }

  onSend<const R = void>(value: T, handler?: () => R): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`onSend(value, handler): handler must be a function`);
    return new ChannelClause<R>(SEND, this as ChannelImpl<unknown>, value, handler as (value: never) => R);
  }

  onReceive<const R = T>(handler?: (value: T) => R): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`onReceive(handler): handler must be a function`);
    return new ChannelClause<R>(RECEIVE, this as ChannelImpl<unknown>, undefined, handler as (value: never) => R);
  }

  onReceiveCatching<const R = { ok: true; value: T } | ClosedResult>(
    handler?: (result: { ok: true; value: T } | ClosedResult) => R,
  ): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`onReceiveCatching(handler): handler must be a function`);
    return new ChannelClause<R>(RECEIVE_CATCHING, this as ChannelImpl<unknown>, undefined, handler as (value: never) => R);
  }

  close(cause?: unknown): boolean {
    if (this.state !== OPEN) return false;
    this.state = CLOSED;
    this.cause = cause;
    // Receivers wait only when nothing is buffered or sending (invariants 1, 3): all see closed now.
    if (this.senders.size === 0 && this.buffer.length === 0) this.closeReceivers();
    return true;
  }

  cancel(cause?: unknown): boolean {
    if (this.state === CANCELLED) return false;
    if (this.state === OPEN) this.cause = cause;
    this.state = CANCELLED;
    const dropped = this.buffer.drain();
    const senders: Waiter[] = [];
    for (let sender = this.senders.shift(); sender !== null; sender = this.senders.shift()) {
      if (sender.close()) senders.push(sender);
    }
    this.closeReceivers();
    // Every element reaches onUndelivered even if a call throws (invariant 5); errors are rethrown after.
    const errors: unknown[] = [];
    const undeliver = (element: unknown) => {
      try {
        this.undeliver(element);
      } catch (error) {
        errors.push(error);
      }
    };
    for (const element of dropped) undeliver(element);
    for (const sender of senders) if (sender.select === null) undeliver(sender.element);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${this.name}: ${errors.length} onUndelivered calls threw during cancel()`);
    return true;
  }

  private closeReceivers(): void {
    for (let receiver = this.receivers.shift(); receiver !== null; receiver = this.receivers.shift()) receiver.close();
  }

  get isClosedForSend(): boolean {
    return this.state !== OPEN;
  }

  get isClosedForReceive(): boolean {
    return this.state === CANCELLED || (this.state === CLOSED && this.buffer.length === 0 && this.senders.size === 0);
  }

  each(body: (value: T) => void | Operation<unknown> | PromiseLike<unknown>): Operation<void> {
    if (typeof body !== "function") throw new TypeError(`${this.name}.each(body): body must be a function or generator function`);
    return operation(receivingEach<T>, this, body);
  }

  /** `using ch = channel()`: closes the channel when the block is left (what is buffered still drains). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `for await (const x of channel)` from async code; ends when closed (throws if closed with a cause). */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return new ChannelIterator<T>(this);
  }

  stats(): ChannelStats {
    return {
      name: this.name,
      capacity: this.capacity,
      sent: this.sent,
      received: this.received,
      buffered: this.buffer.length,
      waitingSenders: this.senders.size,
      waitingReceivers: this.receivers.size,
      cancelledWaiters: this.cancelledWaiters,
      dropped: this.dropped,
      undelivered: this.undelivered,
      closed: this.state !== OPEN,
      cancelled: this.state === CANCELLED,
    };
  }
}

function* receivingEach<T>(
  channel: ChannelImpl<T>,
  body: (value: T) => void | Operation<unknown> | PromiseLike<unknown>,
): Iterator<Instruction, void, unknown> {
  for (;;) {
    const result = yield* channel.receiveCatching();
    if (!result.ok) {
      if (result.cause !== undefined) throw channel.closedError();
      return;
    }
    const step = awaitable(body(result.value)); // an async body's promise is awaited too
    if (isOperation(step)) yield* step as Operation<unknown>;
  }
}

export { EMPTY, DRAINED, OFFERED, REFUSED, FULL, OPEN, CLOSED, CANCELLED, SUSPEND, DROP_OLDEST, DROP_LATEST };

/** A channel's capacity, as a buffer size (Infinity for "unlimited", 1 for "conflated"); `what` names the call in errors. */
export function checkCapacity(what: string, capacity: unknown): number {
  if (capacity === "unlimited") return Infinity;
  if (capacity === "conflated") return 1;
  if (typeof capacity !== "number") {
    throw new TypeError(`${what}: capacity must be an integer ≥ 0, "unlimited" or "conflated", got ${show(capacity)}`);
  }
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(`${what}: capacity must be an integer ≥ 0, "unlimited" or "conflated", got ${capacity}`);
  }
  return capacity;
}

let keptChannel = false;

/** Keeps the hidden classes of a channel (its buffer and queues) and of its waiters alive (core/keep.ts). */
function keepChannel(): void {
  keptChannel = true;
  const sample = new ChannelImpl<unknown>(1, SUSPEND, { name: "sample" });
  keep(sample);
  // An object element, so the sample's field holds any element without a new class (a number first would not).
  keep(new Waiter(sample, SEND, sample, null));
  const clause = new ChannelClause<unknown>(SEND, sample as ChannelImpl<unknown>, sample, undefined);
  keep(clause);
  keep(new ClauseToken(clause, null));
}

/**
 * Creates a channel.
 *
 * - `channel<T>()` or `channel<T>(0)`: rendezvous — a send waits for a receiver.
 * - `channel<T>(n)`: buffered — sends wait (or drop, per `onOverflow`) when `n` are buffered.
 * - `channel<T>("unlimited")`: sends never wait.
 * - `channel<T>("conflated")`: keeps only the latest element; older ones go to `onUndelivered`.
 *
 * ```ts
 * const jobs = channel<Job>(16);
 * yield* spawn(function* () {
 *   for (const job of todo) yield* jobs.send(job);
 *   jobs.close();
 * });
 * yield* jobs.each(function* (job) { yield* process(job); });
 * ```
 */
export function channel<T>(capacity: Capacity = 0, options?: ChannelOptions<T>): Channel<T> {
  const { size, overflow } = channelSettings("channel(capacity, options)", capacity, options);
  return new ChannelImpl<T>(size, overflow, options);
}

/** @internal Checks a channel's capacity and options (`what` names the call in errors): its buffer size and overflow policy. */
export function channelSettings<T>(what: string, capacity: Capacity, options: ChannelOptions<T> | undefined): { size: number; overflow: number } {
  const size = checkCapacity(what, capacity);
  let overflow = capacity === "conflated" ? DROP_OLDEST : SUSPEND;
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`${what}: options must be an object`);
  }
  const policy = options?.onOverflow;
  if (policy !== undefined) {
    if (policy !== "suspend" && policy !== "drop-oldest" && policy !== "drop-latest") {
      throw new TypeError(`${what}: onOverflow must be "suspend", "drop-oldest" or "drop-latest", got ${String(policy)}`);
    }
    if (capacity === 0 || capacity === "conflated" || capacity === "unlimited") {
      throw new TypeError(
        `${what}: onOverflow applies to buffered channels (capacity ≥ 1); a ${capacity === 0 ? "rendezvous" : capacity} channel cannot overflow or has its own policy`,
      );
    }
    overflow = policy === "suspend" ? SUSPEND : policy === "drop-oldest" ? DROP_OLDEST : DROP_LATEST;
  }
  if (options?.onUndelivered !== undefined && typeof options.onUndelivered !== "function") {
    throw new TypeError(`${what}: onUndelivered must be a function`);
  }
  if (options?.name !== undefined && typeof options.name !== "string") {
    throw new TypeError(`${what}: name must be a string`);
  }
  return { size, overflow };
}
