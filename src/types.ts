import type { Instruction } from "./core/instructions.js";

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

/** The result type of an operation. */
export type Result<O> = O extends Operation<infer T> ? T : never;
