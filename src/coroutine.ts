/**
 * The Go seed's coroutine (dispatchrun/coroutine), on a plain generator: no
 * scheduler, no runtime. The body yields values of type R from anywhere down its
 * `yield*` call chain and receives values of type S back.
 *
 * | state    | next()                        | stop()                        |
 * |----------|-------------------------------|-------------------------------|
 * | ready    | runs to the next yield → true | unwinds (finally runs) → done |
 * | done     | false                         | nothing                       |
 */

/**
 * A coroutine's whole state, for the durable snapshot (src/durable/snapshot.ts).
 * @internal
 */
export interface CoroutineState {
  generator: Generator<unknown, unknown, unknown>;
  sent: unknown;
  received: unknown;
  finished: boolean;
  value: unknown;
}

/** @internal */
export function coroutineState(coroutine: Coroutine<unknown, unknown, unknown>): CoroutineState {
  const c = coroutine as unknown as CoroutineState;
  return { generator: c.generator, sent: c.sent, received: c.received, finished: c.finished, value: c.value };
}

/** @internal */
export function coroutineFromState<R, S, T>(state: CoroutineState): Coroutine<R, S, T> {
  const coroutine = Object.create(Coroutine.prototype) as CoroutineState;
  coroutine.generator = state.generator;
  coroutine.sent = state.sent;
  coroutine.received = state.received;
  coroutine.finished = state.finished;
  coroutine.value = state.value;
  return coroutine as unknown as Coroutine<R, S, T>;
}

/** A generator-backed coroutine: `R` flows out through `recv()`, `S` in through `send()`. */
export class Coroutine<R, S = undefined, T = void> {
  private readonly generator: Generator<R, T, S | undefined>;
  private sent: S | undefined = undefined;
  private received: R | undefined = undefined;
  private finished = false;
  private value: T | undefined = undefined;

  /**
   * ```ts
   * const counter = new Coroutine(function* () {
   *   for (let i = 0; i < 3; i++) yield i;
   * });
   * while (counter.next()) console.log(counter.recv()); // 0 1 2
   * ```
   */
  constructor(body: () => Generator<R, T, S | undefined>) {
    if (typeof body !== "function") throw new TypeError(`new Coroutine(body): body must be a generator function, got ${String(body)}`);
    const generator = body();
    if (generator === null || typeof generator !== "object" || typeof generator.next !== "function") {
      throw new TypeError("new Coroutine(body): body must return a generator (use function*)");
    }
    this.generator = generator;
  }

  /**
   * Runs the coroutine to its next yield: true if it yielded (read the value with
   * `recv()`, answer with `send()`), false once it has returned. An error thrown
   * by the body comes out of `next()`.
   */
  next(): boolean {
    if (this.finished) return false;
    const sent = this.sent;
    this.sent = undefined;
    let result: IteratorResult<R, T>;
    try {
      result = this.generator.next(sent);
    } catch (error) {
      this.finished = true;
      throw error;
    }
    if (result.done === true) {
      this.finished = true;
      this.value = result.value;
      return false;
    }
    this.received = result.value;
    return true;
  }

  /** The value the coroutine last yielded. */
  recv(): R {
    return this.received as R;
  }

  /** The value the coroutine's pending `yield` evaluates to when it next resumes. */
  send(value: S): void {
    this.sent = value;
  }

  /**
   * Stops the coroutine: it unwinds from its yield point like a `return`, so its
   * `finally` blocks run now. Yielding during that unwinding is an error, thrown
   * here. Stopping a finished coroutine does nothing.
   */
  stop(): void {
    if (this.finished) return;
    this.finished = true;
    let result = this.generator.return(undefined as T);
    while (result.done !== true) {
      result = this.generator.throw(new Error("Coroutine yielded after stop(): a stopped coroutine must not yield"));
    }
  }

  /** True once the body has returned, thrown, or been stopped. */
  get done(): boolean {
    return this.finished;
  }

  /** What the body returned (undefined until it has). */
  get result(): T {
    return this.value as T;
  }

  /**
   * Drives `coroutine` to the end, answering each yielded value with `f(value)`,
   * and returns the body's result.
   *
   * ```ts
   * const total = Coroutine.run(summer, (n) => n * 2);
   * ```
   */
  static run<R, S, T>(coroutine: Coroutine<R, S, T>, f: (value: R) => S): T {
    if (!(coroutine instanceof Coroutine)) throw new TypeError("Coroutine.run(coroutine, f): coroutine must be a Coroutine");
    if (typeof f !== "function") throw new TypeError("Coroutine.run(coroutine, f): f must be a function");
    while (coroutine.next()) coroutine.send(f(coroutine.recv()));
    return coroutine.result;
  }
}
