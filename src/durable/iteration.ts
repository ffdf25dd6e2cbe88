/**
 * ECMAScript's iteration steps as compiled coroutines need them — GetIterator,
 * IteratorStep, IteratorClose — written once for `for-of`, `yield*` and array
 * patterns. GetIterator prefers a saveable cursor (cursor.ts).
 */
import { cursorOf } from "./cursor.js";
import { show } from "../validate.js";

/** GetIterator(iterable): a cursor over an array, typed array or string, else the iterable's own iterator. */
export function iterate(iterable: unknown): Iterator<unknown> {
  const cursor = cursorOf(iterable);
  if (cursor !== null) return cursor;
  const method = iterable == null ? undefined : (iterable as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof method !== "function") throw new TypeError(`${show(iterable)} is not iterable`);
  const iterator = method.call(iterable) as unknown;
  if (typeof iterator !== "object" || iterator === null) throw new TypeError("Result of the Symbol.iterator method is not an object");
  return iterator as Iterator<unknown>;
}

/** IteratorStep: the result object of `next()`, checked. */
export function step(iterator: Iterator<unknown>): IteratorResult<unknown> {
  const next = iterator.next();
  if (typeof next !== "object" || next === null) throw new TypeError(`Iterator result ${show(next)} is not an object`);
  return next;
}

/** IteratorClose after a normal or jump completion: calls `return()`, which must give an object. */
export function iteratorClose(iterator: { return?: unknown }): void {
  const returner = iterator.return;
  if (returner == null) return;
  if (typeof returner !== "function") throw new TypeError("The iterator's 'return' is not a function");
  const inner = returner.call(iterator) as unknown;
  if (typeof inner !== "object" || inner === null) throw new TypeError("Iterator result is not an object");
}
