/**
 * Tasks: the run loop's record of each coroutine, its status, and creation.
 * How a task ends is in lifecycle.ts; joins and `cancel()` in join.ts.
 *
 * A task owns a stack of frames (its body, plus any trampolined `fn` calls),
 * its children, and its outcome. Its lifecycle:
 *
 * | status      | meaning                                                        |
 * |-------------|----------------------------------------------------------------|
 * | PENDING     | created and queued; the body has not started                   |
 * | RUNNING     | the body runs (executing, queued, or parked on a suspension)    |
 * | COMPLETING  | the body returned; waiting for its own children to finish      |
 * | TEARDOWN    | cancelled or failing: children are torn down, then the body    |
 * |             | is unwound with return() (its finally blocks run)              |
 * | CLOSING     | the body is gone; `ensure` cleanups and leftover children are  |
 * |             | torn down, last first                                          |
 * | COMPLETED / FAILED / CANCELLED | ended; joiners have been woken          |
 *
 * ```
 * PENDING ──start──▶ RUNNING ──body returns──▶ COMPLETING ──children done──▶ CLOSING ──▶ COMPLETED
 *    │                  │                          │                            ▲
 *    │          cancel or failure          cancel or child fails                │
 *    │                  ▼                          ▼                            │
 *    └─cancel──▶ TEARDOWN: own children, last first ─▶ unwind body ─────────────┘──▶ FAILED / CANCELLED
 * ```
 *
 * Invariants:
 * - `halting` is set once, by the first cancellation or failure; later cancels
 *   change nothing, so a teardown cannot be cut short.
 * - Children are torn down one at a time, in reverse start order, before the
 *   parent's body is unwound; `ensure` cleanups (daemon children) go last, and
 *   so do resources (daemons too: their teardown is one of those cleanups).
 * - The outcome is FAILED if any error was recorded, else CANCELLED if
 *   `halting`, else COMPLETED: a cancelled task never also succeeds.
 * - A finished task is unlinked from its parent, so nothing retains it but
 *   whoever holds its handle.
 */
import { NEXT, NONE } from "./resume.js";
import { sampleBody } from "./keep.js";
import type { Call, Suspension, Instruction } from "./instructions.js";
import { recordSite } from "./frames.js";
import type { LinkedList } from "./list.js";
import type { Runtime } from "./runtime.js";
import { isGeneratorObject, isOperation, ownOperation, startedGenerators, type Operation } from "./operation.js";
import { JoinClause, JoinOperation, PromiseJoiner, joinersOf, settle, Teardown, type Joiner } from "./join.js";
import type { SelectClause } from "./clause.js";
import { dispatch, probing } from "./probes.js";
import { showId } from "./ids.js";
import { notify, requestCancel } from "./lifecycle.js";

export const PENDING = 0;
export const RUNNING = 1;
export const COMPLETING = 2;
export const TEARDOWN = 3;
export const CLOSING = 4;
export const COMPLETED = 5;
export const FAILED = 6;
export const CANCELLED = 7;
type Status = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** The states a user sees on `task.state`. */
export type TaskState = "pending" | "running" | "completing" | "cancelling" | "completed" | "failed" | "cancelled";

/** Flags fixed at creation. */
export const BOUNDARY = 1; // failure goes to the joiner (scoped), not to the parent
export const SUPERVISOR = 2; // children's failures do not fail this task
export const DAEMON = 4; // runs an `ensure` cleanup while its parent closes
/**
 * With DAEMON: runs a `resource`. It stays parked after handing its value over;
 * its parent does not wait for it to end, and tears it down from a cleanup
 * registered when it was made (so in LIFO order with `ensure`), after its own
 * finally blocks.
 */
export const RESOURCE = 8;

/** A body: an operation, or a function returning one (a generator function). */
export type Body<T> = Operation<T> | (() => Operation<T>);

let nextId = 1;

export interface TaskOptions {
  name?: string;
  priority?: number;
}

/**
 * A running coroutine in the task tree: what users hold. It is an
 * `Operation<T>` (`yield* task` joins it) and a `PromiseLike<T>` (`await task`
 * joins it from async code).
 *
 * This is the public type; `TaskRecord` below is the run loop's record behind
 * it (one object per task: the interface adds nothing at run time, it only
 * keeps the run loop's fields out of users' types).
 */
export interface Task<T = unknown> extends Operation<T>, PromiseLike<T> {
  /** Unique among the tasks of this thread, across its runtimes (paths show a worker thread's tag in front: `w2.7`). */
  readonly id: number;
  /** The name given, else the body function's name, else "task" ("run" for a root). */
  readonly name: string;
  /** Higher runs first; equal priorities take turns. */
  readonly priority: number;
  /** The task that spawned this one; null for a root. */
  readonly parent: Task<unknown> | null;
  /** What the task is doing now. */
  readonly state: TaskState;
  /** The live children, oldest first. */
  readonly children: Task<unknown>[];
  /** Names from the root down to this task, e.g. `main#1 › server#2 › conn#7`. */
  readonly path: string;
  /**
   * Requests cancellation now and returns a handle that waits for the teardown:
   * `yield* task.cancel()` in a task, `await task.cancel()` outside. It throws
   * only if the teardown failed (and then that error is handled: it does not
   * also fail the parent). Cancelling a task that has already ended changes
   * nothing and does not throw.
   */
  cancel(): Operation<void> & PromiseLike<void>;
  /** `await using task = run(...)`: cancels the task and waits for its teardown. */
  [Symbol.asyncDispose](): Promise<void>;
  /**
   * A select clause that wins when this task ends: `handler(result)`'s result
   * becomes the select's (the task's result without a handler). A failed or
   * cancelled task throws at the select, as a join does.
   *
   * ```ts
   * const page = yield* select(fetcher.onJoin((page) => page), onTimeout(1_000, () => null));
   * ```
   */
  onJoin<const R = T>(handler?: (value: T) => R): SelectClause<R>;
  toString(): string;
}

/** The run loop's record of a task (see `Task` for the public view of it). */
export class TaskRecord<T = unknown> implements Task<T> {
  // Run-loop state (see runtime.ts and queue.ts).
  /** @internal */ frame: Iterator<Instruction, unknown, unknown> | null = null;
  /**
   * @internal The frames under the top one, each followed by the `Call` that
   * opened the frame above it (frames.ts): [body, call 1, frame 1, call 2, ...].
   */
  below: (Iterator<Instruction, unknown, unknown> | Call)[] | null = null;
  /** @internal */ resumeKind: number = NONE;
  /** @internal */ resumeValue: unknown = undefined;
  /** @internal */ suspension: Suspension | null = null;
  /** @internal */ queuedAt = -1;
  /** @internal Index of the frame being unwound by cancellation; -1 when none. */
  unwindDepth = -1;
  /** @internal */ status: Status = PENDING;
  /** @internal */ halting = false;

  readonly id: number;
  /** @internal The name, or the body function to take it from when first asked (reading `fn.name` is slow). */
  private label: string | (() => unknown);
  readonly priority: number;
  readonly parent: TaskRecord<unknown> | null;
  /** @internal */ readonly runtime: Runtime;
  /** @internal */ readonly flags: number;
  /** @internal */ body: Body<T> | null;

  // The tree: children form an intrusive list, oldest first.
  /** @internal */ firstChild: TaskRecord<unknown> | null = null;
  /** @internal */ lastChild: TaskRecord<unknown> | null = null;
  /** @internal */ prevSibling: TaskRecord<unknown> | null = null;
  /** @internal */ nextSibling: TaskRecord<unknown> | null = null;
  /** @internal Live children that are not daemons. */
  ownChildren = 0;

  /** @internal */ result: T | undefined = undefined;
  /** @internal */ joiners: LinkedList<Joiner> | null = null;
  /** @internal Rarely used state, allocated on first use. */
  extra: TaskExtra | null = null;
  /**
   * @internal When the task last changed activity, on its runtime's clock, as
   * tracking (observe/track.ts) saw it; absent while nothing tracks. A property
   * of the task, not a side table (tracking writes it on every step), but not a
   * class field either: tracking adds it when it first marks a task, so a program
   * that tracks nothing keeps the smaller task record.
   */
  declare observedAt?: number;

  /** @internal */
  constructor(
    body: Body<T>,
    name: string | (() => unknown),
    priority: number,
    parent: TaskRecord<unknown> | null,
    runtime: Runtime,
    flags: number,
  ) {
    this.id = nextId++;
    this.body = body;
    this.label = name;
    this.priority = priority;
    this.parent = parent;
    this.runtime = runtime;
    this.flags = flags;
  }

  /** The task's name in errors, paths and dumps: the one given, else the body function's name, else "task". */
  get name(): string {
    const label = this.label;
    if (typeof label === "string") return label;
    return (this.label = label.name !== "" ? label.name : this.parent === null ? "run" : "task");
  }

  /** What the task is doing now. */
  get state(): TaskState {
    switch (this.status) {
      case PENDING:
        return "pending";
      case RUNNING:
        return "running";
      case COMPLETING:
        return "completing";
      case TEARDOWN:
        return "cancelling";
      case CLOSING:
        return this.halting ? "cancelling" : "completing";
      case COMPLETED:
        return "completed";
      case FAILED:
        return "failed";
      default:
        return "cancelled";
    }
  }

  /** The live children, oldest first. */
  get children(): TaskRecord<unknown>[] {
    const children: TaskRecord<unknown>[] = [];
    for (let child = this.firstChild; child !== null; child = child.nextSibling) children.push(child);
    return children;
  }

  /** Names from the root down to this task, e.g. `main › server › conn#7`. */
  get path(): string {
    const names: string[] = [];
    for (let task: TaskRecord<unknown> | null = this; task !== null; task = task.parent) names.push(`${task.name}#${showId(task.id)}`);
    return names.reverse().join(" › ");
  }

  toString(): string {
    return `task ${this.name}#${showId(this.id)}`;
  }

  /** Joins: returns the task's result, or throws its error (`Cancelled` if it was cancelled). */
  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    return new JoinOperation(this);
  }

  then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.promise().then(onfulfilled, onrejected);
  }

  /**
   * Requests cancellation now and returns a handle that waits for the teardown:
   * `yield* task.cancel()` in a task, `await task.cancel()` outside. It throws
   * only if the teardown failed. Cancelling a task that has already ended
   * changes nothing and does not throw; cancelling one that is already
   * cancelling waits for that teardown.
   */
  cancel(): Teardown {
    extraOf(this).cancelledByUser = true;
    requestCancel(this);
    return new Teardown(this);
  }

  onJoin<const R = T>(handler?: (value: T) => R): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`${this}.onJoin(handler): handler must be a function`);
    return new JoinClause<T, R>(this, handler);
  }

  /** `await using task = run(...)`: cancels the task and waits for its teardown. */
  [Symbol.asyncDispose](): Promise<void> {
    return Promise.resolve(this.cancel());
  }

  /** @internal Opens the body as the first frame (the task's first step). */
  open(): Iterator<Instruction, unknown, unknown> {
    this.status = RUNNING;
    const body = this.body!; // kept: it names the body's frame in stack traces (frames.ts)
    let frame: Iterator<Instruction, unknown, unknown>;
    if (typeof body === "function") {
      const operation = body();
      if (!isOperation(operation)) {
        throw new TypeError(`${this}: its body returned ${String(operation)}, expected an operation (use a generator function)`);
      }
      frame = operation[Symbol.iterator]();
    } else {
      frame = body[Symbol.iterator]();
      if (isGeneratorObject(frame)) {
        // A generator object given as the body: it runs once, in one task.
        if (startedGenerators.has(frame)) {
          throw new TypeError(`${this}: its body is a generator object that already ran in another task; pass the generator function instead`);
        }
        startedGenerators.add(frame);
      }
    }
    this.frame = frame;
    return frame;
  }

  /** @internal */
  promise(): Promise<T> {
    const extra = extraOf(this);
    if (extra.promise === null) {
      extra.promise = new Promise<T>((resolve, reject) => {
        if (this.status >= COMPLETED) settle(this, resolve, reject);
        else joinersOf(this).push(new PromiseJoiner(resolve as (value: unknown) => void, reject));
      });
    }
    return extra.promise;
  }
}

ownOperation(TaskRecord);

/** Rarely used state of a task, allocated on first use. */
export interface TaskExtra {
  promise: Promise<T0> | null;
  cancelledByUser: boolean;
  onCancel: (() => void)[] | null;
  contexts: Map<object, unknown> | null;
  supervisorErrors: ((error: unknown, task: TaskRecord<unknown>) => void) | null;
  cleanups: (() => unknown)[] | null;
  /** Someone has taken this task's outcome (joined it, awaited it). */
  observed: boolean;
  /** A supervisor's failed children that nobody has handled yet. */
  unobserved: TaskRecord<unknown>[] | null;
  /** Errors recorded so far, in order: any makes the outcome FAILED. */
  errors: unknown[] | null;
}
type T0 = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export function extraOf(task: TaskRecord<unknown>): TaskExtra {
  return (task.extra ??= {
    promise: null,
    cancelledByUser: false,
    onCancel: null,
    contexts: null,
    supervisorErrors: null,
    cleanups: null,
    observed: false,
    unobserved: null,
    errors: null,
  });
}

/** Creates a child of `parent` (or a root when null) and queues its first step. */
/**
 * @internal A task record made the way `createTask` makes them, for `keep`
 * (keep.ts): it takes no id (the next task still gets the one it would have),
 * joins no tree and is never scheduled.
 */
export function newSampleTask(runtime: Runtime): TaskRecord<unknown> {
  const sample = new TaskRecord<unknown>(sampleBody, "sample", 0, null, runtime, 0);
  nextId--;
  return sample;
}

export function createTask<T>(
  body: Body<T>,
  parent: TaskRecord<unknown> | null,
  runtime: Runtime,
  /** A name, or the body function to take the name from lazily. */
  name: string | (() => unknown),
  priority: number,
  flags: number,
): TaskRecord<T> {
  const task = new TaskRecord<T>(body, name, priority, parent, runtime, flags);
  if (probing.on) dispatch.spawned(task);
  recordSite(task);
  if (parent === null) {
    if (runtime.root === null) runtime.started(task);
  } else {
    link(task, parent);
    if (parent.halting && parent.status === RUNNING && parent.unwindDepth < 0) {
      // Spawned into a task that is already cancelled: it never starts.
      task.halting = true;
      task.status = TEARDOWN;
      notify(task);
      return task;
    }
  }
  task.resumeKind = NEXT;
  runtime.schedule(task);
  return task;
}

/** Adds `task` as `parent`'s youngest child. */
function link(task: TaskRecord<unknown>, parent: TaskRecord<unknown>): void {
  const last = parent.lastChild;
  task.prevSibling = last;
  if (last === null) parent.firstChild = task;
  else last.nextSibling = task;
  parent.lastChild = task;
  if ((task.flags & DAEMON) === 0) parent.ownChildren++;
}

/**
 * A task revived from a snapshot (durable/tasks.ts), made before its place in
 * the tree is known: `adoptRevived` gives it its body and links it. Its
 * `parent` is the revived parent, or the task restoring the tree.
 */
export function revivedTask(name: string, priority: number, flags: number, parent: TaskRecord<unknown>): TaskRecord<unknown> {
  return new TaskRecord<unknown>(null!, name, priority, parent, parent.runtime, flags);
}

/**
 * Links a revived task under its parent, running `frame` (its saved body,
 * resumed where it stopped) or, not started yet, to start `body`; the caller
 * then rearms its wait and schedules it.
 */
export function adoptRevived(task: TaskRecord<unknown>, body: Body<unknown>, frame: Iterator<Instruction, unknown, unknown> | null): void {
  if (probing.on) dispatch.spawned(task);
  task.body = body;
  if (frame !== null) {
    task.frame = frame;
    task.status = RUNNING;
  }
  link(task, task.parent!);
}

/** A task that had ended when the tree holding its handle was saved, revived with its outcome. */
export function endedTask(name: string, status: number, result: unknown, error: unknown, parent: TaskRecord<unknown>): TaskRecord<unknown> {
  const task = new TaskRecord<unknown>(null!, name, 0, null, parent.runtime, 0);
  if (status !== COMPLETED && status !== FAILED && status !== CANCELLED) throw new TypeError(`a saved task ended with status ${String(status)}`);
  task.status = status;
  if (status === COMPLETED) task.result = result;
  if (status === FAILED) extraOf(task).errors = [error];
  return task;
}

/**
 * Registers a cleanup that runs when `task` ends, however it ends — even if its
 * body never started — as `ensure` does for the current task. Its error fails
 * the task.
 */
export function addCleanup(task: TaskRecord<unknown>, cleanup: () => unknown): void {
  (extraOf(task).cleanups ??= []).push(cleanup);
}

/** True once the task has ended (completed, failed or cancelled). */
export function ended(task: TaskRecord<unknown>): boolean {
  return task.status >= COMPLETED;
}

// ---------------------------------------------------------------------------
// The narrow API for the modules above core: they read and register through
// these, and never write a task's fields themselves.

/** True once `task` is being cancelled or is failing. */
export function isHalting(task: TaskRecord<unknown>): boolean {
  return task.halting;
}

/** True if `task` ended cancelled (not completed, not failed). */
export function wasCancelled(task: TaskRecord<unknown>): boolean {
  return task.status === CANCELLED;
}

/**
 * Calls `handler` synchronously the moment `task` starts halting (cancelled or
 * failing), before any teardown; at once if it already is. Returns a function
 * that unregisters it.
 */
export function onHalt(task: TaskRecord<unknown>, handler: () => void): () => void {
  if (task.halting) {
    handler();
    return () => {};
  }
  const handlers = (extraOf(task).onCancel ??= []);
  handlers.push(handler);
  return () => {
    const index = handlers.indexOf(handler);
    if (index >= 0) handlers.splice(index, 1);
  };
}

/** Where a supervisor's failed children are reported (instead of waiting for a join). */
export function onChildError(task: TaskRecord<unknown>, handler: (error: unknown, child: TaskRecord<unknown>) => void): void {
  extraOf(task).supervisorErrors = handler;
}

/** The value set for `key` on `task` or its nearest ancestor that has one. */
export function lookupContext(task: TaskRecord<unknown>, key: object): { found: boolean; value: unknown } {
  for (let at: TaskRecord<unknown> | null = task; at !== null; at = at.parent) {
    const contexts = at.extra?.contexts;
    if (contexts?.has(key)) return { found: true, value: contexts.get(key) };
  }
  return { found: false, value: undefined };
}

/** Sets the value of `key` for `task` and its descendants. */
export function setContext(task: TaskRecord<unknown>, key: object, value: unknown): void {
  (extraOf(task).contexts ??= new Map()).set(key, value);
}
