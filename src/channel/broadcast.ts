/**
 * `broadcast<T>(options)`: one sender, many subscribers, each with its own
 * buffer and overflow policy (kotlinx's `BroadcastChannel`, Go's fan-out).
 *
 * Each subscription is a channel of its own (a `Subscription`, a ChannelImpl
 * that tells its broadcast when an element leaves its buffer). A send
 * delivers to every subscriber at once, or to none:
 *
 * | the subscribers                       | send() / onSend          | trySend          |
 * |---------------------------------------|--------------------------|------------------|
 * | none                                  | completes; element gone  | `{ ok: true }`   |
 * | every "suspend" one has room (or a     | delivers to all now      | `{ ok: true }`   |
 * | waiting receiver); drop policies drop  |                          |                  |
 * | a "suspend" one is full                | waits until all have room| `{ ok: false,    |
 * |                                       | (the slowest paces it)   |   "full" }`      |
 * | the broadcast is closed                | throws `ChannelClosed`   | `"closed"`       |
 *
 * Invariants:
 * - Delivery is all-or-nothing and synchronous: the room check and the
 *   hand-offs run without yielding, so every subscriber present at that moment
 *   gets the element (or drops it by its own policy), and a send that is
 *   cancelled while it waits has delivered to nobody.
 * - Waiting senders (and onSend selects) are level-triggered: each receive
 *   from a full "suspend" subscription, each unsubscribe and `close()` wakes
 *   them to check again.
 * - A subscription ends when its task ends (a cleanup), when it is
 *   unsubscribed, disposed, or left with `break` out of `for await`: it is
 *   cancelled (its buffer goes to its `onUndelivered`) and no longer paces
 *   the sender.
 */
import { WITHDRAWN, type Abort, type Instruction } from "../core/instructions.js";
import { NOT_READY, type ClauseWait, type SelectClause, type Selector } from "../core/clause.js";
import { operation } from "../core/operation.js";
import { requireCurrent } from "../core/runtime.js";
import { addCleanup } from "../core/task.js";
import { AGAIN, BEFORE, PARK, AT_ONCE, Trap, type Begun } from "../core/trap.js";
import { ChannelClosed } from "../errors.js";
import type { Operation } from "../types.js";
import { checkOptions } from "../validate.js";
import {
  ChannelImpl,
  channelSettings,
  DRAINED,
  EMPTY,
  SUSPEND,
  type Capacity,
  type ChannelOptions,
  type ReceiveChannel,
  type SendResult,
} from "./channel.js";

export interface BroadcastOptions {
  /** Names the broadcast in errors (its subscriptions are named after it). */
  name?: string;
  /** Each subscription's capacity unless `subscribe()` says otherwise (see `channel()`). Default 16. */
  capacity?: Capacity;
  /** Each subscription's overflow policy unless `subscribe()` says otherwise. Default "suspend". */
  onOverflow?: ChannelOptions<unknown>["onOverflow"];
}

export interface SubscribeOptions<T> extends ChannelOptions<T> {
  /** This subscription's capacity (see `channel()`); default the broadcast's. */
  capacity?: Capacity;
}

/** A subscriber's receive end: a channel's, plus `unsubscribe()`, `using` and `break` out of `for await` ending it. */
export interface Subscription<T> extends ReceiveChannel<T>, Disposable {
  /** Stops receiving: the subscription is cancelled and no longer paces the sender. False if it had ended already. */
  unsubscribe(): boolean;
}

/** One sender, many subscribers: see `broadcast()`. */
export interface Broadcast<T> {
  readonly name: string;
  /** Delivers `value` to every current subscriber, waiting while a "suspend" subscriber is full. Throws `ChannelClosed` once closed. */
  send(value: T): Operation<void>;
  /** Delivers without waiting: `{ ok: true }`, or `"full"` (nobody got it) or `"closed"`. */
  trySend(value: T): SendResult;
  /** A select clause that delivers `value` to every subscriber; `handler`'s result becomes the select's. */
  onSend<const R = void>(value: T, handler?: () => R): SelectClause<R>;
  /** A new subscription, ended when the current task ends; it receives what is sent from now on. */
  subscribe(options?: SubscribeOptions<T>): Operation<Subscription<T>>;
  /** Stops new sends; each subscription drains what it holds, then reports closed. False if already closed. */
  close(cause?: unknown): boolean;
  readonly isClosedForSend: boolean;
  /** The current subscriptions. */
  readonly subscribers: number;
}

/** Something parked until the subscribers may have room: a send, or a select's onSend. */
interface RoomWaiter {
  roomChanged(): void;
}

class SubscriptionImpl<T> extends ChannelImpl<T> implements Subscription<T> {
  ended = false;
  constructor(
    private readonly owner: BroadcastImpl<T>,
    size: number,
    overflow: number,
    options: SubscribeOptions<T> | undefined,
    readonly paces: boolean,
  ) {
    super(size, overflow, options);
  }

  override poll(from: Selector | null): T | typeof EMPTY | typeof DRAINED {
    const element = super.poll(from);
    if (this.paces && element !== EMPTY && element !== DRAINED && this.owner.waiters.size > 0) this.owner.roomChanged();
    return element;
  }

  unsubscribe(): boolean {
    if (this.ended) return false;
    this.cancel();
    return true;
  }

  /** Cancelling a subscription unsubscribes it too. */
  override cancel(cause?: unknown): boolean {
    if (!this.ended) {
      this.ended = true;
      this.owner.remove(this);
    }
    return super.cancel(cause);
  }

  override [Symbol.dispose](): void {
    this.unsubscribe();
  }

  /** `for await`: a `break` (or any early `return()`) unsubscribes. */
  override [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    const iterator = super[Symbol.asyncIterator]();
    return {
      next: () => iterator.next(),
      return: async (value?: unknown) => {
        const result = await iterator.return!(value as undefined);
        this.unsubscribe();
        return result;
      },
    };
  }
}

class BroadcastImpl<T> implements Broadcast<T> {
  readonly name: string;
  private readonly all: SubscriptionImpl<T>[] = [];
  /** The subscriptions whose policy is "suspend": only they can make a send wait. */
  private readonly pacing: SubscriptionImpl<T>[] = [];
  readonly waiters = new Set<RoomWaiter>();
  private closed = false;
  private cause: unknown = undefined;
  private nextSubscription = 1;

  constructor(
    name: string,
    private readonly capacity: Capacity,
    private readonly onOverflow: ChannelOptions<unknown>["onOverflow"],
  ) {
    this.name = name;
  }

  get isClosedForSend(): boolean {
    return this.closed;
  }

  get subscribers(): number {
    return this.all.length;
  }

  /** Whether a delivery now would reach every subscriber (or the closed error). */
  ready(): boolean {
    if (this.closed) return true;
    const pacing = this.pacing;
    for (let i = 0; i < pacing.length; i++) if (!pacing[i]!.canSend(null)) return false;
    return true;
  }

  /** Hands `value` to every subscriber; the caller checked `ready()` in the same step. */
  deliver(value: T): void {
    if (this.closed) throw this.closedError();
    const all = this.all;
    for (let i = 0; i < all.length; i++) all[i]!.trySend(value);
  }

  closedError(): ChannelClosed {
    return new ChannelClosed(this.name, false, this.cause);
  }

  roomChanged(): void {
    if (this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) waiter.roomChanged();
  }

  remove(subscription: SubscriptionImpl<T>): void {
    const at = this.all.indexOf(subscription);
    if (at >= 0) this.all.splice(at, 1);
    const pacingAt = this.pacing.indexOf(subscription);
    if (pacingAt >= 0) {
      this.pacing.splice(pacingAt, 1);
      this.roomChanged();
    }
  }

  send(value: T): Operation<void> {
    return new BroadcastSend(this, value);
  }

  trySend(value: T): SendResult {
    if (this.closed) return this.cause === undefined ? { ok: false, reason: "closed" } : { ok: false, reason: "closed", cause: this.cause };
    if (!this.ready()) return { ok: false, reason: "full" };
    this.deliver(value);
    return { ok: true };
  }

  onSend<const R = void>(value: T, handler?: () => R): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`${this.name}.onSend(value, handler): handler must be a function`);
    return new BroadcastSendClause<T, R>(this, value, handler);
  }

  subscribe(options?: SubscribeOptions<T>): Operation<Subscription<T>> {
    const what = `${this.name}.subscribe(options)`;
    checkOptions(what, options);
    const settings = {
      ...options,
      name: options?.name ?? `${this.name} subscriber ${this.nextSubscription++}`,
      onOverflow: options?.onOverflow ?? (options?.capacity === undefined ? this.onOverflow : undefined),
    };
    const capacity = options?.capacity ?? this.capacity;
    const { size, overflow } = channelSettings(what, capacity, settings);
    return operation(subscribing<T>, this, { size, overflow, settings });
  }

  /** @internal */
  add(size: number, overflow: number, settings: SubscribeOptions<T>): SubscriptionImpl<T> {
    const subscription = new SubscriptionImpl<T>(this, size, overflow, settings, overflow === SUSPEND);
    if (this.closed) {
      subscription.close(this.cause);
      subscription.ended = true;
      return subscription;
    }
    this.all.push(subscription);
    if (subscription.paces) this.pacing.push(subscription);
    return subscription;
  }

  close(cause?: unknown): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.cause = cause;
    for (const subscription of this.all) subscription.close(cause);
    this.roomChanged();
    return true;
  }
}

// eslint-disable-next-line require-yield
function* subscribing<T>(
  owner: BroadcastImpl<T>,
  made: { size: number; overflow: number; settings: SubscribeOptions<T> },
): Iterator<Instruction, Subscription<T>, unknown> {
  const me = requireCurrent(`${owner.name}.subscribe()`);
  const subscription = owner.add(made.size, made.overflow, made.settings);
  addCleanup(me, () => void subscription.unsubscribe());
  return subscription;
}

/** send(): delivers at once when every pacing subscriber has room, else parks until one may have. */
class BroadcastSend<T> extends Trap<void> implements RoomWaiter {
  protected get what(): string {
    return `${this.owner.name}.send()`;
  }
  constructor(
    private readonly owner: BroadcastImpl<T>,
    private readonly value: T,
  ) {
    super(BEFORE); // it hands the element over: a cancellation at the budget yield finds nothing delivered
  }
  protected override ready(): boolean {
    return this.owner.ready();
  }
  protected begin(): Begun {
    const owner = this.owner;
    if (owner.ready()) {
      owner.deliver(this.value);
      return AT_ONCE;
    }
    owner.waiters.add(this);
    return PARK;
  }
  protected result(woken: unknown): void | typeof AGAIN {
    if (woken === AGAIN) return AGAIN; // woken to look again (level-triggered)
  }
  protected again(): BroadcastSend<T> {
    return new BroadcastSend(this.owner, this.value);
  }
  override describe(): string {
    return `send on ${this.owner.name} (a subscriber is full)`;
  }
  roomChanged(): void {
    this.owner.waiters.delete(this);
    this.wake(AGAIN);
  }
  abort(): Abort {
    this.owner.waiters.delete(this);
    return WITHDRAWN;
  }
}

/** onSend: level-triggered; its wait asks the select to retry when the subscribers may have room. */
class BroadcastSendClause<T, R> implements SelectClause<R> {
  constructor(
    private readonly owner: BroadcastImpl<T>,
    private readonly value: T,
    private readonly handler: (() => R) | undefined,
  ) {}
  describe(): string {
    return `send on ${this.owner.name}`;
  }
  attempt(): R | typeof NOT_READY {
    if (!this.owner.ready()) return NOT_READY;
    this.owner.deliver(this.value);
    return (this.handler === undefined ? undefined : this.handler()) as R;
  }
  enqueue(selector: Selector): ClauseWait<R> {
    const owner = this.owner;
    const wait: ClauseWait<R> & RoomWaiter = {
      roomChanged: () => {
        owner.waiters.delete(wait);
        selector.retry();
      },
      withdraw: () => void owner.waiters.delete(wait),
      giveBack: () => {},
      result: () => {
        throw new Error(`internal: ${owner.name}.onSend completes only by attempt()`);
      },
    };
    owner.waiters.add(wait);
    return wait;
  }
}

let nextBroadcastId = 1;

/**
 * One sender, many subscribers (kotlinx's `BroadcastChannel`): everything sent
 * reaches every current subscriber, each through its own buffer with its own
 * overflow policy. `subscribe()` (an operation) returns the subscriber's
 * receive end — a channel's: `receive`, `onReceive` for `select`, `each`,
 * `for await` — unsubscribed when the subscribing task ends (or on
 * `unsubscribe()`, `using`, or `break` out of `for await`).
 *
 * A send with no subscribers completes at once and the element is gone (later
 * subscribers see only later sends). A send delivers to all subscribers at
 * once or to none: while a "suspend" subscriber is full it waits (the slowest
 * such subscriber paces the sender; `trySend` says "full" instead), and
 * subscribers with a drop policy drop by it rather than wait. A cancelled send
 * has delivered to nobody.
 *
 * ```ts
 * const prices = broadcast<number>({ capacity: 8 });
 * yield* spawn(function* () {
 *   const feed = yield* prices.subscribe({ capacity: 1, onOverflow: "drop-oldest" }); // only the newest matters
 *   yield* feed.each((price) => render(price));
 * });
 * yield* prices.send(101.5);
 * ```
 */
export function broadcast<T>(options?: BroadcastOptions): Broadcast<T> {
  const what = "broadcast(options)";
  checkOptions(what, options);
  const capacity = options?.capacity ?? 16;
  const name = options?.name;
  if (name !== undefined && typeof name !== "string") throw new TypeError(`${what}: name must be a string, got ${String(name)}`);
  channelSettings(what, capacity, { onOverflow: options?.onOverflow });
  return new BroadcastImpl<T>(name !== undefined ? `broadcast "${name}"` : `broadcast #${nextBroadcastId++}`, capacity, options?.onOverflow);
}
