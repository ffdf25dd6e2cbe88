import { Call, type Instruction } from "./core/instructions.js";
import { requireCurrent } from "./core/runtime.js";
import { recordSite, siteOf } from "./core/frames.js";
import type { Operation } from "./types.js";
import { checkFunction, isOperation } from "./validate.js";

/**
 * One call of an `fn` operation. Its iterator yields itself as a `Call`
 * instruction; the run loop opens the callee as the task's new top frame and,
 * when the callee ends, resumes this iterator with the result (or throws into
 * it), which hands it to the caller's `yield*`.
 */
class FnCall<T> extends Call implements Iterator<Instruction, T, unknown> {
  private started = false;

  constructor(private readonly operation: FnOperation<T>) {
    super();
  }

  get function(): (...args: never[]) => unknown {
    return this.operation.body;
  }

  get location(): string | undefined {
    return siteOf(this.operation);
  }

  open(): Iterator<Instruction, unknown, unknown> {
    const { body, self, args } = this.operation;
    const operation = body.apply(self, args);
    if (!isOperation(operation)) {
      throw new TypeError(
        `fn(body): ${body.name === "" ? "the body" : body.name} returned ${String(operation)}, expected an operation (write the body as a generator function)`,
      );
    }
    return operation[Symbol.iterator]();
  }

  next(value?: unknown): IteratorResult<Instruction, T> {
    if (this.started) return { done: true, value: value as T };
    requireCurrent("an fn() operation");
    this.started = true;
    return { done: false, value: this };
  }

  throw(error: unknown): IteratorResult<Instruction, T> {
    throw error;
  }

  return(value?: unknown): IteratorResult<Instruction, T> {
    return { done: true, value: value as T };
  }
}

class FnOperation<T> implements Operation<T> {
  constructor(
    readonly body: (...args: any[]) => Operation<T>, // eslint-disable-line @typescript-eslint/no-explicit-any
    readonly self: unknown,
    readonly args: unknown[],
  ) {
    recordSite(this); // where the call was made, in frame debug mode only
  }
  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    return new FnCall(this);
  }
}

/**
 * The recommended way to write operations that call each other deeply: wrap the
 * generator function with `fn`. The run loop trampolines calls to it — frames
 * live on the heap, a resume costs the same at depth 10,000 as at depth 1, and
 * recursion is bounded by memory rather than the native stack. Plain `yield*`
 * of raw generators still works, but V8 resumes through every level each time
 * and overflows near 10,000 levels.
 *
 * ```ts
 * const depth = fn(function* (n: number): Operation<number> {
 *   if (n === 0) { yield* sleep(1); return 0; }
 *   return 1 + (yield* depth(n - 1));
 * });
 * yield* depth(100_000);
 * ```
 */
export function fn<A extends unknown[], T>(body: (...args: A) => Operation<T>): (...args: A) => Operation<T> {
  checkFunction("fn(body)", "body", body);
  const call = function (this: unknown, ...args: A): Operation<T> {
    return new FnOperation(body, this, args);
  };
  Object.defineProperty(call, "name", { value: body.name });
  return call;
}
