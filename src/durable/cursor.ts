/**
 * Iterators a snapshot can save: `for-of` and `yield*` over an array, a typed
 * array or a string use a cursor — the collection and an index, plain data —
 * instead of the engine's iterator object, which no snapshot can hold. Only
 * while the built-in iteration is unmodified (nobody replaced
 * `Array.prototype[Symbol.iterator]` or `%ArrayIteratorPrototype%.next`), so the
 * cursor visits exactly what the built-in iterator would: it reads the length
 * at each step, and once done it stays done.
 */
import { registerClass, registerFunction } from "./registry.js";

const arrayValues = Array.prototype[Symbol.iterator];
const arrayIteratorNext = (Object.getPrototypeOf([][Symbol.iterator]()) as Iterator<unknown>).next;
const arrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]()) as Iterator<unknown>;
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as { [Symbol.iterator]: unknown };
const typedArrayValues = typedArrayPrototype[Symbol.iterator];
const stringIterate = String.prototype[Symbol.iterator];
const stringIteratorPrototype = Object.getPrototypeOf(""[Symbol.iterator]()) as Iterator<unknown>;
const stringIteratorNext = stringIteratorPrototype.next;

const ARRAY = 0;
const STRING = 1;

export class Cursor {
  /** The collection; undefined once done. */
  source: ArrayLike<unknown> | string | undefined;
  index: number;
  kind: number;

  constructor(source: ArrayLike<unknown> | string, kind: number) {
    this.source = source;
    this.index = 0;
    this.kind = kind;
  }

  next(): IteratorResult<unknown> {
    const source = this.source;
    if (source === undefined) return { value: undefined, done: true };
    const index = this.index;
    if (this.kind === ARRAY) {
      if (index < (source as ArrayLike<unknown>).length) {
        this.index = index + 1;
        return { value: (source as ArrayLike<unknown>)[index], done: false };
      }
    } else if (index < (source as string).length) {
      const point = (source as string).codePointAt(index)!;
      const char = String.fromCodePoint(point);
      this.index = index + char.length;
      return { value: char, done: false };
    }
    this.source = undefined;
    return { value: undefined, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

registerClass("strand:Cursor", Cursor);
registerFunction("strand:Cursor.next", Cursor.prototype.next);

/** A cursor over `iterable` when its built-in iteration is unmodified; otherwise null. */
export function cursorOf(iterable: unknown): Cursor | null {
  if (typeof iterable === "string") {
    return (String.prototype as { [Symbol.iterator]: unknown })[Symbol.iterator] === stringIterate && stringIteratorPrototype.next === stringIteratorNext
      ? new Cursor(iterable, STRING)
      : null;
  }
  if (typeof iterable !== "object" || iterable === null || arrayIteratorPrototype.next !== arrayIteratorNext) return null;
  const iterate = (iterable as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (iterate === arrayValues && Array.isArray(iterable)) return new Cursor(iterable, ARRAY);
  if (iterate === typedArrayValues && ArrayBuffer.isView(iterable) && !(iterable instanceof DataView)) return new Cursor(iterable as unknown as ArrayLike<unknown>, ARRAY);
  return null;
}
