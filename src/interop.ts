import { Suspension, WITHDRAWN, YIELD_NOW, type Abort, type Instruction } from "./core/instructions.js";
import { Bound, operation } from "./core/operation.js";
import { budgetSpent, holdExternal, releaseExternal, requireCurrent } from "./core/runtime.js";
import { Cancelled } from "./errors.js";
import type { Operation } from "./types.js";
import { TaskRecord } from "./core/task.js";
import { checkFunction, isGeneratorObject, isOperation } from "./validate.js";

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as unknown;

/**
 * Whether `value` is unmistakably an operation rather than a value that
 * happens to be iterable (call() may well return Headers or a Map): a
 * generator object, an object whose iterator is a generator function, or one
 * of Strand's own operation objects.
 */
function looksLikeOperation(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (isGeneratorObject(value) || value instanceof Suspension || value instanceof TaskRecord || value instanceof Bound) return true;
  const iterate = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  return typeof iterate === "function" && iterate instanceof (GeneratorFunction as typeof Function);
}

function describe(value: object): string {
  return isGeneratorObject(value) ? "a generator object: did you pass a generator function?" : (value.constructor?.name ?? "an object");
}

const WAITING = 0; // executor running or callback pending
const RESOLVED = 1;
const REJECTED = 2;
const ABORTED = 3; // the task was cancelled first; later settlements are ignored

/** Parks until a callback settles it; runs the executor's cleanup exactly once. */
class Settlement extends Suspension {
  /** "call(fetchUser)", "action(once)": what a dump shows it waits on. */
  label = "action()";
  state: number = WAITING;
  value: unknown = undefined;
  parked = false;
  cleanup: (() => void) | null = null;

  settle(state: number, value: unknown): void {
    if (this.state !== WAITING) return;
    this.state = state;
    this.value = value;
    if (this.parked) this.wake();
  }

  describe(): string {
    return this.label;
  }

  abort(): Abort {
    if (this.state === WAITING) this.state = ABORTED;
    this.runCleanup();
    return WITHDRAWN;
  }

  runCleanup(): void {
    const cleanup = this.cleanup;
    this.cleanup = null;
    if (cleanup !== null) cleanup();
  }
}

/**
 * Wraps a callback API: `executor` receives `resolve` and `reject`, and may
 * return a cleanup that runs once, when the operation settles or is cancelled.
 * Calls after the first settlement are ignored.
 *
 * ```ts
 * function* once(emitter: EventEmitter, event: string): Operation<unknown> {
 *   return yield* action((resolve) => {
 *     emitter.once(event, resolve);
 *     return () => emitter.off(event, resolve);
 *   });
 * }
 * ```
 */
export function action<T>(
  executor: (resolve: (value: T) => void, reject: (error: unknown) => void) => (() => void) | void,
): Operation<T> {
  checkFunction("action(executor)", "executor", executor);
  return operation(acting<T>, executor);
}

type Executor<T> = (resolve: (value: T) => void, reject: (error: unknown) => void) => (() => void) | void;

function* acting<T>(executor: Executor<T>): Iterator<Instruction, T, unknown> {
  const me = requireCurrent("action()");
  const settlement = new Settlement(me);
  if (executor.name !== "") settlement.label = `action(${executor.name})`;
  try {
    const cleanup = executor(
      (value) => settlement.settle(RESOLVED, value),
      (error) => settlement.settle(REJECTED, error),
    );
    if (typeof cleanup === "function") settlement.cleanup = cleanup;
  } catch (error) {
    settlement.settle(REJECTED, error);
  }
  return (yield* awaiting(me, settlement)) as T;
}

/**
 * Parks on a settlement unless it settled already (then spends budget), and
 * runs its cleanup. While parked, the wait counts as outside work: something
 * outside the runtime will settle it.
 */
function* awaiting(me: TaskRecord<unknown>, settlement: Settlement): Generator<Instruction, unknown, unknown> {
  try {
    if (settlement.state === WAITING) {
      settlement.parked = true;
      holdExternal(me);
      try {
        yield settlement;
      } finally {
        releaseExternal(me);
      }
    } else if (budgetSpent()) {
      yield YIELD_NOW;
    }
  } finally {
    settlement.runCleanup();
  }
  if (settlement.state === REJECTED) throw settlement.value;
  return settlement.value;
}

/**
 * What a callback returned, as something a task can wait for: a promise (an
 * async callback) becomes an operation that awaits it; anything else is
 * returned as it is.
 */
export function awaitable(value: unknown): unknown {
  return isThenable(value) && !isOperation(value) ? call(() => value) : value;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/**
 * Calls async code from a task: `fn` receives an `AbortSignal` that aborts if the
 * task is cancelled while waiting, and its promise (or plain value) becomes the
 * operation's result.
 *
 * ```ts
 * const response = yield* call((signal) => fetch(url, { signal }));
 * ```
 */
export function call<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Operation<T> {
  checkFunction("call(fn)", "fn", fn);
  return operation(calling<T>, fn);
}

function* calling<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Iterator<Instruction, T, unknown> {
  const me: TaskRecord<unknown> = requireCurrent("call()");
  const controller = new AbortController();
  let result: T | PromiseLike<T>;
  try {
    result = fn(controller.signal);
  } catch (error) {
    // An immediate completion like any other: it counts against the budget.
    if (budgetSpent()) yield YIELD_NOW;
    throw error;
  }
  if (!isThenable(result)) {
    if (looksLikeOperation(result)) {
      throw new TypeError(
        `call(fn): fn returned an operation (${describe(result as object)}); call() is for promises and plain values: use yield* on it directly`,
      );
    }
    if (budgetSpent()) yield YIELD_NOW;
    return result as T;
  }
  const settlement = new Settlement(me);
  settlement.label = fn.name !== "" ? `call(${fn.name})` : "call()";
  result.then(
    (value) => settlement.settle(RESOLVED, value),
    (error) => settlement.settle(REJECTED, error),
  );
  // Cancelled while waiting: abort the signal (the late settlement is ignored).
  settlement.cleanup = () => {
    if (settlement.state === ABORTED) controller.abort(new Cancelled(me));
  };
  return (yield* awaiting(me, settlement)) as T;
}

/**
 * Counts outside work that may still wake a task of the current run: a socket,
 * a worker, a callback API that `action()` does not wrap. Returns the release
 * function (calling it again does nothing). While any is held, the run is not
 * reported as deadlocked, and `runTest`'s virtual clock does not jump ahead of
 * real time. `call()` and `action()` hold for themselves while they wait.
 *
 * ```ts
 * const release = yield* hold();
 * socket.once("close", release);
 * ```
 */
export function hold(): Operation<() => void> {
  return holdOperation;
}

const holdOperation: Operation<() => void> = operation(holding);

// eslint-disable-next-line require-yield
function* holding(): Iterator<Instruction, () => void, unknown> {
  const me = requireCurrent("hold()");
  holdExternal(me);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    releaseExternal(me);
  };
}
