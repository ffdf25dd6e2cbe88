/**
 * Child coroutines: a durable coroutine starts others in the same store
 * (`startChild`) and waits for their outcomes (`joinChild`). A child's id is
 * derived from its parent's and the number its start takes among the parent's
 * steps (`<parent id>/<n>`), and starting one is recorded as a step: after a
 * crash the parent resumes, starts "again", and gets the same child — a crash
 * never starts a child twice.
 *
 * `joinChild` is a saveable wait (durable/saving.ts): a parent checkpointed while
 * it waits for a child waits again where it is restored. The worker running
 * the parent looks at the child's row as it polls, and wakes the parent with
 * the child's result (or throws its error). A parent whose tree waits long
 * enough (`evictAfter`) leaves the worker like a sleeping one: the child's row
 * names its parent, the parent's row the children it waits for, and the end of
 * one of those makes the parent due in the store.
 */
import { WITHDRAWN, type Abort } from "../../core/instructions.js";
import { FREE, PARK, Trap, checkStage, savedStage, setStage, type Begun, type Stage } from "../../core/trap.js";
import type { TaskRecord } from "../../core/task.js";
import { saveable, type SaveableWait } from "../saving.js";
import { call } from "../../interop.js";
import { operation, type Operation } from "../../core/operation.js";
import type { Instruction } from "../../core/instructions.js";
import { requireCurrent } from "../../core/runtime.js";
import { show } from "../../validate.js";
import { runningOf, type ChildWaiter, type Running } from "./running.js";
import { record, recordedStep } from "./worker.js";

/** Thrown by `joinChild` for a child that was cancelled. */
export class ChildCancelled extends Error {
  override readonly name = "ChildCancelled";
  constructor(readonly id: string) {
    super(`child coroutine ${JSON.stringify(id)} was cancelled`);
  }
}

/**
 * Starts `fn(...args)` as a child coroutine in the parent's store and returns
 * its id (`<parent id>/<n>`); a worker runs it like any other. Recorded as a
 * step of the parent: after a crash, the same child, never a second one.
 *
 * ```ts
 * const shipment = yield* startChild(ship, [order]);
 * const tracking = yield* joinChild<string>(shipment);
 * ```
 */
export function startChild<A extends unknown[]>(fn: (...args: A) => Operation<unknown>, args: A): Operation<string> {
  if (typeof fn !== "function") throw new TypeError(`startChild(fn, args): fn must be a generator function of a "use durable" module, got ${show(fn)}`);
  if (!Array.isArray(args)) throw new TypeError(`startChild(fn, args): args must be an array, got ${show(args)}`);
  return operation(startingChild, fn as (...args: unknown[]) => Operation<unknown>, args as unknown[]);
}

function* startingChild(fn: (...args: unknown[]) => Operation<unknown>, args: unknown[]): Iterator<Instruction, string, unknown> {
  const running = runningOf(requireCurrent("startChild()"), "startChild(fn, args)");
  // Starting is a step: the same id after a crash, and an id that exists is left as it is.
  return yield* recordedStep(running, (seq) => {
    const id = `${running.id}/${seq}`;
    return call(async () => {
      await record("startChild(fn, args)", running.driver, fn, args, id, running.id);
      return id;
    });
  });
}

/** `joinChild(id)`: parks until the worker finds the child ended. */
class ChildWait extends Trap<unknown> implements ChildWaiter {
  protected get what(): string {
    return "joinChild()";
  }
  /** @internal */ declare running: Running | null;
  constructor(readonly child: string) {
    super(FREE); // the child's outcome is in the store: the worker looks as it polls
    this.running = null;
  }
  protected begin(task: TaskRecord<unknown>): Begun {
    const running = (this.running = runningOf(task, "joinChild(id)"));
    running.joins.push(this);
    return PARK;
  }
  protected result(outcome: unknown): unknown {
    const { status, value } = outcome as { status: string; value: unknown };
    if (status === "completed") return value;
    if (status === "cancelled") throw new ChildCancelled(this.child);
    throw value;
  }
  protected again(): ChildWait {
    return new ChildWait(this.child);
  }
  override describe(): string {
    return `joinChild(${JSON.stringify(this.child)})`;
  }
  ended(status: string, value: unknown): boolean {
    return this.wake({ status, value });
  }
  abort(): Abort {
    const running = this.running;
    if (running !== null) {
      const at = running.joins.indexOf(this);
      if (at >= 0) running.joins.splice(at, 1);
    }
    return WITHDRAWN;
  }
}

// Snapshots (durable/saving.ts): the child waited for; restored, it registers with the worker that runs it.
const childWaitType: SaveableWait<ChildWait> = {
  id: "strand:durable.join-child",
  Class: ChildWait,
  save(wait): { child: string; stage: Stage } {
    return { child: wait.child, stage: savedStage(wait) };
  },
  revive(data: { child: string; stage: Stage }): ChildWait {
    if (typeof data.child !== "string") throw new TypeError("a saved joinChild() has no child id");
    const wait = new ChildWait(data.child);
    setStage(wait, checkStage(data.stage));
    return wait;
  },
  rearm(wait, task): void {
    wait.task = task;
    if (task.resumeKind !== 0 /* NONE */) return; // it had been woken (the snapshot holds the outcome)
    const running = (wait.running = runningOf(task, "joinChild(id)"));
    running.joins.push(wait);
  },
  /** No time of its own: the child's end wakes an evicted parent (the store makes it due at once). */
  wakesAt(): number {
    return Infinity;
  },
};
saveable(childWaitType);

/**
 * Waits for a child coroutine (from `startChild`) to end: returns its result,
 * or throws its error (`ChildCancelled` if it was cancelled).
 */
export function joinChild<T = unknown>(id: string): Operation<T> {
  if (typeof id !== "string" || id === "") throw new TypeError(`joinChild(id): id must be a child coroutine's id (from startChild), got ${show(id)}`);
  return new ChildWait(id) as Operation<T>;
}
