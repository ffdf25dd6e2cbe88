/**
 * Coordinator: the one park/unpark hook the sync primitives wait on (the coop
 * seed's `Coordinator`): an intrusive FIFO list of wait handles, woken one at a
 * time (`notify`) or all at once (`notifyAll`).
 *
 * Two ways to wait, as in coop: `yield* c.wait()` parks at once; the set-up API
 * `c.prepare()` registers a wait without blocking and returns a `WaitHandle`,
 * so several waits (on one coordinator or many) can be lined up and then
 * awaited together with `waitAll(handles)` or `waitAny(handles)`, or alone with
 * `yield* handle`.
 *
 * Handle states (`Registration.status`):
 *
 * | status    | meaning                                                                |
 * |-----------|------------------------------------------------------------------------|
 * | ENQUEUED  | in its coordinator's list, waiting                                     |
 * | NOTIFIED  | chosen by `notify()`: holds the value, and owes it onward if never seen |
 * | BROADCAST | woken by `notifyAll()`: holds the value, owes nothing                   |
 * | CONSUMED  | a wait returned its value (reading it again returns it again)          |
 * | CANCELLED | withdrawn by `cancel()`, a lost `waitAny`, or its task's cancellation   |
 *
 * ```
 * ENQUEUED ──notify()─────▶ NOTIFIED ──a wait returns it──▶ CONSUMED
 *    │  └────notifyAll()──▶ BROADCAST ─a wait returns it──▶ CONSUMED
 *    │                         │ cancelled before consumed (a NOTIFIED value goes back: rule 3)
 *    └──cancelled──────────────┴───────────────────────────▶ CANCELLED
 * ```
 *
 * Invariants:
 * 1. Every handle in the list is ENQUEUED, and the list is in registration order
 *    (FIFO): `notify()` wakes the oldest registration.
 * 2. At most one trap waits on a handle at a time (`waiter`: a `yield* handle`,
 *    a primitive's wait, or a `waitAll`/`waitAny`), and a handle that a task
 *    waits on is cancelled only through that task.
 * 3. Prompt cancellation: a notification `notify()` handed to a handle whose
 *    task is cancelled before it ran (or to a handle cancelled or lost in a
 *    `waitAny` before anyone consumed it) is never lost: it is given back —
 *    to `onReturned(value)` when the coordinator has one (Mutex uses this to
 *    pass the lock on or release it), else to the next waiter in the list, and
 *    dropped only if no one waits. The value of `notify()` therefore reaches
 *    exactly one consumer, if any waits. A `notifyAll()` owes nothing: every
 *    registration present then was woken, so a cancelled one gives nothing back.
 * 4. Cancelling a waiting task leaves no registration behind: the handles it
 *    waited on are withdrawn in its trap's `abort()`, before anything else
 *    runs. (One internal exception: the re-lock of a cancelled `Condition.wait`
 *    is shielded — its abort reports FAILED, core/trap.ts — and keeps its place.)
 *    A prepared handle that no task awaits is the preparer's to cancel:
 *    `using handle = c.prepare()` cancels it when the block is left,
 *    cancellation included.
 * 5. `waitAny` is a select over handles: exactly one handle is consumed, every
 *    other one is cancelled (a notification one of them had received goes back
 *    by rule 3).
 */
import { NOT_READY, type ClauseWait, type SelectClause, type Selector } from "../core/clause.js";
import { WITHDRAWN, type Abort, type Instruction } from "../core/instructions.js";
import { showId } from "../core/ids.js";
import { Link, LinkedList } from "../core/list.js";
import { ownOperation } from "../core/operation.js";
import { AT_ONCE, BEFORE, PARK, Trap, type Begun, type BudgetRule } from "../core/trap.js";
import type { TaskRecord } from "../core/task.js";
import type { Operation } from "../types.js";
import { checkFunction, checkName, checkOptions } from "../validate.js";
import { made, watching } from "../core/instances.js";

// Handle states.
export const ENQUEUED = 0;
export const NOTIFIED = 1;
export const BROADCAST = 2;
export const CONSUMED = 3;
export const CANCELLED = 4;

/** What `Registration.state` reports. */
export type WaitState = "waiting" | "notified" | "consumed" | "cancelled";

/** `notify(value)`: the value is optional only for a `Coordinator<void>`. */
export type NotifyArgs<T> = [T] extends [void] ? [value?: T] : [value: T];

export interface CoordinatorOptions<T> {
  /** Names the coordinator in errors and stats. */
  name?: string;
  /**
   * Takes back a `notify()` value whose waiter was cancelled before it could
   * use it (prompt cancellation). Without it, the value goes to the next waiter
   * (or is dropped if none waits).
   */
  onReturned?: (value: T) => void;
}

/** A snapshot of a coordinator's counters. */
export interface CoordinatorStats {
  name: string;
  /** Registrations waiting now (parked tasks and prepared handles). */
  waiting: number;
  /** Values delivered by `notify` and `notifyAll` (a value given back and re-delivered counts again). */
  notified: number;
  /** Registrations withdrawn before being notified (cancel(), a lost waitAny, a cancelled task). */
  cancelled: number;
  /** `notify()` values given back by waiters cancelled before they used them. */
  returned: number;
}

let nextCoordinatorId = 1;

/**
 * A registered wait on a `Coordinator`, made by `c.prepare()`. Await it with
 * `yield* handle`, `waitAll` or `waitAny`; or `cancel()` it (it is `Disposable`,
 * so `using handle = c.prepare()` cancels it when the block is left).
 */
export interface WaitHandle<T = void> extends Operation<T>, Disposable {
  /** The coordinator it waits on. */
  readonly coordinator: Coordinator<T>;
  /** Where the wait stands. */
  readonly state: WaitState;
  /**
   * Withdraws the registration; a notification it received and nobody consumed
   * goes back (to `onReturned`, or the next waiter). True if there was anything
   * to withdraw. Throws if a task is waiting on the handle: cancel that task.
   */
  cancel(): boolean;
}

/** The trap a task waits on a handle with; the handle tells it when it is delivered. */
export interface HandleWaiter {
  /** The task waiting (for error messages). */
  readonly task: TaskRecord<unknown>;
  delivered(handle: Registration<unknown>): void;
}

/**
 * The coordinator's record of a wait, behind a `WaitHandle`: its place in the
 * list and the state table above. Tasks wait on it through a trap (its
 * `waiter`), never on the record itself.
 */
export class Registration<T = void> extends Link implements WaitHandle<T> {
  status: number = ENQUEUED;
  value: T | undefined = undefined;
  /** The trap waiting on it, if any (invariant 2). */
  waiter: HandleWaiter | null = null;
  /** It was consumed after a `notify()` (not a `notifyAll()`). */ single = false;

  constructor(readonly coordinator: Coordinator<T>) {
    super();
  }

  /** Where the wait stands. */
  get state(): WaitState {
    switch (this.status) {
      case ENQUEUED:
        return "waiting";
      case NOTIFIED:
      case BROADCAST:
        return "notified";
      case CONSUMED:
        return "consumed";
      default:
        return "cancelled";
    }
  }

  /**
   * Withdraws the registration; a notification it received and nobody consumed
   * goes back (to `onReturned`, or the next waiter). True if there was anything
   * to withdraw. Throws if a task is waiting on the handle: cancel that task.
   */
  cancel(): boolean {
    if (this.waiter !== null) {
      throw new Error(
        `${this.coordinator.name}: cannot cancel a wait handle that ${this.waiter.task} is waiting on; cancel that task instead`,
      );
    }
    return this.withdraw();
  }

  [Symbol.dispose](): void {
    if (this.waiter === null) this.withdraw();
  }

  /** Waits for the notification and returns its value (at once if it has come). */
  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    return new HandleWait<T>(this.coordinator, this);
  }

  /** Leaves without consuming: see the state table. */
  withdraw(): boolean {
    switch (this.status) {
      case ENQUEUED:
        this.coordinator.unlink(this);
        this.status = CANCELLED;
        return true;
      case NOTIFIED: {
        this.status = CANCELLED;
        const value = this.value as T;
        this.value = undefined;
        this.coordinator.giveBack(value);
        return true;
      }
      case BROADCAST:
        this.status = CANCELLED;
        this.value = undefined;
        return true;
      default:
        return false;
    }
  }

  /** Called by the coordinator, which has taken the handle off its list. */
  deliver(status: number, value: T): void {
    this.status = status;
    this.value = value;
    this.waiter?.delivered(this as Registration<unknown>);
  }

  /** Takes the value of a notified handle. */
  consume(): T {
    if (this.status === NOTIFIED || this.status === BROADCAST) {
      this.single = this.status === NOTIFIED;
      this.status = CONSUMED;
    } else if (this.status !== CONSUMED) {
      throw new Error(`internal: consumed a wait handle in status ${this.status}`);
    }
    return this.value as T;
  }

  /** Notified, or consumed: a wait on it completes at once. */
  get ready(): boolean {
    return this.status === NOTIFIED || this.status === BROADCAST || this.status === CONSUMED;
  }
}

ownOperation(Registration);

export function checkWaitable(what: string, handle: Registration<unknown>): void {
  if (handle.status === CANCELLED) throw new Error(`${what}: this wait handle on ${handle.coordinator.name} was cancelled`);
  if (handle.waiter !== null) throw new Error(`${what}: ${handle.waiter.task} is already waiting on this handle`);
}

/**
 * A trap waiting on one registration: `yield* handle` (a prepared one) and
 * `coordinator.wait()` (a fresh one). The sync primitives' waits extend it and
 * say when they complete without registering (`ready`, `begin`).
 *
 * BEFORE rule: a notified handle is taken at once, after the budget yield, so a
 * cancellation at that yield withdraws it and the notification goes back
 * (invariant 3). The handle is claimed (`waiter`) from the start, so nobody
 * else waits on it or cancels it meanwhile.
 */
export class HandleWait<T> extends Trap<T> implements HandleWaiter {
  // Plain stores in the constructor (not class fields): one per wait, on the hot path (mutex.lock()).
  /** @internal */ declare readonly coordinator: Coordinator<T>;
  /** @internal A prepared handle; null to register a fresh one when it begins. */
  declare handle: Registration<T> | null;

  constructor(coordinator: Coordinator<T>, handle: Registration<T> | null, rule: BudgetRule = BEFORE) {
    super(rule);
    this.coordinator = coordinator;
    this.handle = handle;
  }

  protected get what(): string {
    return this.handle === null ? "coordinator.wait()" : "yield* handle";
  }

  protected override ready(): boolean {
    const handle = this.handle;
    if (handle === null) return false; // a fresh registration always waits
    checkWaitable(this.what, handle as Registration<unknown>);
    handle.waiter = this;
    return handle.status !== ENQUEUED;
  }

  protected begin(): Begun {
    if (this.handle === null) return this.register();
    return this.handle.status === ENQUEUED ? PARK : AT_ONCE;
  }

  /** Registers a fresh handle in the coordinator's list and waits on it. */
  protected register(): Begun {
    const handle = (this.handle = this.coordinator.register());
    handle.waiter = this;
    return PARK;
  }

  protected result(): T {
    const handle = this.handle;
    if (handle === null) return undefined as T; // completed without registering (a subclass's begin)
    handle.waiter = null;
    return handle.consume();
  }

  protected again(): HandleWait<T> {
    return new HandleWait<T>(this.coordinator, this.handle);
  }

  override describe(): string {
    return this.coordinator.waitLabel;
  }

  delivered(handle: Registration<unknown>): void {
    this.wake(handle.value);
  }

  /** Cancelled while waiting, or after the notification came but before it ran: the handle is withdrawn (invariant 3). */
  abort(): Abort {
    this.leave();
    return WITHDRAWN;
  }

  /** Cancelled at the budget yield: nothing taken; the handle is withdrawn as above. */
  protected override unwound(): void {
    this.leave();
  }

  protected leave(): void {
    const handle = this.handle;
    if (handle === null) return;
    handle.waiter = null;
    handle.withdraw();
  }
}

/**
 * Parks tasks until they are notified: the low-level primitive the other sync
 * primitives are built on (the coop seed's blocking/unblocking hook). No
 * allocation beyond the wait handle: waiters are an intrusive list.
 *
 * ```ts
 * const ready = new Coordinator<string>();
 * yield* spawn(function* () {
 *   const message = yield* ready.wait(); // parks until notified
 * });
 * yield* yieldNow();
 * ready.notify("go"); // wakes the first waiter: true
 * ```
 */
export class Coordinator<T = void> {
  /** @internal What a task parked here waits for, in dumps and deadlock reports ("lock of mutex #1"). */
  waitLabel: string;
  /** @internal The primitive that owns it (a snapshot saves a wait with its primitive), or null. */
  owner: object | null = null;
  readonly name: string;
  /** @internal */ readonly list = new LinkedList<Registration<T>>();
  private readonly onReturned: ((value: T) => void) | undefined;
  /** @internal */ notifiedCount = 0;
  /** @internal */ cancelledCount = 0;
  /** @internal */ returnedCount = 0;

  constructor(options?: CoordinatorOptions<T>) {
    checkOptions("new Coordinator(options)", options);
    checkName("new Coordinator(options)", options?.name);
    if (options?.onReturned !== undefined) checkFunction("new Coordinator(options)", "onReturned", options.onReturned);
    this.name = options?.name !== undefined ? `coordinator "${options.name}"` : `coordinator #${showId(nextCoordinatorId++)}`;
    this.waitLabel = `wait on ${this.name}`;
    this.onReturned = options?.onReturned;
    if (watching) made(this, "Coordinator");
  }

  /** How many registrations wait now (parked tasks and prepared handles). */
  get waiting(): number {
    return this.list.size;
  }

  /** Parks the current task until a `notify` or `notifyAll` wakes it; returns the value passed. */
  wait(): Operation<T> {
    return new HandleWait<T>(this, null);
  }

  /**
   * Registers a wait now, without blocking (the set-up API), and returns its
   * handle: later notifications are kept by the handle until it is awaited.
   * Await it (`yield* handle`, `waitAll`, `waitAny`) or `cancel()` it.
   */
  prepare(): WaitHandle<T> {
    return this.register();
  }

  /** @internal `prepare()` for the sync primitives, which need the registration's internals (or bring their own kind). */
  register<H extends Registration<T> = Registration<T>>(handle: H = new Registration<T>(this) as H): H {
    this.list.push(handle);
    return handle;
  }

  /** Wakes the oldest waiter with `value`; false if none waits (nothing is stored). */
  notify(...[value]: NotifyArgs<T>): boolean {
    const handle = this.list.shift();
    if (handle === null) return false;
    this.notifiedCount++;
    handle.deliver(NOTIFIED, value as T);
    return true;
  }

  /** Wakes every waiter registered now with `value`; returns how many. */
  notifyAll(...[value]: NotifyArgs<T>): number {
    let count = 0;
    for (let handle = this.list.shift(); handle !== null; handle = this.list.shift()) {
      count++;
      handle.deliver(BROADCAST, value as T);
    }
    this.notifiedCount += count;
    return count;
  }

  stats(): CoordinatorStats {
    return {
      name: this.name,
      waiting: this.list.size,
      notified: this.notifiedCount,
      cancelled: this.cancelledCount,
      returned: this.returnedCount,
    };
  }

  /** @internal */
  unlink(handle: Registration<T>): void {
    if (this.list.remove(handle)) this.cancelledCount++;
  }

  /** @internal A `notify()` value whose waiter gave up before using it (invariant 3). */
  giveBack(value: T): void {
    this.returnedCount++;
    if (this.onReturned !== undefined) this.onReturned(value);
    else this.notify(...([value] as NotifyArgs<T>));
  }
}

/**
 * A select clause over a coordinator: `attempt` completes at once when
 * `tryNow()` can take what the coordinator guards (the primitive's own
 * non-blocking path, e.g. `tryLock`); otherwise a registration waits in the
 * coordinator's FIFO list, and a `notify()` that reaches it is taken only if
 * the select chose this clause — else it passes on (invariant 3).
 */
export class CoordinatorClause<T, R> implements SelectClause<R> {
  constructor(
    private readonly coordinator: Coordinator<T>,
    private readonly tryNow: () => boolean,
    private readonly handler: (value: T | undefined) => R,
  ) {}

  describe(): string {
    return this.coordinator.waitLabel;
  }

  attempt(): R | typeof NOT_READY {
    return this.tryNow() ? this.handler(undefined) : NOT_READY;
  }

  enqueue(selector: Selector): ClauseWait<R> {
    return this.coordinator.register(new ClauseRegistration<T, R>(this.coordinator, selector, this.handler));
  }
}

/**
 * A select clause's wait in a coordinator's list: a notification that reaches
 * it is taken only if the select has not chosen another clause; otherwise it
 * passes on at once (invariant 3).
 * @internal
 */
export class ClauseRegistration<T, R> extends Registration<T> implements ClauseWait<R> {
  constructor(
    coordinator: Coordinator<T>,
    private readonly selector: Selector,
    private readonly handler: (value: T | undefined) => R,
  ) {
    super(coordinator);
  }

  override deliver(status: number, value: T): void {
    this.status = status;
    this.value = value;
    if (this.selector.choose(this)) this.selector.complete();
    else this.withdraw();
  }

  /** Chosen, but the select was cancelled before it ran: the notification goes back. */
  giveBack(): void {
    this.withdraw();
  }

  /** Won: takes the notification and applies the clause's handler. */
  result(): R {
    return this.handler(this.consume());
  }
}
