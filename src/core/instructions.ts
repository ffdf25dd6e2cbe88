/**
 * The instructions: the only values a coroutine ever yields to the run loop.
 *
 * User code never yields these directly; it writes `yield* operation`, and the
 * operation's iterator yields one of these three:
 *
 * | instruction   | run loop does                                                      |
 * |---------------|--------------------------------------------------------------------|
 * | `YIELD_NOW`   | puts the task at the back of its ready queue                        |
 * | a `Call`      | pushes the callee's generator as a new frame (trampolined `fn` call)|
 * | a `Suspension`| parks the task until the suspension wakes it or it is cancelled     |
 *
 * Every blocking primitive reduces to the last one (Trio's "park with an abort
 * function, reschedule later"): an operation registers a `Suspension` wherever
 * it waits (a channel's queue, a timer heap, a task's joiners), yields it, and
 * whoever completes the wait calls `wake`/`wakeThrow`. If the task is cancelled
 * first, the run loop calls `abort()` exactly once, and the suspension undoes its
 * registration — or, when it was already woken but its task has not run yet,
 * gives back what it was handed — and reports `WITHDRAWN`. So an operation
 * either completes, or is cancelled with everything as it was. A wait that
 * cancellation must not cut short reports `FAILED` instead (Trio's
 * `Abort.FAILED`): its task stays parked until the wait completes, and the
 * cancellation goes on from there (trap.ts has the whole contract).
 *
 * Primitives are written as traps (trap.ts), which are suspensions; the
 * channel's waiter (channel/waiter.ts) is the one other kind.
 */
import type { Link, LinkedList } from "./list.js";
import type { TaskRecord } from "./task.js";
import type { Frame } from "./frames.js";
import { resume, NEXT, THROW } from "./resume.js";
import { ownOperation } from "./operation.js";

/** What `abort()` reports: the wait was undone (or its hand-off given back)... */
export const WITHDRAWN = 0;
/** ...or it could not be, and the task stays parked until it completes (Trio's `Abort.FAILED`). */
export const FAILED = 1;
export type Abort = typeof WITHDRAWN | typeof FAILED;

/**
 * Parks the current task. Subclasses register themselves before being yielded.
 * It carries its own list links (it is structurally a `Link`) instead of
 * extending `Link`: one class level less to construct on the hot path.
 */
export abstract class Suspension implements Link {
  declare list: LinkedList<Link> | null;
  declare prevLink: Link | null;
  declare nextLink: Link | null;

  /**
   * The task this suspension parks. Set when the operation starts running in
   * that task (operations may be created earlier and double as their own token).
   */
  declare task: TaskRecord<unknown>;

  /**
   * Where its operation is: the phase of a trap (trap.ts) or of a channel
   * waiter (channel/waiter.ts) — the only two kinds of suspension.
   */
  declare phase: number;

  constructor(phase: number) {
    // Plain stores (not class-field definitions): this constructor is on the hot path.
    this.list = null;
    this.prevLink = null;
    this.nextLink = null;
    this.task = null!;
    this.phase = phase;
  }

  /**
   * Undoes the registration and reports `WITHDRAWN`. Called at most once, when
   * the task is cancelled while it holds this suspension — also after `wake` if
   * the task has not run since, in which case the suspension must give back
   * what it was handed. A wait shielded from cancellation keeps its
   * registration (or what it was handed) and reports `FAILED` (trap.ts).
   */
  abstract abort(): Abort;

  /**
   * What the task waits on, in words a person reads: "receive on channel
   * \"jobs\"", "lock of mutex #1", "join of task worker#7", "sleep until t=1500".
   * Deadlock reports and task dumps show it.
   */
  abstract describe(): string;

  /** True while the wait is shielded from cancellation: its abort reported FAILED, or it parked shielded (trap.ts). */
  get shielded(): boolean {
    return false;
  }

  /** True for a wait that only a cancellation ends (`suspend()`): not a deadlock while something outside can cancel. */
  get waitsForCancel(): boolean {
    return false;
  }

  /** Resumes the task with `value`. False if the task no longer waits here. */
  wake(value?: unknown): boolean {
    return resume(this, NEXT, value);
  }

  /** Resumes the task by throwing `error` at its `yield*`. */
  wakeThrow(error: unknown): boolean {
    return resume(this, THROW, error);
  }
}

ownOperation(Suspension);

/** Go to the back of the ready queue. */
export class Yield {
  private declare readonly yieldBrand: void;
}
export const YIELD_NOW: Yield = new Yield();

/**
 * Call a trampolined operation: the run loop opens the callee's iterator and
 * drives it as the task's new top frame, so a resume costs the same at any depth.
 */
export abstract class Call implements Frame {
  abstract open(): Iterator<Instruction, unknown, unknown>;
  /** The function the opened frame runs (frames.ts). */
  abstract readonly function: ((...args: never[]) => unknown) | undefined;
  /** Where the call was made, in debug mode (frames.ts). */
  abstract readonly location: string | undefined;
}

export type Instruction = Suspension | Yield | Call;
