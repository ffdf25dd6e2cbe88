/**
 * The run loop's two registers: the task whose code is executing, and what is
 * left of its budget of immediate completions. The run loop (runtime.ts) binds
 * them for each step and saves them around a nested drain; the traps
 * (trap.ts) and the channel's waiters read them on every operation.
 *
 * A leaf module, so that trap.ts depends on nothing that defines traps (an
 * import cycle through the run loop would evaluate a trap subclass before its
 * base class). Module variables rather than fields of the run context: a
 * property load per operation costs a few percent of a channel hand-off.
 */
import type { TaskRecord } from "./task.js";

/** Immediate completions a task may make before it must go back to the queue. */
export const BUDGET = 128;

/** The executing task, or null between steps. */
let current: TaskRecord<unknown> | null = null;
/** Immediate completions left to the executing task in this step. */
let budget = BUDGET;

/** The task whose code is executing now, or null outside the run loop. */
export function currentTask(): TaskRecord<unknown> | null {
  return current;
}

/** What is left of the executing task's budget. */
export function budgetLeft(): number {
  return budget;
}

/** Binds the registers (a step starts, or a drain saves or restores them). */
export function bind(task: TaskRecord<unknown> | null, left: number): void {
  current = task;
  budget = left;
}

/** The executing task; `what` names the operation in the error thrown outside a task. */
export function requireCurrent(what: string): TaskRecord<unknown> {
  const task = current;
  if (task === null) throw outsideTask(what);
  return task;
}

/** The error for an operation (named by `what`) run outside any task. */
export function outsideTask(what: string): TypeError {
  return new TypeError(`${what} must be used inside a Strand task: start one with run(...) and compose operations with yield*`);
}

/**
 * True when the current task has spent its budget of immediate completions:
 * the operation must yield `YIELD_NOW` before completing (Tokio's cooperative
 * budget), so loops of ready operations cannot starve other tasks.
 */
export function budgetSpent(): boolean {
  return --budget <= 0;
}
