/**
 * Operations that complete at once or park exactly once, written as one object:
 * the operation, its iterator, its iterator result and its suspension. The hot
 * operations (sleep, join, spawn) use it so that a call allocates one object and
 * runs no generator.
 *
 * | phase   | next(value) does                                                     |
 * |---------|----------------------------------------------------------------------|
 * | NEW     | (not iterated yet)                                                   |
 * | START   | begin(): PARK → yield itself; AT_ONCE → finish, or yield YIELD_NOW   |
 * |         | first when the task's budget is spent                                 |
 * | PARKED  | woken: finish with the value it was woken with                        |
 * | YIELDED | back from the budget yield: finish                                    |
 * | DONE    | finished                                                              |
 */
import { Suspension, YIELD_NOW, type Instruction } from "./instructions.js";
import { budgetSpent, requireCurrent } from "./runtime.js";
import type { TaskRecord } from "./task.js";
import type { Operation } from "./operation.js";

const NEW = 0;
const START = 1;
const PARKED = 2;
const YIELDED = 3;
const DONE = 4;

/** What `begin` decided. */
export const AT_ONCE = 0;
export const PARK = 1;

export abstract class OneShot<T> extends Suspension implements Operation<T>, Iterator<Instruction, T, unknown> {
  // IteratorResult fields: next() returns this object itself.
  declare done: boolean;
  declare value: unknown;
  private declare phase: number;

  constructor() {
    super(null);
    this.done = false;
    this.value = undefined;
    this.phase = NEW;
  }

  /** The operation's name in the error thrown outside a task, e.g. "sleep()". */
  protected abstract get what(): string;
  /** Runs in the task: register and return PARK, or return AT_ONCE. May throw. */
  protected abstract begin(task: TaskRecord<unknown>): number;
  /** The result: from the value it was woken with (PARK), or undefined (AT_ONCE). May throw. */
  protected abstract result(woken: unknown): T;
  /** A fresh operation with the same arguments, for iterating this one again. */
  protected abstract again(): OneShot<T>;

  describe(): string {
    return this.what;
  }

  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    if (this.phase !== NEW) return this.again()[Symbol.iterator]();
    this.phase = START;
    return this;
  }

  next(woken?: unknown): IteratorResult<Instruction, T> {
    switch (this.phase) {
      case NEW: // handed out as an iterator directly (e.g. by TaskRecord[Symbol.iterator])
      case START: {
        const task = requireCurrent(this.what);
        this.task = task;
        if (this.begin(task) === PARK) {
          this.phase = PARKED;
          this.value = this;
          return this as IteratorResult<Instruction, T>;
        }
        if (budgetSpent()) {
          this.phase = YIELDED;
          this.value = YIELD_NOW;
          return this as IteratorResult<Instruction, T>;
        }
        return this.finish(undefined);
      }
      case PARKED:
        return this.finish(woken);
      case YIELDED:
        return this.finish(undefined);
      default:
        throw new Error(`internal: ${this.what} resumed after it finished`);
    }
  }

  throw(error: unknown): IteratorResult<Instruction, T> {
    this.phase = DONE;
    throw error;
  }

  return(value?: unknown): IteratorResult<Instruction, T> {
    this.phase = DONE;
    this.done = true;
    this.value = value;
    return this as IteratorResult<Instruction, T>;
  }

  private finish(woken: unknown): IteratorResult<Instruction, T> {
    this.phase = DONE;
    this.value = this.result(woken); // may throw: the error goes to the caller's yield*
    this.done = true;
    return this as IteratorResult<Instruction, T>;
  }
}
