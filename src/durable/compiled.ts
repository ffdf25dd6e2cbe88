/**
 * What compiled modules call: function descriptions and their registration,
 * and the small pieces of ECMAScript semantics the explode pass leaves to the
 * run time (iteration, destructuring taken apart, constants). Not for
 * hand-written code.
 */
import { Frame, FunctionInfo, GeneratorFunctionPrototype, THROW, type Body, type TryEntry } from "./frame.js";
import { registerClass, registerFunction, registerPrototype, registerType } from "./registry.js";
import { SnapshotError } from "./errors.js";
import { iterate, iteratorClose, step } from "./iteration.js";

export { iterate, step };

// Frames are data: saved field by field; their function by id (its module must be loaded to restore).
registerClass("strand:Frame", Frame);
registerType(
  FunctionInfo,
  {
    serialize: (info) => info.id,
    deserialize: (id) => {
      const found = typeof id === "string" ? infos.get(id) : undefined;
      if (found === undefined) throw new SnapshotError(`the snapshot has a frame of ${String(id)}, which is not loaded here: import its module before restoring`);
      return found;
    },
  },
  "strand:FunctionInfo",
);


const infos = new Map<string, FunctionInfo>();
const NO_POINTS: readonly number[] = [];

/** The compiled generator function `id` of a module loaded in this process, if any. */
export function functionInfo(id: string): FunctionInfo | undefined {
  return infos.get(id);
}

/**
 * A compiled function's static description, made once per function when its
 * module loads. Registers what a snapshot refers to by name: the prototype of
 * its generator objects (`id@generator`) and, when the body is at module level,
 * the body (`id@body`), both with the function's version hash. `points` is the
 * compiler's table from resume points to source lines (see `FunctionInfo.where`):
 * metadata of the code, which no snapshot holds. (Code compiled before the
 * compiler emitted it passes the body in its place.)
 */
export function info(id: string, hash: string, name: string, tries: TryEntry[], points?: readonly number[] | Body, body?: Body): FunctionInfo {
  if (typeof points === "function") {
    body = points;
    points = undefined;
  }
  const existing = infos.get(id);
  if (existing !== undefined && existing.hash === hash) return existing; // the module evaluated again
  const made = new FunctionInfo(id, hash, name, tries, points ?? NO_POINTS);
  infos.set(id, made);
  registerPrototype(`${id}@generator`, made.proto, hash);
  if (body !== undefined) registerFunction(`${id}@body`, body, hash);
  return made;
}

/** A frame resumed at a point its code does not have: the snapshot it came from was written by other code, or forged. */
export function badResume(frame: Frame): SnapshotError {
  return new SnapshotError(
    `a frame of ${frame.info.id} resumed at point ${String(frame.ip)}, which its code does not have: the snapshot was not written by this code (sign snapshots to refuse forged ones)`,
  );
}

/**
 * `define` for a generator function made inside another function (at every call
 * of it): only its name when the compiler had to rename it; reflection-only
 * details (its `prototype` property, its [[Prototype]]) are left as they are.
 */
export function defineInner<F extends Function>(_info: FunctionInfo, wrapper: F, name?: string): F {
  if (name !== undefined) Object.defineProperty(wrapper, "name", { value: name, configurable: true });
  return wrapper;
}

/** `define` for a module-level declaration: also registered by id, so snapshots may hold the function itself. */
export function declare<F extends Function>(info: FunctionInfo, wrapper: F, name?: string): F {
  define(info, wrapper, name);
  registerFunction(info.id, wrapper, info.hash);
  return wrapper;
}

/** Gives the wrapper of a compiled generator function its `prototype` (what its generator objects inherit). */
export function define<F extends Function>(info: FunctionInfo, wrapper: F, name?: string): F {
  if (name !== undefined) Object.defineProperty(wrapper, "name", { value: name, configurable: true });
  (wrapper as unknown as { prototype: object }).prototype = info.proto; // a function's own prototype is writable
  Object.setPrototypeOf(wrapper, GeneratorFunctionPrototype);
  return wrapper;
}

/** The error `new` gets on a compiled generator function (generators are not constructors). */
export function notConstructor(info: FunctionInfo): TypeError {
  return new TypeError(`${info.name || "a generator function"} is not a constructor`);
}

/** Assigning a constant in a compiled body (the compiler knows it statically). */
export function assignConstant(name: string): never {
  throw new TypeError(`Assignment to constant variable '${name}'.`);
}

/**
 * IteratorClose for a `for-of` left early (try entry `entry`'s finally): after a
 * throw, errors from `return()` are ignored and the throw goes on; otherwise
 * they are thrown, and `return()` must give an object.
 */
export function closeIterator(frame: Frame, entry: number, iterator: Iterator<unknown> | undefined): void {
  if (iterator === undefined) return;
  if (frame.ct === null || frame.ct[entry] !== THROW) {
    iteratorClose(iterator);
    return;
  }
  try {
    iteratorClose(iterator);
  } catch {
    // the throw that left the loop goes on
  }
}

/** The keys `for-in` visits, taken when the loop starts. */
export function keys(object: unknown): string[] {
  const result: string[] = [];
  if (object == null) return result;
  for (const key in object as object) result.push(key);
  return result;
}

/** Whether a for-in key is still there when its turn comes (deleted ones are skipped). */
export function hasKey(object: object, key: string): boolean {
  return key in object;
}

/** RequireObjectCoercible for object destructuring taken apart by the compiler. */
export function coercible(value: unknown): void {
  if (value == null) throw new TypeError(`Cannot destructure '${String(value)}' as it is ${value === null ? "null" : "undefined"}.`);
}

/** The rest of an object pattern: own enumerable properties not named before. */
export function rest(object: object, taken: unknown[]): Record<PropertyKey, unknown> {
  const result: Record<PropertyKey, unknown> = {};
  const skip = new Set(taken.map((key) => (typeof key === "symbol" ? key : String(key))));
  for (const key of Reflect.ownKeys(object)) {
    if (skip.has(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    if (descriptor?.enumerable) result[key as string] = (object as Record<PropertyKey, unknown>)[key as string];
  }
  return result;
}

/**
 * The elements an array pattern of `count` elements (and a rest element, when
 * `withRest`) reads from `iterable`: the first `count` values, then the rest as
 * an array. The iterator is closed when the pattern stops before its end.
 */
export function take(iterable: unknown, count: number, withRest: boolean): unknown[] {
  const iterator = iterate(iterable);
  const items: unknown[] = [];
  let done = false;
  for (let i = 0; i < count; i++) {
    if (!done) {
      const next = step(iterator);
      if (next.done) done = true;
      else {
        items.push(next.value);
        continue;
      }
    }
    items.push(undefined);
  }
  if (withRest) {
    const restItems: unknown[] = [];
    while (!done) {
      const next = step(iterator);
      if (next.done) done = true;
      else restItems.push(next.value);
    }
    items.push(restItems);
  } else if (!done) iteratorClose(iterator);
  return items;
}
