/**
 * Mutex: mutual exclusion between tasks, FIFO-fair, built on a `Coordinator`.
 *
 * States:
 *
 * | state     | meaning                                                              |
 * |-----------|----------------------------------------------------------------------|
 * | UNLOCKED  | `held` false; nobody waits                                           |
 * | LOCKED    | `held` true; waiters queue in FIFO order on the coordinator          |
 * | HANDED    | `held` true; `unlock()` handed the lock to the oldest waiter, which   |
 * |           | has not run yet (it owns the lock already)                           |
 *
 * ```
 * UNLOCKED ──lock()/tryLock()──▶ LOCKED ──unlock(), waiters──▶ HANDED ──waiter runs──▶ LOCKED
 *    ▲                             │                             │
 *    └──────unlock(), no waiter────┘◀──waiter cancelled, none left┘ (cancelled with others left: HANDED to the next)
 * ```
 *
 * Invariants:
 * 1. `!held` ⇒ no waiter: a lock is only ever waited for while it is held.
 * 2. No barging: `unlock()` hands the lock to the oldest waiter directly
 *    (`held` stays true), so a `tryLock()` or `lock()` arriving meanwhile queues
 *    behind it. Locks are granted in the order `lock()` was called.
 * 3. Prompt cancellation: a waiter handed the lock but cancelled before it ran
 *    passes it on to the next waiter, or releases it if none waits (the
 *    coordinator's `onReturned`). A cancelled `lock()` never also succeeds.
 * 4. `acquired - released` is 1 while held, else 0 (a hand-off counts as an
 *    acquisition, and a hand-off given back uncounts it).
 *
 * The mutex has no owner (as Go's `sync.Mutex`): any task may unlock it, so
 * pair `lock()` with `unlock()` in `finally`, or use `withLock`.
 *
 * `lock()` is a trap under the BEFORE rule (core/trap.ts): a free lock is taken
 * after the budget yield, so a cancellation at that yield takes nothing; a held
 * one is waited for in the coordinator's FIFO list (`HandleWait`). `onLock()`
 * is the same wait as a select clause.
 */
import type { Instruction } from "../core/instructions.js";
import { ownOperation } from "../core/operation.js";
import { NEXT, RETURN, THROW, stepDelegate } from "../core/resume.js";
import { AT_ONCE, type Begun } from "../core/trap.js";
import type { Body } from "../core/task.js";
import type { Operation } from "../types.js";
import { checkBody } from "../validate.js";
import { Coordinator, CoordinatorClause, HandleWait, Registration } from "./coordinator.js";
import { keep, sampleBody } from "../core/keep.js";
import type { SelectClause } from "../core/clause.js";
import { bodyOperation, displayName, type SyncOptions } from "./shared.js";
import { made, watching } from "../core/instances.js";

/** A snapshot of a mutex's counters. */
export interface MutexStats {
  name: string;
  locked: boolean;
  /** Tasks waiting for the lock now. */
  waiting: number;
  /** Times the lock was taken (lock, tryLock, or a hand-off its waiter kept). */
  acquired: number;
  /** unlock() calls. */
  released: number;
  /** Waiters that left because their task was cancelled while they waited. */
  cancelledWaiters: number;
  /** Hand-offs given back by waiters cancelled before they ran (passed on or released). */
  handedBack: number;
}

let nextMutexId = 1;

/**
 * A FIFO-fair lock for tasks. Waiters get the lock in the order they asked for
 * it, handed over directly on unlock.
 *
 * ```ts
 * const mutex = new Mutex();
 * yield* mutex.withLock(function* () {
 *   const balance = yield* read();
 *   yield* write(balance + 1); // no other task is between the read and the write
 * });
 * ```
 */
export class Mutex {
  readonly name: string;
  /** @internal */ held = false;
  /** @internal The waiters, in FIFO order (Condition re-locks through it). */
  readonly queue: Coordinator<void>;
  /** @internal */ acquiredCount = 0;
  /** @internal */ releasedCount = 0;

  constructor(options?: SyncOptions) {
    this.name = displayName("new Mutex(options)", "mutex", options, nextMutexId++);
    this.queue = new Coordinator<void>({
      name: this.name,
      onReturned: () => {
        this.acquiredCount--;
        this.handOff();
      },
    });
    this.queue.waitLabel = `lock of ${this.name}`;
    if (watching) made(this, "Mutex", this.queue);
    if (!keptMutex) keepMutex();
  }

  /** True while some task holds the lock (or it is being handed to one). */
  get locked(): boolean {
    return this.held;
  }

  /** Takes the lock, waiting in FIFO order while it is held. Pair it with `unlock()` in `finally`. */
  lock(): Operation<void> {
    return new Lock(this);
  }

  /**
   * A select clause that takes the lock: at once if it is free, else in FIFO
   * order with the other waiters. `handler()`'s result becomes the select's;
   * the winner holds the lock and must `unlock()` it. A select cancelled after
   * it was handed the lock passes it on.
   *
   * ```ts
   * const got = yield* select(db.onLock(() => true), onTimeout(100, () => false));
   * if (got) try { ... } finally { db.unlock(); }
   * ```
   */
  onLock<const R = void>(handler?: () => R): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`${this.name}.onLock(handler): handler must be a function`);
    return new CoordinatorClause<void, R>(this.queue, () => this.tryLock(), handler === undefined ? () => undefined as R : () => handler());
  }

  /** Takes the lock if it is free (and nobody waits); never waits. */
  tryLock(): boolean {
    if (this.held) return false;
    this.held = true;
    this.acquiredCount++;
    return true;
  }

  /** Releases the lock, handing it to the oldest waiter if there is one. Throws if it is not locked. */
  unlock(): void {
    if (!this.held) {
      throw new Error(`${this.name}.unlock(): the mutex is not locked; call unlock() once after each lock() or successful tryLock()`);
    }
    this.releasedCount++;
    this.handOff();
  }

  /**
   * Runs `body` holding the lock, and unlocks when it ends — however it ends,
   * cancellation included.
   */
  withLock<T>(body: Body<T>): Operation<T> {
    checkBody("mutex.withLock(body)", body);
    return new LockedRun<T>(this, body);
  }

  stats(): MutexStats {
    const queue = this.queue.stats();
    return {
      name: this.name,
      locked: this.held,
      waiting: queue.waiting,
      acquired: this.acquiredCount,
      released: this.releasedCount,
      cancelledWaiters: queue.cancelled,
      handedBack: queue.returned,
    };
  }

  private handOff(): void {
    if (this.queue.notify()) this.acquiredCount++;
    else this.held = false;
  }
}

let keptMutex = false;

/** Keeps the hidden classes of a mutex, its lock wait and its queue's registrations alive (core/keep.ts). */
function keepMutex(): void {
  keptMutex = true;
  const sample = new Mutex({ name: "sample" });
  nextMutexId--; // the sample takes no id
  keep(sample);
  keep(new Lock(sample));
  keep(new Registration(sample.queue));
  keep(new LockedRun(sample, sampleBody));
}

/** `mutex.lock()`: takes a free lock at once, else waits in FIFO order until `unlock()` hands it over. */
export class Lock extends HandleWait<void> {
  /** @internal */ declare readonly mutex: Mutex;
  constructor(mutex: Mutex) {
    super(mutex.queue, null);
    this.mutex = mutex;
  }
  protected override get what(): string {
    return "mutex.lock()";
  }
  protected override ready(): boolean {
    return !this.mutex.locked;
  }
  protected override begin(): Begun {
    // When the wait returns, unlock() has handed us the lock (invariant 2).
    return this.mutex.tryLock() ? AT_ONCE : this.register();
  }
  protected override again(): Lock {
    return new Lock(this.mutex);
  }
}

// Where a LockedRun stands.
const NOT_STARTED = 0; // made, not iterated yet
const LOCKING = 1; // delegating to its lock wait (none yet before the first step)
const HOLDING = 2; // delegating to the body, holding the lock
const FINISHED = 3;

/** The one iterator result a LockedRun returns when it finishes (read at once by its `yield*`). */
const FINISH: { done: true; value: unknown } = { done: true, value: undefined };

/**
 * `mutex.withLock(body)`: takes the lock, runs the body, unlocks however the
 * body ends. The generator it stands for:
 *
 * ```ts
 * yield* mutex.lock();
 * try { return yield* body(); } finally { mutex.unlock(); }
 * ```
 *
 * written as a state machine that steps its two waits by hand, as `yield*`
 * would (each mode passed on: a cancellation's return() reaches the body, whose
 * `finally` may wait, and the lock is released after it), so that a withLock is
 * one object: its operation, its iterator. (As a generator bound by
 * `operation()`, each call made two, the larger a generator object.)
 */
class LockedRun<T> implements Operation<T>, Iterator<Instruction, T, unknown> {
  private phase = NOT_STARTED;
  /** The wait it delegates to now: the lock, then the body. */
  private inner: Iterator<Instruction, unknown, unknown> | null = null;

  constructor(
    private readonly mutex: Mutex,
    private readonly body: Body<T>,
  ) {}

  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    if (this.phase !== NOT_STARTED) return new LockedRun(this.mutex, this.body)[Symbol.iterator]();
    this.phase = LOCKING;
    return this;
  }

  next(value?: unknown): IteratorResult<Instruction, T> {
    return this.step(NEXT, value);
  }
  throw(error: unknown): IteratorResult<Instruction, T> {
    return this.step(THROW, error);
  }
  return(value?: unknown): IteratorResult<Instruction, T> {
    return this.step(RETURN, value);
  }

  private step(mode: number, value: unknown): IteratorResult<Instruction, T> {
    if (this.phase === LOCKING) {
      let inner = this.inner;
      if (inner === null) {
        // Not started: a throw or return ends it before it takes anything, as a generator's would.
        if (mode !== NEXT) return this.finish(mode, value);
        inner = this.inner = this.mutex.lock()[Symbol.iterator]();
      }
      let result: IteratorResult<Instruction, unknown>;
      try {
        result = stepDelegate(inner, mode, value);
      } catch (error) {
        this.phase = FINISHED;
        this.inner = null;
        throw error;
      }
      if (!result.done) return result as IteratorResult<Instruction, T>;
      this.inner = null;
      if (mode === RETURN) return this.finish(RETURN, result.value);
      // Locked: the body runs from here, and the lock is released however it ends.
      this.phase = HOLDING;
      try {
        this.inner = bodyOperation("mutex.withLock(body)", this.body)[Symbol.iterator]();
      } catch (error) {
        this.release();
        throw error;
      }
      mode = NEXT;
      value = undefined;
    }
    if (this.phase === HOLDING) {
      const inner = this.inner!;
      let result: IteratorResult<Instruction, unknown>;
      try {
        result = stepDelegate(inner, mode, value);
      } catch (error) {
        this.release();
        throw error;
      }
      if (!result.done) return result as IteratorResult<Instruction, T>;
      this.release();
      FINISH.value = result.value;
      return FINISH as IteratorResult<Instruction, T>;
    }
    return this.finish(mode, value);
  }

  /** The body ended: unlock (the try's finally). */
  private release(): void {
    this.phase = FINISHED;
    this.inner = null;
    this.mutex.unlock();
  }

  /** Ends without the lock: rethrows a throw, returns a return's value. */
  private finish(mode: number, value: unknown): IteratorResult<Instruction, T> {
    this.phase = FINISHED;
    if (mode === THROW) throw value;
    FINISH.value = mode === RETURN ? value : undefined;
    return FINISH as IteratorResult<Instruction, T>;
  }
}

ownOperation(LockedRun);
