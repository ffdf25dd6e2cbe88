/**
 * Tasks: the tree of running coroutines, and how each one ends.
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
 *   parent's body is unwound; `ensure` cleanups (daemon children) go last.
 * - The outcome is FAILED if any error was recorded, else CANCELLED if
 *   `halting`, else COMPLETED: a cancelled task never also succeeds.
 * - A finished task is unlinked from its parent, so nothing retains it but
 *   whoever holds its handle.
 */
import { Link, LinkedList } from "./list.js";
import { AT_ONCE, OneShot, PARK } from "./one-shot.js";
import { Suspension, YIELD_NOW, type Instruction } from "./instructions.js";
import { NEXT, NONE, RETURN } from "./resume.js";
import { budgetSpent, currentTask, requireCurrent, type Runtime } from "./runtime.js";
import { Cancelled } from "./errors.js";
import { isGeneratorObject, isOperation, startedGenerators, type Operation } from "./operation.js";

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

/** A body: an operation, or a function returning one (a generator function). */
export type Body<T> = Operation<T> | (() => Operation<T>);

/** Someone waiting for a task to end. */
export interface Joiner extends Link {
  ended(task: TaskRecord<unknown>): void;
  /**
   * Set by those who await `task.cancel()`: the task's failure is theirs (they
   * get it, catchable) and does not also fail the task's parent.
   */
  readonly awaitsCancel?: true;
}

const ignore = (): void => {};

/** Where each error was first recorded, so reports can name the task it came from. */
const origins = new WeakMap<object, TaskRecord<unknown>>();

/** The task an error was first raised in, if Strand saw it. */
export function originOf(error: unknown): TaskRecord<unknown> | undefined {
  return typeof error === "object" && error !== null ? origins.get(error) : undefined;
}

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
  /** Unique among the tasks of this thread, across runtimes. */
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
  toString(): string;
}

/** The run loop's record of a task (see `Task` for the public view of it). */
export class TaskRecord<T = unknown> implements Task<T> {
  // Run-loop state (see runtime.ts and queue.ts).
  /** @internal */ frame: Iterator<Instruction, unknown, unknown> | null = null;
  /** @internal */ below: Iterator<Instruction, unknown, unknown>[] | null = null;
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
    for (let task: TaskRecord<unknown> | null = this; task !== null; task = task.parent) names.push(`${task.name}#${task.id}`);
    return names.reverse().join(" › ");
  }

  toString(): string {
    return `task ${this.name}#${this.id}`;
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

  /** `await using task = run(...)`: cancels the task and waits for its teardown. */
  [Symbol.asyncDispose](): Promise<void> {
    return Promise.resolve(this.cancel());
  }

  /** @internal Opens the body as the first frame (the task's first step). */
  open(): Iterator<Instruction, unknown, unknown> {
    this.status = RUNNING;
    const body = this.body!;
    this.body = null;
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

/** @internal */
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

function joinersOf(task: TaskRecord<unknown>): LinkedList<Joiner> {
  return (task.joiners ??= new LinkedList<Joiner>());
}

/** Registers `joiner` to be told when `task` ends (the task must not have ended). */
export function addJoiner(task: TaskRecord<unknown>, joiner: Joiner): void {
  joinersOf(task).push(joiner);
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

/** The result of a finished task, or its error thrown. */
export function outcome<T>(task: TaskRecord<T>): T {
  if (task.status === COMPLETED) return task.result as T;
  const extra = extraOf(task);
  extra.observed = true;
  if (task.status === FAILED) {
    // A root's failure taken by a join is handled: its promise must not be reported as unhandled.
    extra.promise?.catch(ignore);
    throw failure(task);
  }
  throw new Cancelled(task);
}

/** The error a failed task ended with. */
export function failure(task: TaskRecord<unknown>): unknown {
  const extra = task.extra!;
  const errors = extra.errors!;
  if (errors.length === 1) return errors[0];
  const lines = errors.map((error, i) => {
    const origin = originOf(error);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return `  [${i}] ${origin !== undefined ? origin.path : "?"}: ${message}`;
  });
  const aggregate = new AggregateError(errors, `${errors.length} errors in ${task}:\n${lines.join("\n")}`);
  extra.errors = [aggregate];
  return aggregate;
}

function settle<T>(task: TaskRecord<T>, resolve: (value: T) => void, reject: (error: unknown) => void): void {
  try {
    resolve(outcome(task));
  } catch (error) {
    reject(error);
  }
}

/** `yield* task.cancel()` parks on this until the teardown is over. */
class CancelJoin extends Suspension implements Joiner {
  declare readonly awaitsCancel: true;
  constructor(
    task: TaskRecord<unknown>,
    private readonly target: TaskRecord<unknown>,
  ) {
    super(task);
    this.awaitsCancel = true as const;
    joinersOf(target).push(this);
  }
  ended(): void {
    this.wake();
  }
  abort(): void {
    this.target.joiners?.remove(this);
  }
}

/** `await task` (and `await task.cancel()`, which sets `awaitsCancel`). */
class PromiseJoiner extends Link implements Joiner {
  declare readonly awaitsCancel?: true;
  constructor(
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    super();
  }
  ended(task: TaskRecord<unknown>): void {
    settle(task, this.resolve, this.reject);
  }
}

/** `yield* task`: parks until the task ends, then returns its result or throws its error. */
class JoinOperation<T> extends OneShot<T> implements Joiner {
  protected get what(): string {
    return "yield* task";
  }

  constructor(private readonly target: TaskRecord<T>) {
    super();
  }
  protected begin(me: TaskRecord<unknown>): number {
    const target = this.target;
    if (target.status >= COMPLETED) return AT_ONCE;
    if (me === target) throw new Error(`${target} cannot join itself`);
    joinersOf(target).push(this);
    return PARK;
  }
  protected result(): T {
    return outcome(this.target);
  }
  protected again(): JoinOperation<T> {
    return new JoinOperation(this.target);
  }
  ended(): void {
    this.wake();
  }
  abort(): void {
    this.target.joiners?.remove(this);
  }
}

/** What `task.cancel()` returns: waits for the teardown, in a task or with await. */
export class Teardown implements Operation<void>, PromiseLike<void> {
  /** The task had already ended when cancelled: its old outcome is not this teardown's. */
  private readonly endedBefore: boolean;

  constructor(private readonly task: TaskRecord<unknown>) {
    this.endedBefore = task.status >= COMPLETED;
  }

  *[Symbol.iterator](): Iterator<Instruction, void, unknown> {
    const me = requireCurrent("yield* task.cancel()");
    const task = this.task;
    if (task.status < COMPLETED) {
      // Cancelling yourself or an ancestor: your own teardown is what you wait for.
      yield new CancelJoin(me, task);
    } else if (budgetSpent()) {
      yield YIELD_NOW; // an immediate completion like any other
    }
    this.rethrow();
  }

  then<A = void, B = never>(
    onfulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        try {
          this.rethrow();
          resolve();
        } catch (error) {
          reject(error);
        }
      };
      if (this.task.status >= COMPLETED) settle();
      else {
        const joiner = new PromiseJoiner(settle, settle);
        (joiner as { awaitsCancel: true }).awaitsCancel = true;
        joinersOf(this.task).push(joiner);
      }
    }).then(onfulfilled, onrejected);
  }

  /** A teardown that failed throws its error to whoever awaits it, and counts as handled. */
  private rethrow(): void {
    const task = this.task;
    if (task.status === FAILED && !this.endedBefore) {
      const extra = extraOf(task);
      extra.observed = true;
      extra.promise?.catch(ignore);
      throw failure(task);
    }
  }
}

// ---------------------------------------------------------------------------
// Creation

/** Creates a child of `parent` (or a root when null) and queues its first step. */
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
  if (parent === null) runtime.root ??= task;
  else {
    const last = parent.lastChild;
    task.prevSibling = last;
    if (last === null) parent.firstChild = task;
    else last.nextSibling = task;
    parent.lastChild = task;
    if ((flags & DAEMON) === 0) parent.ownChildren++;
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

// ---------------------------------------------------------------------------
// Cancellation and failure

/** Records an error on the task, remembering where it came from. */
export function recordError(task: TaskRecord<unknown>, error: unknown): void {
  if (typeof error === "object" && error !== null && !origins.has(error)) origins.set(error, task);
  (extraOf(task).errors ??= []).push(error);
}

/** Cancels `task` (idempotent). Its teardown starts now, or at its next yield if it is executing. */
export function requestCancel(task: TaskRecord<unknown>): void {
  if (task.status >= COMPLETED || task.halting) return;
  halt(task);
}

/** Fails `task` with `error`: it records the error and tears the task down. */
export function fail(task: TaskRecord<unknown>, error: unknown): void {
  if (task.status >= COMPLETED) return;
  recordError(task, error);
  if (!task.halting) halt(task);
}

function halt(task: TaskRecord<unknown>): void {
  task.halting = true;
  const handlers = task.extra?.onCancel;
  if (handlers) {
    task.extra!.onCancel = null;
    for (let i = handlers.length - 1; i >= 0; i--) {
      try {
        handlers[i]();
      } catch (error) {
        recordError(task, error);
      }
    }
  }
  if (task === currentTask()) return; // the run loop calls requestTeardownAtYield
  const status = task.status;
  if (status === PENDING || status === RUNNING) {
    const suspension = task.suspension;
    if (suspension !== null) {
      task.suspension = null;
      try {
        suspension.abort();
      } catch (error) {
        recordError(task, error);
      }
    }
    task.resumeKind = NONE;
    task.resumeValue = undefined;
    task.runtime.ready.remove(task);
  }
  if (status <= COMPLETING) task.status = TEARDOWN;
  notify(task);
}

/** Called by the run loop when a halting task yields: its teardown starts. */
export function requestTeardownAtYield(task: TaskRecord<unknown>): void {
  task.status = TEARDOWN;
  notify(task);
}

/** Called by the run loop when the body's last frame returned (`ok`) or threw. */
export function bodyDone(task: TaskRecord<unknown>, ok: boolean, value: unknown): void {
  task.frame = null;
  task.below = null;
  if (task.status === RUNNING) {
    if (!ok) {
      fail(task, value);
      if (task.status === RUNNING) task.status = TEARDOWN; // it was executing
    } else if (task.halting) {
      task.status = TEARDOWN; // the result of a cancelled task is dropped
    } else {
      task.result = value as never;
      task.status = COMPLETING;
    }
  } else {
    // TEARDOWN: the body finished unwinding.
    if (!ok) recordError(task, value);
    task.unwindDepth = -1;
  }
  notify(task);
}

// ---------------------------------------------------------------------------
// Advancing a task that waits for its children

/**
 * Lets `task` take its next lifecycle step. Steps that end other tasks call
 * back here; the runtime's work list keeps that iterative, so tearing down 10⁵
 * children does not grow the stack.
 */
function notify(task: TaskRecord<unknown>): void {
  const context = task.runtime.context;
  context.work[context.workCount++] = task;
  if (context.advancing) return;
  context.advancing = true;
  const work = context.work;
  try {
    for (let i = 0; i < context.workCount; i++) {
      const next = work[i];
      work[i] = undefined!; // hold no finished task
      advance(next);
    }
  } finally {
    context.workCount = 0;
    context.advancing = false;
  }
}

function advance(task: TaskRecord<unknown>): void {
  switch (task.status) {
    case COMPLETING:
      if (task.ownChildren > 0) return;
      task.status = CLOSING;
      break;
    case TEARDOWN:
      if (task.unwindDepth >= 0) return; // its finally blocks are running
      if (task.ownChildren > 0) {
        requestCancel(task.lastChild!);
        return;
      }
      if (task.frame !== null) {
        task.unwindDepth = task.below === null ? 0 : task.below.length;
        task.resumeKind = RETURN;
        task.runtime.schedule(task);
        return;
      }
      task.status = CLOSING;
      break;
    case CLOSING:
      break;
    default:
      return;
  }
  // CLOSING: children left over from finally blocks go first (last first), then
  // the `ensure` cleanups, newest first; an operation cleanup runs as a daemon child.
  for (;;) {
    const last = task.lastChild;
    if (last !== null) {
      if ((last.flags & DAEMON) === 0) requestCancel(last);
      return;
    }
    const cleanup = task.extra?.cleanups?.pop();
    if (cleanup === undefined) break;
    try {
      const operation = cleanup();
      if (isOperation(operation)) {
        createTask(operation as Operation<unknown>, task, task.runtime, "ensure", task.priority, DAEMON);
        return;
      }
    } catch (error) {
      recordError(task, error);
    }
  }
  finish(task);
}

function finish(task: TaskRecord<unknown>): void {
  if ((task.flags & SUPERVISOR) !== 0) unobservedFailures(task);
  task.status = task.extra?.errors ? FAILED : task.halting ? CANCELLED : COMPLETED;
  task.body = null;
  task.frame = null;
  task.below = null;
  const extra = task.extra;
  if (extra !== null) {
    extra.onCancel = null;
    if (task.status === CANCELLED && extra.cancelledByUser && task.parent === null && extra.promise !== null) {
      // Whoever cancelled a root task has seen its outcome; don't report it as unhandled.
      extra.promise.catch(() => {});
    }
  }
  // Who takes a failure: those awaiting cancel() (then nobody else), else a
  // joining task, else the parent.
  let awaitedCancel = false;
  let joined = false;
  const joiners = task.joiners;
  if (joiners !== null) {
    for (let joiner = joiners.shift(); joiner !== null; joiner = joiners.shift()) {
      if (joiner.awaitsCancel === true) awaitedCancel = true;
      else if (!(joiner instanceof PromiseJoiner)) joined = true;
      joiner.ended(task);
    }
  }
  const parent = task.parent;
  if (parent === null) return;
  const { prevSibling, nextSibling } = task;
  if (prevSibling === null) parent.firstChild = nextSibling;
  else prevSibling.nextSibling = nextSibling;
  if (nextSibling === null) parent.lastChild = prevSibling;
  else nextSibling.prevSibling = prevSibling;
  task.prevSibling = task.nextSibling = null;
  if ((task.flags & DAEMON) === 0) parent.ownChildren--;
  if (task.status === FAILED && !awaitedCancel) {
    if ((task.flags & BOUNDARY) === 0) {
      if ((parent.flags & SUPERVISOR) !== 0) reportSupervised(parent, task);
      else fail(parent, failure(task));
    } else if (!joined && parent.halting) {
      // A boundary hands its failure to its joiner; when the parent's join was
      // aborted by the parent's own cancellation, nobody else will take it.
      fail(parent, failure(task));
    }
  }
  notify(parent);
}

/**
 * A supervised child failed: `onChildError` handles it, or whoever joins the
 * child does. If neither does by the time the supervisor closes, the
 * supervisor fails with it — an error is never dropped silently.
 */
function reportSupervised(supervisor: TaskRecord<unknown>, child: TaskRecord<unknown>): void {
  const extra = extraOf(supervisor);
  const handler = extra.supervisorErrors;
  if (handler) {
    try {
      handler(failure(child), child);
    } catch (handlerError) {
      fail(supervisor, handlerError);
    }
  } else if (!child.extra?.observed) {
    (extra.unobserved ??= []).push(child);
  }
}

/** At a supervisor's close: its failed children nobody joined fail it. */
function unobservedFailures(task: TaskRecord<unknown>): void {
  const unobserved = task.extra?.unobserved;
  if (!unobserved) return;
  task.extra!.unobserved = null;
  for (const child of unobserved) if (!child.extra?.observed) recordError(task, failure(child));
}
