/**
 * `forEach` and `map`: a body over an iterable or async iterable, pulled
 * lazily, at most `concurrency` at once (Effect's `forEach({ concurrency })`,
 * Go's errgroup with `SetLimit`, p-map).
 *
 * Both run in a scope (`scoped`): a failure cancels the rest and is thrown at
 * the caller. Inside it, worker tasks share one pull: each takes the next item
 * when it is free and runs the body in its own frames, so an item costs a pull
 * and the body, not a task. Workers start lazily: a worker that takes an item
 * starts another (up to `concurrency`) before running the body, so a short
 * input never starts more workers than it has items.
 *
 * Invariants:
 * - An item is pulled only by a worker about to run it (lazy), and each index
 *   is pulled once; `map` writes result `i` into slot `i`.
 * - The scope body returns at once; the scope's result (the results array,
 *   filled by the workers) is delivered only once every worker has ended.
 * - The source is closed (`return()`) when the scope ends before exhausting it
 *   — a failure, a cancellation — as `for-of` closes its iterator. A Strand
 *   channel is received from directly (in the worker's task, no promise per
 *   item) and is not closed: other receivers may go on.
 */
import type { Instruction } from "./core/instructions.js";
import { isOperation, isOwnOperation, operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { addCleanup, createTask, isHalting, type TaskRecord } from "./core/task.js";
import { call } from "./interop.js";
import { ChannelImpl } from "./channel/channel.js";
import { scoped } from "./scope.js";
import type { Operation } from "./types.js";
import { checkFunction, checkOptions, show } from "./validate.js";

export interface ForEachOptions {
  /**
   * How many bodies may run at once: an integer ≥ 1, or `Infinity`. Default 1
   * (one after another, as a `for` loop would).
   */
  concurrency?: number;
}

/** The items, as one shared pull. */
class Source<T, R> {
  /** Items pulled so far: the next item's index. */
  pulled = 0;
  workers = 0;
  exhausted = false;
  /** Async sources: the chain of next() calls, so that two never overlap. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly what: string,
    readonly sync: Iterator<T> | null,
    readonly async: AsyncIterator<T> | null,
    /** A Strand channel: pulled with receiveCatching() in the worker's own task. */
    readonly channel: ChannelImpl<T> | null,
    readonly body: (item: T, index: number) => Operation<R>,
    readonly limit: number,
    readonly results: R[] | null,
  ) {}

  nextAsync(): Promise<IteratorResult<T>> {
    const iterator = this.async!;
    const next = this.chain.then(
      () => iterator.next(),
      () => iterator.next(),
    );
    this.chain = next;
    return next;
  }

  close(): void {
    if (this.exhausted) return;
    this.exhausted = true;
    if (this.channel !== null) return; // not ours to close: other receivers may go on
    if (this.sync !== null) this.sync.return?.();
    // An async source closes in the background: its return() may wait behind a pending next().
    else this.async!.return?.().then(undefined, () => {});
  }
}

function checkItems(
  what: string,
  items: unknown,
): { sync: Iterator<unknown> | null; async: AsyncIterator<unknown> | null; channel: ChannelImpl<unknown> | null } {
  if (items instanceof ChannelImpl) return { sync: null, async: null, channel: items };
  if (items !== null && items !== undefined) {
    const asyncIterate = (items as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
    if (typeof asyncIterate === "function") return { sync: null, async: asyncIterate.call(items) as AsyncIterator<unknown>, channel: null };
    const iterate = (items as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (typeof iterate === "function" && !(typeof items === "object" && isOwnOperation(items))) return { sync: iterate.call(items) as Iterator<unknown>, async: null, channel: null };
  }
  throw new TypeError(`${what}: items must be an iterable or an async iterable (not a Strand operation), got ${show(items)}`);
}

function checkEachBody(what: string, body: unknown): void {
  checkFunction(what, "body", body);
  const tag = Object.prototype.toString.call(body);
  if (tag === "[object AsyncFunction]" || tag === "[object AsyncGeneratorFunction]") {
    throw new TypeError(`${what}: body is an async function; it must be a generator function (function* (item, index) {...})`);
  }
}

function checkConcurrency(what: string, options: ForEachOptions | undefined): number {
  checkOptions(what, options);
  const concurrency = options?.concurrency ?? 1;
  if (typeof concurrency !== "number" || !(concurrency === Infinity || (Number.isSafeInteger(concurrency) && concurrency >= 1))) {
    throw new RangeError(`${what}: concurrency must be an integer ≥ 1 or Infinity, got ${show(concurrency)}`);
  }
  return concurrency;
}

function start<T, R>(what: string, items: unknown, body: (item: T, index: number) => Operation<R>, options: ForEachOptions | undefined, collect: boolean) {
  const limit = checkConcurrency(what, options);
  checkEachBody(what, body);
  const { sync, async, channel } = checkItems(what, items);
  const source = new Source<T, R>(
    what,
    sync as Iterator<T> | null,
    async as AsyncIterator<T> | null,
    channel as ChannelImpl<T> | null,
    body,
    limit,
    collect ? [] : null,
  );
  return scoped(operation(running<T, R>, source));
}

/**
 * Runs `body(item, index)` for every item of `items` (an iterable, an async
 * iterable, or a channel — received from until it is closed), pulled lazily,
 * at most `concurrency` at once (default 1), in child tasks. If one fails, the others are cancelled (their `finally` blocks run),
 * the source is closed, and the error is thrown here.
 *
 * ```ts
 * yield* forEach(urls, function* (url) {
 *   yield* call((signal) => fetch(url, { signal }));
 * }, { concurrency: 8 });
 * ```
 */
export function forEach<T>(
  items: Iterable<T> | AsyncIterable<T>,
  body: (item: T, index: number) => Operation<unknown>,
  options?: ForEachOptions,
): Operation<void> {
  return start("forEach(items, body, options)", items, body, options, false) as Operation<never>;
}

/**
 * Like `forEach`, and returns the bodies' results in input order (whatever
 * order they finish in).
 *
 * ```ts
 * const pages = yield* map(urls, (url) => fetchPage(url), { concurrency: 8 });
 * ```
 */
export function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  body: (item: T, index: number) => Operation<R>,
  options?: ForEachOptions,
): Operation<R[]> {
  return start("map(items, body, options)", items, body, options, true) as Operation<R[]>;
}

// eslint-disable-next-line require-yield
function* running<T, R>(source: Source<T, R>): Iterator<Instruction, R[] | undefined, unknown> {
  const scope = requireCurrent(source.what);
  addCleanup(scope, () => source.close());
  addWorker(scope, source);
  return source.results ?? undefined; // filled by the workers before the scope delivers it
}

function addWorker<T, R>(scope: TaskRecord<unknown>, source: Source<T, R>): void {
  source.workers++;
  createTask(operation(working<T, R>, scope, source), scope, scope.runtime, source.results === null ? "forEach" : "map", scope.priority, 0);
}

function* working<T, R>(scope: TaskRecord<unknown>, source: Source<T, R>): Iterator<Instruction, void, unknown> {
  const me = requireCurrent(source.what);
  const { body, results } = source;
  for (;;) {
    if (source.exhausted) return;
    let step: IteratorResult<T>;
    if (source.sync !== null) step = source.sync.next();
    else if (source.channel !== null) {
      const received = yield* source.channel.receiveCatching();
      if (!received.ok) {
        source.exhausted = true;
        if (received.cause !== undefined) throw source.channel.closedError();
        return;
      }
      step = { done: false, value: received.value };
    } else step = yield* call(() => source.nextAsync());
    if (step.done === true) {
      source.exhausted = true;
      return;
    }
    const index = source.pulled++;
    if (source.workers < source.limit) addWorker(scope, source);
    const operation = body(step.value, index);
    if (!isOperation(operation)) {
      throw new TypeError(`${source.what}: body returned ${show(operation)} for item ${index}, expected an operation (use a generator function)`);
    }
    const result = yield* operation;
    if (results !== null) results[index] = result;
    // A body whose suspending finally ran during a cancellation comes back
    // here as if it had returned (plain yield*): stop pulling.
    if (isHalting(me)) return;
  }
}
