/**
 * How a task ends: cancellation, failure, teardown and the outcome (see the
 * status table in task.ts). One work list per runtime advances tasks whose
 * children end, iteratively, so tearing down 10⁵ children does not grow the stack.
 */
import { NONE, RETURN, THROW } from "./resume.js";
import { FAILED as ABORT_FAILED, WITHDRAWN, type Abort } from "./instructions.js";
import { currentTask } from "./runtime.js";
import { isOperation, type Operation } from "./operation.js";
import { ignore, PromiseJoiner } from "./join.js";
import { dispatch, probing } from "./probes.js";
import { addCoroutineStack, frameDepth, isDetached } from "./frames.js";
import {
  BOUNDARY,
  CANCELLED,
  CLOSING,
  COMPLETED,
  COMPLETING,
  createTask,
  DAEMON,
  extraOf,
  FAILED,
  PENDING,
  RESOURCE,
  RUNNING,
  SUPERVISOR,
  TEARDOWN,
  type TaskRecord,
} from "./task.js";

/** Where each error was first recorded, so reports can name the task it came from. */
const origins = new WeakMap<object, TaskRecord<unknown>>();

/** The task an error was first raised in, if Strand saw it. */
export function originOf(error: unknown): TaskRecord<unknown> | undefined {
  return typeof error === "object" && error !== null ? origins.get(error) : undefined;
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

/** Records an error on the task, remembering where it came from. One error recorded twice (from two children) counts once. */
export function recordError(task: TaskRecord<unknown>, error: unknown): void {
  if (typeof error === "object" && error !== null && !origins.has(error)) {
    origins.set(error, task);
    addCoroutineStack(error);
  }
  const errors = (extraOf(task).errors ??= []);
  if (!errors.includes(error)) errors.push(error);
}

/**
 * Ends `task`'s wait by throwing `error` at it: the wait is withdrawn (its
 * abort runs) and the task resumes with the error at its `yield*`, as if the
 * operation had failed. Used when no wait can ever complete (a deadlock).
 */
export function interrupt(task: TaskRecord<unknown>, error: unknown): void {
  if (task.suspension === null || task.resumeKind !== NONE) return;
  // A shielded wait cannot be withdrawn (and its abort is not asked twice); it
  // ends all the same, as nothing can ever complete it: the trap's throw()
  // drops its registration (trap.ts).
  if (!task.suspension.shielded) withdrawWait(task);
  task.suspension = null;
  task.resumeKind = THROW;
  task.resumeValue = error;
  task.runtime.wake(task);
}

/**
 * Takes `task` off the wait it is parked on, if any: the wait's abort undoes
 * its registration (its error fails the task). A wait that reports FAILED
 * (shielded, trap.ts) keeps the task parked on it, unless it has woken the
 * task already.
 */
function withdrawWait(task: TaskRecord<unknown>): void {
  const suspension = task.suspension;
  if (suspension === null) return;
  task.suspension = null;
  let outcome: Abort = WITHDRAWN;
  try {
    outcome = suspension.abort();
  } catch (error) {
    recordError(task, error);
  }
  if (outcome === ABORT_FAILED && task.resumeKind === NONE) task.suspension = suspension;
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
    withdrawWait(task);
    if (task.suspension === null) {
      task.resumeKind = NONE;
      task.resumeValue = undefined;
      task.runtime.ready.remove(task);
    } // else it stays parked on a shielded wait: see advance()
  }
  if (status <= COMPLETING) task.status = TEARDOWN;
  notify(task);
}

/**
 * Ends the tree under `root` at once without running any more of its code —
 * no `finally` block, no cleanup — as if the process running it had stopped:
 * each task's wait is withdrawn (a channel or lock it waited on forgets it; a
 * woken wait gives back what it was handed), its timers are removed, and it
 * ends CANCELLED, children first, its joiners woken. For durable coroutines
 * whose state lives in a store: a worker that stops hands them back instead
 * of unwinding them (their `finally` blocks run where they are resumed).
 * Throws if a task of the tree is executing.
 */
export function abandon(root: TaskRecord<unknown>): void {
  const tasks: TaskRecord<unknown>[] = [];
  const pending: TaskRecord<unknown>[] = [root];
  for (let task = pending.pop(); task !== undefined; task = pending.pop()) {
    if (task === currentTask()) throw new Error(`abandon(task): ${task} is executing`);
    tasks.push(task);
    for (let child = task.lastChild; child !== null; child = child.prevSibling) pending.push(child);
  }
  for (let i = tasks.length - 1; i >= 0; i--) {
    const task = tasks[i]!;
    if (task.status >= COMPLETED) continue;
    task.halting = true;
    const extra = task.extra;
    if (extra !== null) {
      extra.onCancel = null;
      extra.cleanups = null;
      extra.errors = null;
      extra.unobserved = null;
    }
    const suspension = task.suspension;
    task.suspension = null;
    if (suspension !== null) {
      try {
        // A shielded wait reports FAILED and keeps its registration: its throw() drops it, as for a deadlock (trap.ts).
        if (suspension.abort() === ABORT_FAILED) (suspension as Partial<Iterator<unknown>>).throw?.(new Error(`${task} was abandoned`));
      } catch {
        // The tree is gone: an error of its wait has nobody left to fail.
      }
    }
    task.resumeKind = NONE;
    task.resumeValue = undefined;
    task.runtime.ready.remove(task);
    finish(task);
  }
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
export function notify(task: TaskRecord<unknown>): void {
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
      if (isDetached(task)) return; // off the run loop: its teardown starts when it is attached
      if (task.ownChildren > 0) {
        requestCancel(lastOwnChild(task));
        return;
      }
      if (task.suspension !== null) {
        // Parked on a wait its cancellation could not withdraw (a shielded
        // trap): its frames count as unwinding now, and the trap resumes them
        // with return() when it completes (trap.ts).
        task.unwindDepth = frameDepth(task);
        return;
      }
      if (task.frame !== null) {
        task.unwindDepth = frameDepth(task);
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
    const last = lastAwaitedChild(task);
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

/** The youngest child that is not a daemon (the caller knows there is one). */
function lastOwnChild(task: TaskRecord<unknown>): TaskRecord<unknown> {
  let child = task.lastChild!;
  while ((child.flags & DAEMON) !== 0) child = child.prevSibling!;
  return child;
}

/** The youngest child a closing task waits for: a resource waits for its cleanup to tear it down. */
function lastAwaitedChild(task: TaskRecord<unknown>): TaskRecord<unknown> | null {
  let child = task.lastChild;
  while (child !== null && (child.flags & RESOURCE) !== 0) child = child.prevSibling;
  return child;
}

function finish(task: TaskRecord<unknown>): void {
  if ((task.flags & SUPERVISOR) !== 0) unobservedFailures(task);
  task.status = task.extra?.errors ? FAILED : task.halting ? CANCELLED : COMPLETED;
  if (probing.on) dispatch.ended(task);
  task.body = null;
  task.frame = null;
  task.below = null;
  const extra = task.extra;
  if (extra !== null) {
    extra.onCancel = null;
    if (task.status === CANCELLED && extra.cancelledByUser && task.parent === null && extra.promise !== null) {
      // Whoever cancelled a root task has seen its outcome; don't report it as unhandled.
      extra.promise.catch(ignore);
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
  if (parent === null) {
    if (task.runtime.root === task) task.runtime.ended();
    return;
  }
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
