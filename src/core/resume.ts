/**
 * How a parked task is resumed. Kept apart from the classes so that
 * `instructions.ts` and `task.ts` can both use it without an import cycle.
 */
import type { Suspension } from "./instructions.js";

/** What the run loop does with a task's top frame when it next runs it. */
export const NONE = 0; // nothing pending: a queue entry for this task is stale
export const NEXT = 1; // frame.next(value)
export const THROW = 2; // frame.throw(value)
export const RETURN = 3; // frame.return(): cancellation unwinds like `return`
export type ResumeKind = typeof NONE | typeof NEXT | typeof THROW | typeof RETURN;

/**
 * How the run loop resumes a frame it is unwinding (a cancelled task's frame
 * from its return() until it ends): `frame[UNWIND](kind, value)` where the frame
 * has it (compiled durable coroutines do), instead of next/throw/return. Plain
 * generators forget, across a `yield*` whose delegate's `finally` suspended,
 * that a return was under way (ECMAScript's yield* does); a frame with this
 * method remembers it until the delegate ends, so the unwinding goes on.
 */
export const UNWIND: unique symbol = Symbol.for("strand.unwind") as never;

/**
 * Hands `value` to the task parked on `suspension` and queues it. The task keeps
 * the suspension until it runs, so a cancellation arriving in between can still
 * `abort()` it and have the value given back (prompt cancellation).
 */
export function resume(suspension: Suspension, kind: ResumeKind, value: unknown): boolean {
  const task = suspension.task;
  if (task.suspension !== suspension || task.resumeKind !== NONE) return false;
  task.resumeKind = kind;
  task.resumeValue = value;
  task.runtime.wake(task);
  return true;
}

/**
 * Steps `delegate` in `mode` (NEXT, THROW or RETURN) with `value`, as `yield*`
 * passes a resumption on: for operations written as state machines that
 * delegate by hand (timeout's run, withLock).
 */
export function stepDelegate<T>(delegate: Iterator<T, unknown, unknown>, mode: number, value: unknown): IteratorResult<T, unknown> {
  return mode === NEXT ? delegate.next(value) : mode === THROW ? delegate.throw!(value) : delegate.return!(value);
}
