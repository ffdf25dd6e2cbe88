/**
 * How an I/O handle's waits meet the run loop: every wait is a select clause
 * (core/clause.ts), and its blocking form is one trap parked on that clause.
 *
 * I/O readiness is level-triggered: a socket is readable, a server has a
 * connection queued, a set-up operation has settled — and it stays so until
 * a task takes what is there. So an I/O clause is
 * - `poll()`: takes what is there now and returns it, or NOT_READY having
 *   taken nothing (this is the clause's `attempt()` and the `try…` form);
 * - a `Notifier` its source fires when it may have become ready: a waiting
 *   clause answers with `selector.retry()`, and the select (or the blocking
 *   trap) polls again. A wait therefore never wins through `choose` and has
 *   nothing to give back: cancelling it only unsubscribes.
 * A parked wait holds the run's outside-work count (core/runtime.ts), since
 * the wake-up comes from libuv: no deadlock is reported while it waits, and
 * a virtual clock does not jump past it.
 *
 * `Pending<T>` is the set-up form (coop's non-blocking API): the work started
 * when it was made, and the handle is an operation (`yield* pending` is the
 * blocking form), a clause (`onDone`) and a poll (`tryResult`).
 */
import { NOT_READY, type ClauseWait, type SelectClause, type Selector } from "../core/clause.js";
import { WITHDRAWN, type Abort, type Instruction } from "../core/instructions.js";
import { ownOperation } from "../core/operation.js";
import { enterHost, holdExternal, leaveHost, releaseExternal, requireCurrent } from "../core/runtime.js";
import { AGAIN, BEFORE, AT_ONCE, PARK, Trap, type Begun } from "../core/trap.js";
import type { TaskRecord } from "../core/task.js";
import type { Operation } from "../types.js";
import { onTimeout, selectBiased } from "../select.js";
import { TimeoutError } from "../errors.js";
import { checkMs, checkOptions } from "../validate.js";
import { keep, sampleTask } from "../core/keep.js";

/** What a `Notifier` tells: an object, so that a wait registers itself and allocates no closure. */
export interface Listener {
  notified(): void;
}

/** Listeners told when a source may have become ready (level-triggered: they poll again). */
export class Notifier {
  private listeners: Listener[] = [];
  private spare: Listener[] = [];

  add(listener: Listener): void {
    this.listeners.push(listener);
  }

  remove(listener: Listener): void {
    const listeners = this.listeners;
    const at = listeners.indexOf(listener);
    if (at < 0) return;
    // Order among waiters does not matter: every one is told, and each polls.
    listeners[at] = listeners[listeners.length - 1]!;
    listeners.pop();
  }

  /** Tells every listener registered now (one may remove itself or add another while told). */
  notify(): void {
    const listeners = this.listeners;
    if (listeners.length === 0) return;
    // Two arrays in turn: those told now, and those registering meanwhile (no allocation per notification).
    this.listeners = this.spare;
    for (let i = 0; i < listeners.length; i++) listeners[i]!.notified();
    listeners.length = 0;
    this.spare = listeners;
  }

  /**
   * `notify()` from a host callback (an I/O event): the tasks it wakes run
   * before the callback returns (core/runtime.ts `enterHost`), not in a
   * microtask after it.
   */
  notifyFromHost(): void {
    if (this.listeners.length === 0) return;
    enterHost();
    try {
      this.notify();
    } finally {
      leaveHost();
    }
  }

  get size(): number {
    return this.listeners.length;
  }
}

/** A level-triggered I/O clause: `poll()` takes what is there, or returns NOT_READY; `source` tells when to poll again. */
export abstract class IoClause<R> implements SelectClause<R> {
  abstract describe(): string;
  /** Takes what is ready and returns the clause's result, or NOT_READY having changed nothing. May throw. */
  protected abstract poll(): R | typeof NOT_READY;
  /** Fired when the clause may have become ready. */
  protected abstract get source(): Notifier;

  attempt(): R | typeof NOT_READY {
    return this.poll();
  }

  enqueue(selector: Selector): ClauseWait<R> {
    return new IoWait<R>(this.source, selector, requireCurrent(this.describe())).listen();
  }
}

/** One registration of a waiting I/O clause: retries its select when told; holds the run meanwhile. */
class IoWait<R> implements ClauseWait<R>, Listener {
  // Plain stores in the constructor (not class fields): one per waiting clause.
  private declare listening: boolean;
  private declare readonly source: Notifier;
  private declare readonly selector: Selector;
  private declare readonly task: TaskRecord<unknown>;

  constructor(source: Notifier, selector: Selector, task: TaskRecord<unknown>) {
    this.listening = false;
    this.source = source;
    this.selector = selector;
    this.task = task;
  }

  /** Registers with its source, holding the run meanwhile. */
  listen(): this {
    this.listening = true;
    holdExternal(this.task);
    this.source.add(this);
    return this;
  }

  notified(): void {
    if (!this.listening) return;
    this.listening = false;
    this.selector.retry(); // wakes the task first, so releasing the hold finds the run busy
    releaseExternal(this.task);
  }

  withdraw(): void {
    if (!this.listening) return;
    this.listening = false;
    this.source.remove(this);
    releaseExternal(this.task);
  }

  giveBack(): void {} // a level-triggered wait never wins, so it is never handed anything

  result(): R {
    throw new Error("internal: an I/O wait is level-triggered and never wins a select itself");
  }
}

// The blocking form's states.
const ATTEMPTING = 0;
const WAITING = 1;
const CHOSEN = 2;
const RETRY = 3;
const ABANDONED = 4;

/**
 * The blocking form of a clause: a trap that attempts it, else enqueues one
 * wait and parks (a select of one clause, without the select's bookkeeping).
 * BEFORE rule: an I/O loop whose reads complete at once still yields to other
 * tasks every budget, and a cancellation at that yield has taken nothing.
 */
export class ClauseTrap<R> extends Trap<R> implements Selector {
  // Plain stores in the constructor (not class fields): one per wait (an accept, a read with a deadline).
  private declare state: number;
  private declare outcome: unknown;
  private declare wait: ClauseWait<R> | null;
  private declare readonly clause: SelectClause<R>;

  constructor(clause: SelectClause<R>) {
    super(BEFORE);
    this.state = ATTEMPTING;
    this.outcome = undefined;
    this.wait = null;
    this.clause = clause;
  }

  protected get what(): string {
    return this.clause.describe();
  }

  protected begin(): Begun {
    this.state = ATTEMPTING;
    const result = this.clause.attempt();
    if (result !== NOT_READY) {
      this.outcome = result;
      return AT_ONCE;
    }
    this.state = WAITING;
    this.wait = this.clause.enqueue(this);
    return this.state === WAITING ? PARK : AT_ONCE; // completed (or asked to retry) while enqueuing
  }

  protected result(): R | typeof AGAIN {
    switch (this.state) {
      case ATTEMPTING:
        return this.outcome as R;
      case RETRY:
        return AGAIN;
      default:
        return this.wait!.result();
    }
  }

  protected again(): ClauseTrap<R> {
    return new ClauseTrap(this.clause);
  }

  override describe(): string {
    return this.clause.describe();
  }

  choose(): boolean {
    if (this.state !== WAITING) return false;
    this.state = CHOSEN;
    return true;
  }

  complete(): void {
    if (this.parked) this.wake();
  }

  retry(): void {
    if (this.state !== WAITING) return;
    this.state = RETRY;
    this.wait!.withdraw();
    if (this.parked) this.wake();
  }

  abort(): Abort {
    if (this.state === WAITING) {
      this.state = ABANDONED;
      this.wait!.withdraw();
    } else if (this.state === CHOSEN) {
      this.wait!.giveBack();
    }
    return WITHDRAWN;
  }
}
ownOperation(ClauseTrap);

/** Told while parked: poll again. */
const POLL_AGAIN: unique symbol = Symbol("poll again");
/** Handed its result while parked (`handOver`). */
const HANDED: unique symbol = Symbol("handed");

/**
 * The blocking form of an I/O clause without the clause: one object per
 * operation (a socket's read or write, on the hot path of a server) that
 * polls, else listens on its source and parks; told, it polls again. The
 * same rules as `ClauseTrap` (BEFORE; a cancelled wait only unsubscribes).
 */
export abstract class PollTrap<R> extends Trap<R> implements Listener {
  // Plain stores in the constructor (not class fields): one per read or write, on the hot path.
  private declare listening: boolean;
  /** Handed its result by its source (`handOver`) and not yet resumed: `abort()` gives it back. */
  private declare handed: boolean;
  private declare outcome: unknown;

  constructor() {
    super(BEFORE);
    this.listening = false;
    this.handed = false;
    this.outcome = undefined;
  }

  /** Takes what is ready and returns the result, or NOT_READY having changed nothing. May throw. */
  protected abstract poll(): R | typeof NOT_READY;
  /** Fired when the operation may have become ready. */
  protected abstract get source(): Notifier;

  protected begin(task: TaskRecord<unknown>): Begun {
    const result = this.poll();
    if (result !== NOT_READY) {
      this.outcome = result;
      return AT_ONCE;
    }
    this.listening = true;
    holdExternal(task);
    this.register();
    return PARK;
  }

  /** Starts listening for readiness (parking). A source may instead keep the trap to hand it a result (`handOver`). */
  protected register(): void {
    this.source.add(this);
  }

  /** Stops listening (cancelled while parked). */
  protected unregister(): void {
    this.source.remove(this);
  }

  /** A result handed over after `abort()` cancelled the wait it completed: the source takes it back. */
  protected giveBack(_result: R): void {}

  notified(): void {
    if (!this.listening) return;
    this.listening = false;
    this.wake(POLL_AGAIN);
    releaseExternal(this.task);
  }

  /**
   * Completes the parked wait with `result`, which its source took for it
   * (a chunk that arrived while it waited): no poll again. If the wait is
   * cancelled before its task runs, `giveBack(result)` returns it.
   */
  protected handOver(result: R): void {
    this.listening = false;
    this.handed = true;
    this.outcome = result;
    if (!this.wake(HANDED)) {
      // Its task is no longer parked on it (it is being torn down): the source keeps the result.
      this.handed = false;
      this.outcome = undefined;
      this.giveBack(result);
    }
    releaseExternal(this.task);
  }

  protected result(woken: unknown): R | typeof AGAIN {
    if (woken === POLL_AGAIN) return AGAIN;
    this.handed = false;
    const outcome = this.outcome as R;
    this.outcome = undefined;
    return outcome;
  }

  abort(): Abort {
    if (this.listening) {
      this.listening = false;
      this.unregister();
      releaseExternal(this.task);
    } else if (this.handed) {
      this.handed = false;
      const outcome = this.outcome as R;
      this.outcome = undefined;
      this.giveBack(outcome);
    }
    return WITHDRAWN;
  }
}
ownOperation(PollTrap);

/** The blocking form of `clause`. */
export function waitFor<R>(clause: SelectClause<R>): Operation<R> {
  return new ClauseTrap(clause);
}

// Pending states.
const RUNNING = 0;
const FULFILLED = 1;
const REJECTED = 2;

export type PollResult<T> = { ok: true; value: T } | { ok: false };
const NOT_YET: PollResult<never> = Object.freeze({ ok: false });

/**
 * A set-up operation in flight (coop's set-up API): the work started when it
 * was made. `yield* pending` waits for it (the blocking form), `onDone()` is
 * it as a select clause, `tryResult()` asks without waiting. Several can be
 * started and then awaited together, or raced in a `select`. It settles
 * once; every waiter sees the same outcome.
 *
 * ```ts
 * const a = startConnect({ port: portA });
 * const b = startConnect({ port: portB });
 * const first = yield* select(a.onDone((s) => s), b.onDone((s) => s));
 * ```
 */
export class Pending<T> implements Operation<T> {
  private state = RUNNING;
  private outcome: unknown = undefined;
  private readonly done = new Notifier();

  constructor(
    /** What is in flight, in words: "connect to 127.0.0.1:8080". */
    readonly description: string,
    /** Undoes what the work makes (closes the handle it opens), for `discard()`; settles once undone. */
    private undo?: () => Promise<void>,
  ) {
    if (!keptPending) keepPending();
  }

  /** @internal Nobody will take the outcome (the wait for it was cancelled or timed out): undoes the work's effect, once. */
  discard(): Promise<void> {
    const undo = this.undo;
    this.undo = undefined;
    return undo === undefined ? Promise.resolve() : undo();
  }

  /** @internal The work succeeded. Later settlements are ignored. */
  resolve(value: T): void {
    if (this.state !== RUNNING) return;
    this.state = FULFILLED;
    this.outcome = value;
    this.done.notify();
  }

  /** @internal The work failed. Later settlements are ignored. */
  reject(error: unknown): void {
    if (this.state !== RUNNING) return;
    this.state = REJECTED;
    this.outcome = error;
    this.done.notify();
  }

  /** True once it has settled (fulfilled or failed). */
  get settled(): boolean {
    return this.state !== RUNNING;
  }

  /** The outcome if settled (`{ ok: true, value }`; throws the failure), else `{ ok: false }`. Never waits. */
  tryResult(): PollResult<T> {
    if (this.state === RUNNING) return NOT_YET;
    if (this.state === REJECTED) throw this.outcome;
    return { ok: true, value: this.outcome as T };
  }

  /** A select clause that wins when the work has settled; `handler(value)`'s result becomes the select's. Throws its failure. */
  onDone<const R = T>(handler?: (value: T) => R): SelectClause<R> {
    return new DoneClause(this, handler);
  }

  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    return new ClauseTrap<T>(new DoneClause<T, T>(this, undefined))[Symbol.iterator]();
  }

  /** @internal */
  get notifier(): Notifier {
    return this.done;
  }
}
ownOperation(Pending);

let keptPending = false;

/**
 * Keeps the hidden classes of a set-up operation, of its clause and of the
 * blocking wait on it alive (core/keep.ts): every file read and write,
 * connect, listen and worker pool call makes them, and a program whose I/O has
 * all ended when a full GC runs would otherwise lose them, and the optimized
 * code made for them. The sample never settles; its wait never listens.
 */
function keepPending(): void {
  keptPending = true;
  const sample = new Pending<unknown>("a sample");
  keep(sample);
  const clause = sample.onDone();
  keep(clause);
  const trap = new ClauseTrap(clause);
  keep(trap);
  keep(new IoWait(sample.notifier, trap, sampleTask!)); // never listens
}

class DoneClause<T, R> extends IoClause<R> {
  constructor(
    private readonly pending: Pending<T>,
    private readonly handler: ((value: T) => R) | undefined,
  ) {
    super();
  }
  describe(): string {
    return this.pending.description;
  }
  protected get source(): Notifier {
    return this.pending.notifier;
  }
  protected poll(): R | typeof NOT_READY {
    const result = this.pending.tryResult();
    if (!result.ok) return NOT_READY;
    return this.handler === undefined ? (result.value as unknown as R) : this.handler(result.value);
  }
}

/** Options of an I/O operation that can wait. */
export interface WaitOptions {
  /** The deadline, in ms from the call: past it the operation throws `TimeoutError` having taken nothing. Default: none. */
  timeout?: number;
}

/** The blocking form of `clause`, with the deadline `options.timeout` (`what` names the call in errors). */
export function waitWithin<R>(what: string, clause: SelectClause<R>, options: WaitOptions | undefined): Operation<R> {
  if (options === undefined) return new ClauseTrap(clause);
  checkWaitOptions(what, options);
  const ms = options.timeout;
  if (ms === undefined) return new ClauseTrap(clause);
  return selectBiased(
    clause,
    onTimeout(ms, (): never => {
      throw new TimeoutError(ms);
    }),
  );
}

/** Checks an operation's `WaitOptions` (`what` names the call in errors). */
export function checkWaitOptions(what: string, options: WaitOptions | undefined): void {
  checkOptions(what, options);
  if (options?.timeout !== undefined) checkMs(what, "options.timeout", options.timeout);
}

