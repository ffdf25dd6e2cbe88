/**
 * Operations made from a generator function and its arguments, without a new
 * closure per call.
 *
 * Why: in V8 every new generator function (a `function*` or generator method
 * created inside another function, e.g. `{ *[Symbol.iterator]() {...} }` in an
 * object literal) gets its own `prototype` and hidden class on first call,
 * which costs microseconds. `operation(body, a, b, c)` keeps `body` at module
 * level — one function, one hidden class — and stores only the arguments.
 */
import type { Instruction } from "./instructions.js";

/**
 * An operation: anything whose iterator yields instructions to the Strand run
 * loop and returns a `T`. Write them as generator functions and compose them
 * with `yield*`, so TypeScript infers every result:
 *
 * ```ts
 * function* twice(): Operation<number> {
 *   yield* sleep(10);
 *   return 2;
 * }
 * ```
 */
export interface Operation<T> {
  [Symbol.iterator](): Iterator<Instruction, T, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}


/** The iterator methods of the built-in collections: iterable, but never operations. */
const arrayIterator: unknown = Array.prototype[Symbol.iterator];
const mapIterator: unknown = Map.prototype[Symbol.iterator];
const setIterator: unknown = Set.prototype[Symbol.iterator];
const typedArrayIterator: unknown = (Object.getPrototypeOf(Uint8Array.prototype) as Iterable<unknown>)[Symbol.iterator];

/**
 * Whether `value` can be an operation: an object with `[Symbol.iterator]`.
 * Collections are iterable too but never operations (`run([])` would otherwise
 * complete with undefined), so arrays, typed arrays, maps and sets are not
 * (recognised by their built-in iterator method: a few identity compares, as
 * this runs once per task).
 */
export function isOperation(value: unknown): value is Operation<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const iterate = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  return (
    typeof iterate === "function" &&
    iterate !== arrayIterator &&
    iterate !== mapIterator &&
    iterate !== setIterator &&
    iterate !== typedArrayIterator
  );
}

const toTag = Object.prototype.toString;

/** A generator object (what calling a generator function returns): it can be run once. */
export function isGeneratorObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && toTag.call(value) === "[object Generator]";
}

const OWN: unique symbol = Symbol("strand operation");

/**
 * Marks the instances of `klass` (and of its subclasses) as Strand's own
 * operation objects — traps and waiters (through `Suspension`), bound
 * generators, task handles, wait handles — so that `call()` can tell them from
 * values that merely happen to be iterable.
 */
export function ownOperation(klass: abstract new (...args: never[]) => object): void {
  Object.defineProperty(klass.prototype, OWN, { value: true });
}

/** True for Strand's own operation objects (see `ownOperation`). */
export function isOwnOperation(value: object): boolean {
  return OWN in value;
}

/** Generator objects that a task has started as its body: running one again would silently do nothing. */
export const startedGenerators = new WeakSet<object>();

type Body<T, A, B, C> = (a: A, b: B, c: C) => Iterator<Instruction, T, unknown>;

export class Bound<T, A, B, C> implements Operation<T> {
  constructor(
    private readonly body: Body<T, A, B, C>,
    private readonly a: A,
    private readonly b: B,
    private readonly c: C,
  ) {}

  [Symbol.iterator](): Iterator<Instruction, T, unknown> {
    return this.body(this.a, this.b, this.c);
  }
}

ownOperation(Bound);

/** An operation that runs the module-level generator `body` with the given arguments each time it is iterated. */
export function operation<T>(body: () => Iterator<Instruction, T, unknown>): Operation<T>;
export function operation<T, A>(body: (a: A) => Iterator<Instruction, T, unknown>, a: A): Operation<T>;
export function operation<T, A, B>(body: (a: A, b: B) => Iterator<Instruction, T, unknown>, a: A, b: B): Operation<T>;
export function operation<T, A, B, C>(body: Body<T, A, B, C>, a: A, b: B, c: C): Operation<T>;
export function operation<T, A, B, C>(body: Body<T, A, B, C>, a?: A, b?: B, c?: C): Operation<T> {
  return new Bound(body, a as A, b as B, c as C);
}
