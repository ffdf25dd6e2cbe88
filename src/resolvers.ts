/**
 * `withResolvers<T>()`: a one-shot value settled from anywhere — plain code, a
 * callback, another task — and awaited by any number of tasks with
 * `yield* operation` (Effect's and kotlinx's `Deferred`, `Promise.withResolvers`).
 * Built on an `Event` that carries the outcome, so a wait is cancellable and
 * leaves nothing behind.
 */
import type { Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { Event } from "./sync/latch.js";
import type { Operation } from "./types.js";

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** What `withResolvers()` returns. */
export interface Resolvers<T> {
  /** Waits until settled; returns the value or throws the error. Any number of tasks may wait, any number of times. */
  operation: Operation<T>;
  /** Settles with `value`; false (and ignored) if it was settled already. */
  resolve: (value: T) => boolean;
  /** Settles with `error`, thrown to every waiter; false (and ignored) if it was settled already. */
  reject: (error: unknown) => boolean;
}

/**
 * A one-shot value, settled once from anywhere with `resolve` or `reject`,
 * awaited in tasks with `yield* operation` (which returns at once once it is
 * settled). Later settlements are ignored and return false.
 *
 * ```ts
 * const { operation: ready, resolve } = withResolvers<Server>();
 * yield* spawn(function* () { resolve(yield* listen(8080)); yield* serveForever(); });
 * const server = yield* ready;
 * ```
 */
export function withResolvers<T>(): Resolvers<T> {
  const settled = new Event<Outcome<T>>();
  return {
    operation: operation(awaiting<T>, settled),
    resolve: (value) => settled.set({ ok: true, value }),
    reject: (error) => settled.set({ ok: false, error }),
  };
}

function* awaiting<T>(settled: Event<Outcome<T>>): Iterator<Instruction, T, unknown> {
  requireCurrent("yield* withResolvers().operation");
  const outcome = yield* settled.wait();
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}
