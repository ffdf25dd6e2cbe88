import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { isOwnOperation, operation } from "./core/operation.js";
import { AFTER, AT_ONCE, PARK, Trap, type Begun } from "./core/trap.js";
import { holdExternal, releaseExternal, requireCurrent } from "./core/runtime.js";
import { addCleanup, onHalt } from "./core/task.js";
import { inAsyncContext } from "./async-context.js";
import { Cancelled } from "./errors.js";
import type { Operation } from "./types.js";
import type { TaskRecord } from "./core/task.js";
import { checkFunction, isGeneratorObject, isOperation } from "./validate.js";

/**
 * Whether `value` is unmistakably an operation rather than a value that
 * happens to be iterable (call() may well return Headers or a Map): a
 * generator object, an object whose iterator is a generator function, or one
 * of Strand's own operation objects.
 */
function looksLikeOperation(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (isGeneratorObject(value) || isOwnOperation(value)) return true;
  const iterate = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  // Found here rather than at import, so that a program without call() bundles none of this.
  const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as typeof Function;
  return typeof iterate === "function" && iterate instanceof GeneratorFunction;
}

function describe(value: object): string {
  return isGeneratorObject(value) ? "a generator object: did you pass a generator function?" : (value.constructor?.name ?? "an object");
}

const WAITING = 0; // executor running or callback pending
const RESOLVED = 1;
const REJECTED = 2;
const ABORTED = 3; // the task was cancelled first; later settlements are ignored

type Executor<T> = (resolve: (value: T) => void, reject: (error: unknown) => void) => (() => void) | void;

/**
 * A wait for something outside the runtime to settle: `start` (each kind's
 * own) runs in the task, then the task parks until it settles, unless it
 * settled at once; the cleanup `start` set runs exactly once. While parked,
 * the wait counts as outside work. Three kinds: `action(executor)`,
 * `call(fn)`, and `awaitable(promise)`, which a program that awaits no
 * callback of its own pulls in alone (a channel's `each` awaits an async
 * body's promise with it).
 */
abstract class Settlement<T> extends Trap<T> {
  state: number = WAITING;
  outcome: unknown = undefined;
  cleanup: (() => void) | null = null;
  /** It parked, counting as outside work until it settles or is aborted. */
  private holding = false;

  constructor() {
    super(AFTER); // the callback has run: it cannot be held back, so the budget yield comes after
  }

  /** Runs the callback (or follows the promise); may settle at once. */
  protected abstract start(me: TaskRecord<unknown>): void;

  protected begin(me: TaskRecord<unknown>): Begun {
    this.start(me);
    if (this.state !== WAITING) return AT_ONCE; // an immediate completion like any other: it counts against the budget
    holdExternal(me);
    this.holding = true;
    return PARK;
  }

  /** Settles as `promise` does. */
  protected follow(promise: PromiseLike<unknown>): void {
    promise.then(
      (value) => this.settle(RESOLVED, value),
      (error) => this.settle(REJECTED, error),
    );
  }

  settle(state: number, value: unknown): void {
    if (this.state !== WAITING) return;
    this.state = state;
    this.outcome = value;
    if (this.parked) this.wake();
  }

  protected result(): T {
    this.release();
    this.runCleanup();
    if (this.state === REJECTED) throw this.outcome;
    return this.outcome as T;
  }

  abort(): Abort {
    if (this.state === WAITING) this.state = ABORTED;
    this.runCleanup();
    this.release();
    return WITHDRAWN;
  }

  /** Cancelled at the budget yield after settling at once: the cleanup still runs. */
  protected override unwound(): void {
    this.runCleanup();
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    releaseExternal(this.task);
  }

  private runCleanup(): void {
    const cleanup = this.cleanup;
    this.cleanup = null;
    if (cleanup !== null) cleanup();
  }
}

/** `call(fetchUser)`, or `call()` for an anonymous function: how dumps and probes show the wait. */
function named(kind: string, callback: { readonly name: string }): string {
  return callback.name !== "" ? `${kind}(${callback.name})` : `${kind}()`;
}

/** `action(executor)`: the executor gets resolve and reject, and may return a cleanup. */
class Action<T> extends Settlement<T> {
  constructor(private readonly executor: Executor<T>) {
    super();
  }

  protected get what(): string {
    return "action()";
  }

  protected start(): void {
    try {
      const cleanup = this.executor(
        (value) => this.settle(RESOLVED, value),
        (error) => this.settle(REJECTED, error),
      );
      if (typeof cleanup === "function") this.cleanup = cleanup;
    } catch (error) {
      this.settle(REJECTED, error);
    }
  }

  protected again(): Action<T> {
    return new Action(this.executor);
  }

  override describe(): string {
    return named("action", this.executor);
  }
}

/** `call(fn)`: fn's promise (or plain value) is the result; its signal aborts if the task is cancelled while waiting. */
class Call<T> extends Settlement<T> {
  constructor(private readonly fn: (signal: AbortSignal) => T | PromiseLike<T>) {
    super();
  }

  protected get what(): string {
    return "call()";
  }

  protected start(me: TaskRecord<unknown>): void {
    const fn = this.fn;
    const controller = new AbortController();
    let result: T | PromiseLike<T>;
    try {
      result = inAsyncContext(me.runtime, () => fn(controller.signal));
    } catch (error) {
      this.settle(REJECTED, error);
      return;
    }
    if (!isThenable(result)) {
      if (looksLikeOperation(result)) {
        throw new TypeError(
          `call(fn): fn returned an operation (${describe(result as object)}); call() is for promises and plain values: use yield* on it directly`,
        );
      }
      this.settle(RESOLVED, result);
      return;
    }
    this.follow(result);
    // Cancelled while waiting: abort the signal (the late settlement is ignored).
    this.cleanup = () => {
      if (this.state === ABORTED) controller.abort(new Cancelled(me));
    };
  }

  protected again(): Call<T> {
    return new Call(this.fn);
  }

  override describe(): string {
    return named("call", this.fn);
  }
}

/** `awaitable(promise)`: a promise that already exists (a callback's), awaited. */
class Awaiting<T> extends Settlement<T> {
  constructor(private readonly promise: PromiseLike<T>) {
    super();
  }

  protected get what(): string {
    return "a promise";
  }

  protected start(): void {
    this.follow(this.promise);
  }

  protected again(): Awaiting<T> {
    return new Awaiting(this.promise);
  }

  override describe(): string {
    return "a promise";
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
  return new Action<T>(executor);
}

/**
 * What a callback returned, as something a task can wait for: a promise (an
 * async callback) becomes an operation that awaits it; anything else is
 * returned as it is.
 */
export function awaitable(value: unknown): unknown {
  return isThenable(value) && !isOperation(value) ? new Awaiting(value) : value;
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
  return new Call<T>(fn);
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

const holdOperation: Operation<() => void> = /* @__PURE__ */ operation(holding);

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

/**
 * An `AbortSignal` that aborts when the current task ends or is cancelled —
 * for promise APIs used across several calls (`fetch`, streams, timers), where
 * `call(fn)`'s own signal, which covers one call, would not do. Cancellation
 * (or a failure) aborts it at once, before any teardown, with `Cancelled` as
 * its reason; an ordinary end aborts it after the task's `finally` blocks and
 * children, with the platform's default `AbortError`.
 *
 * ```ts
 * const signal = yield* useAbortSignal();
 * const user = yield* call(() => fetch(`/users/${id}`, { signal }));
 * const posts = yield* call(() => fetch(`/users/${id}/posts`, { signal }));
 * ```
 */
export function useAbortSignal(): Operation<AbortSignal> {
  return abortSignalOperation;
}

const abortSignalOperation: Operation<AbortSignal> = /* @__PURE__ */ operation(signalling);

// eslint-disable-next-line require-yield
function* signalling(): Iterator<Instruction, AbortSignal, unknown> {
  const me = requireCurrent("useAbortSignal()");
  const controller = new AbortController();
  onHalt(me, () => controller.abort(new Cancelled(me)));
  addCleanup(me, () => {
    if (!controller.signal.aborted) controller.abort();
  });
  return controller.signal;
}
