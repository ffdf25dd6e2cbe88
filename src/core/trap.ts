/**
 * Traps: the one way a primitive meets the run loop (after Trio's `_traps.py`).
 *
 * Every primitive that waits or takes is a trap: it completes at once (after
 * yielding for the budget, if its rule says so) or parks its task exactly
 * once. A trap is one object — the operation, its iterator, and the
 * `Suspension` its task parks on — so a call allocates one object and runs no
 * generator. Operations built from others (`withLock`, `timeout`, `race`) are
 * generator functions over traps, bound with `operation(body, args)`
 * (operation.ts); so are those that never meet the run loop (`current()`,
 * `ensure()`). Two instructions have operations of their own, which neither
 * complete at once nor park: `yieldNow()`/`transfer()` (YIELD_NOW,
 * scheduling.ts) and `fn` calls (Call, fn.ts). The channel's plain
 * send/receive (channel/waiter.ts) keep a specialised copy of this machine,
 * for speed; test/core/traps.test.ts holds both to the same contract.
 *
 * A trap says, in its subclass:
 * - its budget rule (below), given to the constructor;
 * - `ready()` (BEFORE only): whether `begin` would complete at once. It runs
 *   first, may check arguments and claim what it will wait on, and takes nothing;
 * - `begin(task)`: completes and returns AT_ONCE, or registers and returns
 *   PARK. May throw;
 * - `result(woken)`: the operation's value, from what it was woken with (PARK)
 *   or undefined. May throw. AGAIN begins the trap again: a level-triggered
 *   wait woken to look again (select's retry);
 * - `abort()`: the abort contract, below;
 * - `unwound()`: its task unwound from a budget yield — before `begin`
 *   (BEFORE: nothing taken yet, but the trap may own something, e.g. a send's
 *   element) or after it (AFTER: release what it set up);
 * - `again()`: a fresh trap with the same arguments, for iterating it again.
 *
 * Phases (`phase`; NEW and START each come in three, one per budget rule):
 *
 * | phase    | next(value) does                                                    |
 * |----------|---------------------------------------------------------------------|
 * | NEW      | (not iterated yet; iterating a used trap iterates `again()`)        |
 * | START    | BEFORE and `ready()` and the budget is spent: yield YIELD_NOW →     |
 * |          | BUDGET. Else `begin`: PARK → yield itself → PARKED; AT_ONCE under   |
 * |          | AFTER with the budget spent → yield YIELD_NOW → YIELDED; AT_ONCE →  |
 * |          | finish                                                              |
 * | BUDGET   | back from the budget yield: `begin`, as in START                    |
 * | PARKED   | woken: finish with the value it was woken with                      |
 * | SHIELDED | parked, and its `abort()` reported FAILED: woken, it finishes when  |
 * |          | its task resumes it with return(), and the cancellation goes on     |
 * | YIELDED  | back from the budget yield after `begin`: finish                    |
 * | DONE     | finished (threw, returned, or was unwound)                           |
 *
 * ```
 * NEW ─▶ START ─AT_ONCE────────────────────────────────────────────▶ DONE
 *         │ │ └─PARK─▶ PARKED ──woken──────────────────────────────▶ DONE
 *         │ │            └─abort() FAILED─▶ SHIELDED ──woken, return()─▶ DONE
 *         │ └─AT_ONCE with AFTER and no budget─▶ YIELDED ─────────▶ DONE
 *         └─BEFORE, ready, no budget─▶ BUDGET ──(begin, as START)
 * finish: result() → AGAIN goes back to START (under BEFORE)
 * ```
 *
 * The budget rule (DESIGN.md, "A cooperative budget"), each trap's own choice:
 * - BEFORE: yield for the budget before `begin`, when `ready()` says it would
 *   complete at once. For traps that take something (a lock, permits, a
 *   notification, a select's winner): a cancellation at that yield finds
 *   nothing taken.
 * - AFTER: `begin` first, and yield for the budget after it completed at once.
 *   For traps whose `begin` takes nothing (a join), or whose effect cannot be
 *   held back and belongs to the task tree or the caller (spawn, a call's
 *   function).
 * - FREE: never counts: traps that always park (sleep), or must not be held up
 *   (the re-lock of a cancelled wait).
 *
 * The abort contract (Trio's abort functions): when a parked task is cancelled,
 * the run loop calls `abort()` exactly once, and it reports one of
 * - WITHDRAWN: the registration is undone, or — when the trap was already woken
 *   but its task has not run since — what it was handed is given back (prompt
 *   cancellation). The task unwinds from its `yield*` now, and the trap
 *   finishes without a result.
 * - FAILED (Trio's `Abort.FAILED`): the wait is shielded from cancellation —
 *   it keeps its registration, or what it was handed — reported with
 *   `return this.shield()`. The task stays parked while its children are torn
 *   down; when the trap is woken, the task resumes with return(): the trap
 *   finishes taking (its `result` runs, the value is dropped), and the
 *   cancellation unwinds from there. A trap that knows when it parks that its
 *   caller is being unwound already (it runs in a `finally` a cancellation
 *   entered) shields itself in `begin`.
 *   A deadlock report still ends a shielded wait, since nothing can ever
 *   complete it: it throws at the trap (without asking `abort()` again), whose
 *   `forsake()` drops the registration.
 */
import { FAILED, Suspension, YIELD_NOW, type Abort, type Instruction } from "./instructions.js";
import { budgetSpent, currentTask, outsideTask } from "./registers.js";
import { resume, NEXT, RETURN } from "./resume.js";
import type { TaskRecord } from "./task.js";
import type { Operation } from "./operation.js";

/** Budget rules: see the file header. */
export const BEFORE = 0;
export const AFTER = 1;
export const FREE = 2;
export type BudgetRule = typeof BEFORE | typeof AFTER | typeof FREE;

// Phases. A trap is born in NEW + its rule (its constructor's argument: 0, 1, 2)
// and starts in START + its rule (3, 4, 5), so the rule costs no field of its
// own: `phase % 3` is the rule until `begin` has run.
const START = 3;
const BUDGET = 6;
const PARKED = 7;
const SHIELDED = 8;
const YIELDED = 9;
const DONE = 10;

/** What `begin` decided. */
export const AT_ONCE = 0;
export const PARK = 1;
export type Begun = typeof AT_ONCE | typeof PARK;

/** What `result` returns to begin the trap again, as in START under the BEFORE rule (select's retry). */
export const AGAIN: unique symbol = Symbol("again");

/**
 * The one iterator result every trap returns: its reader (a `yield*`, or the
 * run loop) takes `done` and `value` before anything can iterate another trap,
 * so one object serves them all — and every read of a trap's result sees one
 * shape, however many kinds of trap an application uses.
 */
const RESULT: { done: boolean; value: unknown } = { done: false, value: undefined };

/**
 * The machine is shared by every kind of trap, so in an application that uses
 * many of them its reads and writes of a trap's fields see many shapes; it
 * keeps them few: the rule lives in the phase, the result in RESULT, and the
 * trap has no constructor of its own (the suspension sets its first phase).
 */
export abstract class Trap<T> extends Suspension implements Operation<T>, Iterator<Instruction, T, unknown> {
  /** The operation's name in the error thrown outside a task, e.g. "sleep()". */
  protected abstract get what(): string;
  /** BEFORE only: whether `begin` would complete at once. Runs first; takes nothing. May throw. */
  protected ready(): boolean {
    return true;
  }
  /** Runs in the task: AT_ONCE, or PARK (registered). May throw. */
  protected abstract begin(task: TaskRecord<unknown>): Begun;
  /** The result, from the value it was woken with (PARK) or undefined; AGAIN begins again. May throw. */
  protected abstract result(woken: unknown): T | typeof AGAIN;
  /** A fresh trap with the same arguments, for iterating this operation again. */
  protected abstract again(): Trap<T>;
  /** Its task unwound from the budget yield (BEFORE) or the yield after `begin`. */
  protected unwound(): void {}
  /** A deadlock report threw at the trap while it was shielded: drop the registration `abort()` kept. */
  protected forsake(): void {}

  describe(): string {
    return this.what;
  }

  /** True while its task is parked on it (a completion before that must not wake the task). */
  protected get parked(): boolean {
    return this.phase === PARKED || this.phase === SHIELDED;
  }

  override get shielded(): boolean {
    return this.phase === SHIELDED;
  }

  /** Reports FAILED from `abort()` (or marks a trap parking for a caller being unwound, in `begin`). */
  protected shield(): Abort {
    this.phase = SHIELDED;
    return FAILED;
  }

  /** Resumes the task with `value`; a shielded trap's task resumes its cancellation instead. */
  override wake(value?: unknown): boolean {
    if (this.phase === SHIELDED) return resumeCancelled(this);
    return resume(this, NEXT, value);
  }

  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    const phase = this.phase;
    if (phase >= START) return this.again()[Symbol.iterator]();
    this.phase = phase + START;
    return this;
  }

  next(woken?: unknown): IteratorResult<Instruction, T> {
    const phase = this.phase;
    if (phase < BUDGET) {
      // NEW (handed out as an iterator directly, e.g. by TaskRecord[Symbol.iterator]) or START.
      const task = currentTask();
      if (task === null) throw outsideTask(this.what);
      this.task = task;
      const rule = phase % 3;
      if (rule === BEFORE && this.ready() && budgetSpent()) {
        this.phase = BUDGET;
        return Trap.yielding(YIELD_NOW);
      }
      return Trap.begun(this, this.begin(task), rule);
    }
    switch (phase) {
      case BUDGET:
        return Trap.begun(this, this.begin(this.task), BEFORE);
      case PARKED:
      case SHIELDED:
        return Trap.finish(this, woken);
      case YIELDED:
        return Trap.finish(this, undefined);
      default:
        throw new Error(`internal: ${this.what} resumed after it finished`);
    }
  }

  throw(error: unknown): IteratorResult<Instruction, T> {
    const phase = this.phase;
    this.phase = DONE;
    if (phase === SHIELDED) this.forsake();
    throw error;
  }

  return(value?: unknown): IteratorResult<Instruction, T> {
    const phase = this.phase;
    this.phase = DONE;
    // Woken after its abort FAILED: it finishes taking, and the cancellation goes on.
    if (phase === SHIELDED) this.result(undefined);
    else if (phase === BUDGET || phase === YIELDED) this.unwound();
    RESULT.done = true;
    RESULT.value = value;
    return RESULT as IteratorResult<Instruction, T>;
  }

  // The machine's steps: static (one call target), not methods looked up on each kind of trap.

  private static begun<T>(trap: Trap<T>, outcome: Begun, rule: number): IteratorResult<Instruction, T> {
    if (outcome === PARK) {
      if (trap.phase !== SHIELDED) trap.phase = PARKED;
      return Trap.yielding(trap);
    }
    if (rule === AFTER && budgetSpent()) {
      trap.phase = YIELDED;
      return Trap.yielding(YIELD_NOW);
    }
    return Trap.finish(trap, undefined);
  }

  private static yielding<T>(instruction: Instruction): IteratorResult<Instruction, T> {
    RESULT.done = false;
    RESULT.value = instruction;
    return RESULT as IteratorResult<Instruction, T>;
  }

  private static finish<T>(trap: Trap<T>, woken: unknown): IteratorResult<Instruction, T> {
    trap.phase = DONE;
    const value = trap.result(woken); // may throw: the error goes to the caller's yield*
    if (value === AGAIN) {
      trap.phase = START + BEFORE;
      return trap.next();
    }
    RESULT.done = true;
    RESULT.value = value;
    return RESULT as IteratorResult<Instruction, T>;
  }
}

/**
 * A shielded trap completed: its task's cancellation goes on. If the task's
 * frames are being unwound already (the trap parked in a `finally` the
 * cancellation entered), it resumes with return() at once. If its children are
 * still being torn down, it only leaves the trap: the teardown resumes it once
 * they are gone (lifecycle.ts `advance`). A task that is not halting (taken off
 * the run loop by `detach` meanwhile) resumes as from any wait.
 */
function resumeCancelled(trap: Trap<unknown>): boolean {
  const task = trap.task;
  if (task.suspension !== trap || task.resumeKind !== 0 /* NONE */) return false;
  if (!task.halting) return resume(trap, NEXT, undefined);
  if (task.unwindDepth >= 0) return resume(trap, RETURN, undefined);
  task.suspension = null;
  return true;
}

/** Where a trap a snapshot saves stands (durable/saving.ts), as a word that outlives the phases' numbering. */
export type Stage = "parked" | "budget" | "yielded";

/** The stage of `trap` as a snapshot saves it, or null where it cannot be saved (not started, shielded, finished). */
export function stageOf(trap: Trap<unknown>): Stage | null {
  const phase = trap.phase;
  return phase === PARKED ? "parked" : phase === BUDGET ? "budget" : phase === YIELDED ? "yielded" : null;
}

/** The stage of a trap being saved; throws where it cannot be (the snapshot fails naming the task). */
export function savedStage(trap: Trap<unknown>): Stage {
  const stage = stageOf(trap);
  if (stage === null) throw new Error(`${trap.describe()} is neither parked nor yielding, so it cannot be saved`);
  return stage;
}

/** Puts a revived trap where the saved one stood. */
export function setStage(trap: Trap<unknown>, stage: Stage): void {
  trap.phase = stage === "parked" ? PARKED : stage === "budget" ? BUDGET : YIELDED;
}

/** Checks a saved stage while reviving (the bytes passed their checksum, but may come from another build). */
export function checkStage(stage: unknown): Stage {
  if (stage !== "parked" && stage !== "budget" && stage !== "yielded") throw new TypeError(`a saved trap's stage is ${String(stage)}`);
  return stage;
}
