/**
 * Condition: a condition variable bound to a `Mutex` (Go's `sync.Cond`, Python's
 * `threading.Condition`): tasks wait, holding the mutex, until another task
 * signals that the state they wait on may have changed.
 *
 * `wait()`: registers on the condition's coordinator, unlocks the mutex, parks,
 * and re-locks before it returns. Registering before unlocking makes the pair
 * atomic: a `signal()` sent after the unlock cannot be missed.
 *
 * Waiter phases:
 *
 * | phase     | where it waits                      | cancelled here                              |
 * |-----------|-------------------------------------|---------------------------------------------|
 * | SIGNAL    | on the condition's coordinator       | withdraws; a `signal()` it was handed and    |
 * |           |                                     | did not see goes to the next waiter          |
 * | RELOCK    | in the mutex's FIFO queue           | keeps waiting: the lock is re-acquired, then |
 * |           |                                     | the cancellation unwinds; a `signal()` it    |
 * |           |                                     | consumed is passed to the next waiter        |
 *
 * SIGNAL → RELOCK → returns holding the lock.
 *
 * Cancellation, the choice made: `wait()` returns — normally or by cancellation
 * — only holding the mutex. The caller's `finally { mutex.unlock() }` (or
 * `withLock`) therefore always finds the lock held, exactly as after a normal
 * return; unlocking a lock held by someone else, which an ownerless mutex could
 * not detect, cannot happen. This is what POSIX specifies for a thread
 * cancelled in `pthread_cond_wait`, and what Trio (re-acquire shielded from
 * cancellation) and asyncio do. The price: a cancelled waiter may wait for the
 * lock during its teardown, so hold the lock only for short critical sections,
 * and do not wait for a waiter's teardown (`yield* waiter.cancel()`) while
 * holding its mutex: that waits for yourself (pthread_cancel + pthread_join
 * under the mutex deadlocks the same way).
 *
 * A signal is never lost to cancellation (as CPython's asyncio since 3.13): one
 * handed to a waiter that is cancelled before it ran goes to the next waiter,
 * and a waiter cancelled while re-locking after a `signal()` passes a signal
 * on. This may wake a waiter spuriously, which the condition-variable protocol
 * allows: always wait in a loop on the predicate (`waitFor` does).
 *
 * The re-lock is the one shielded trap (core/trap.ts): cancelled while it
 * waits, its `abort()` reports FAILED, so its task stays parked in the lock's
 * queue, keeping its place, and its cancellation goes on once the lock is
 * handed over. Reached in a `finally` that a cancellation entered (cancelled
 * while waiting for the signal), it is shielded from the start.
 */
import type { Operation } from "../types.js";
import type { Abort, Instruction } from "../core/instructions.js";
import { operation } from "../core/operation.js";
import { AT_ONCE, FREE, PARK, type Begun } from "../core/trap.js";
import { requireCurrent } from "../core/runtime.js";
import { checkFunction } from "../validate.js";
import { Coordinator, HandleWait, type Registration } from "./coordinator.js";
import { Mutex } from "./mutex.js";
import { displayName, type SyncOptions } from "./shared.js";
import { made, watching } from "../core/instances.js";

/** A snapshot of a condition's counters. */
export interface ConditionStats {
  name: string;
  /** Tasks waiting for a signal now. */
  waiting: number;
  /** Waiters woken by `signal` and `broadcast`. */
  signalled: number;
  /** Waiters that left because their task was cancelled while they waited for a signal. */
  cancelledWaiters: number;
  /** Signals passed on because their waiter was cancelled before it used them. */
  passedOn: number;
}

let nextConditionId = 1;

/**
 * Waits for a state change under a mutex.
 *
 * ```ts
 * const mutex = new Mutex();
 * const nonEmpty = new Condition(mutex);
 * // consumer
 * yield* mutex.withLock(function* () {
 *   yield* nonEmpty.waitFor(() => queue.length > 0);
 *   use(queue.shift());
 * });
 * // producer
 * yield* mutex.withLock(function* () {
 *   queue.push(item);
 *   nonEmpty.signal();
 * });
 * ```
 */
export class Condition {
  readonly name: string;
  /** @internal */ readonly waiters: Coordinator<void>;
  /** @internal Signals passed on by waiters cancelled while re-locking. */ passedOn = 0;

  constructor(
    readonly mutex: Mutex,
    options?: SyncOptions,
  ) {
    if (!(mutex instanceof Mutex)) throw new TypeError(`new Condition(mutex): mutex must be a Mutex, got ${String(mutex)}`);
    this.name = displayName("new Condition(mutex, options)", "condition", options, nextConditionId++);
    this.waiters = new Coordinator<void>({ name: this.name });
    this.waiters.waitLabel = `wait on ${this.name}`;
    if (watching) made(this, "Condition", this.waiters);
  }

  /**
   * Unlocks the mutex, waits for a `signal()` or `broadcast()`, and locks it
   * again before returning — also when cancelled (see the file header). The
   * caller must hold the mutex. Wakeups may be spurious: check the predicate
   * in a loop, or use `waitFor`.
   */
  wait(): Operation<void> {
    return operation(waiting, this);
  }

  /** Waits (as `wait()`, in a loop) until `predicate()` is true; the caller must hold the mutex. */
  waitFor(predicate: () => boolean): Operation<void> {
    checkFunction("condition.waitFor(predicate)", "predicate", predicate);
    return operation(waitingFor, this, predicate);
  }

  /** Wakes the longest-waiting task; false if none waits (a signal is not stored). */
  signal(): boolean {
    return this.waiters.notify();
  }

  /** Wakes every waiting task; returns how many. */
  broadcast(): number {
    return this.waiters.notifyAll();
  }

  stats(): ConditionStats {
    const waiters = this.waiters.stats();
    return {
      name: this.name,
      waiting: waiters.waiting,
      signalled: waiters.notified,
      cancelledWaiters: waiters.cancelled,
      passedOn: waiters.returned + this.passedOn,
    };
  }
}

/** `condition.wait()`. */
function* waiting(condition: Condition): Iterator<Instruction, void, unknown> {
  requireCurrent("condition.wait()");
  const mutex = condition.mutex;
  if (!mutex.locked) throw new Error(`${condition.name}.wait(): lock ${mutex.name} first; wait() must be called holding it`);
  const signal = condition.waiters.register();
  mutex.unlock();
  let signalled = false;
  try {
    yield* signal;
    signalled = true;
  } finally {
    // Reached without a signal only by a cancellation's return(). Nothing may
    // follow the re-lock here: when unwinding, it completes through return()
    // (see Relock).
    yield* new Relock(condition, signal, !signalled);
  }
}

/**
 * Takes the condition's mutex again, and cannot be cut short by cancellation
 * (see the file header): a shielded trap. `unwinding` says that the caller runs
 * it from a `finally` entered by a cancellation's return(): a lock handed over
 * must then resume the task with return(), not next() — JS delegation forgets
 * a pending return across a next(), so the callers' generators would carry on
 * after their `yield*` as if nothing had happened. Shielded, the trap does so
 * (core/trap.ts), and the return goes on unwinding them.
 */
class Relock extends HandleWait<void> {
  constructor(
    private readonly condition: Condition,
    private readonly signal: Registration<void>,
    private readonly unwinding: boolean,
  ) {
    super(condition.mutex.queue, null, FREE); // a re-lock is never held up by the budget
  }
  protected override get what(): string {
    return "condition.wait()";
  }
  protected override begin(): Begun {
    if (this.condition.mutex.tryLock()) return AT_ONCE;
    this.register();
    if (this.unwinding) this.shield();
    return PARK;
  }
  protected override again(): Relock {
    return new Relock(this.condition, this.signal, this.unwinding);
  }
  /** Cancelled while re-locking after a signal: it keeps its place, and passes the signal it consumed on. */
  override abort(): Abort {
    const signal = this.signal;
    if (signal.state === "consumed" && signal.single) {
      this.condition.passedOn++;
      this.condition.waiters.notify();
    }
    return this.shield();
  }
  /** A deadlock report ended the shielded wait: the lock's queue forgets it (a lock handed over goes on). */
  protected override forsake(): void {
    this.leave();
  }
}

/** `condition.waitFor(predicate)`. */
function* waitingFor(condition: Condition, predicate: () => boolean): Iterator<Instruction, void, unknown> {
  while (!predicate()) yield* condition.wait();
}
