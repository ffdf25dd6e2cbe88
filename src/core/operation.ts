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
import type { Operation } from "../types.js";

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

/** An operation that runs the module-level generator `body` with the given arguments each time it is iterated. */
export function operation<T>(body: () => Iterator<Instruction, T, unknown>): Operation<T>;
export function operation<T, A>(body: (a: A) => Iterator<Instruction, T, unknown>, a: A): Operation<T>;
export function operation<T, A, B>(body: (a: A, b: B) => Iterator<Instruction, T, unknown>, a: A, b: B): Operation<T>;
export function operation<T, A, B, C>(body: Body<T, A, B, C>, a: A, b: B, c: C): Operation<T>;
export function operation<T, A, B, C>(body: Body<T, A, B, C>, a?: A, b?: B, c?: C): Operation<T> {
  return new Bound(body, a as A, b as B, c as C);
}
