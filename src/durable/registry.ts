/**
 * The registry of what a snapshot may refer to by name: classes and prototypes
 * (their instances are saved as data and revived on the same prototype),
 * functions and closure factories (saved as a reference), and custom types
 * (saved through their own codec). A snapshot lists the ids it uses with their
 * version hashes; the process that restores it must have registered the same ids.
 *
 * Invariants:
 * 1. An id names one entry, of one kind, in this process: registering it again
 *    for anything else is a TypeError. Registering the same thing again under
 *    the same id and hash is a no-op (a module evaluated twice).
 * 2. A prototype, a function and a class have at most one entry: the encoder
 *    needs one id for each.
 * 3. Prototypes the serializer handles itself (Object, Array, Date, Map, Error…)
 *    cannot be registered.
 * 4. `closure()` only marks a function (two symbol-keyed stores, no check that
 *    the factory exists): it runs at every closure creation. The encoder checks.
 */
import { isBuiltinPrototype } from "./serialize-format.js";

/** What an entry is: the header of a snapshot lists each used entry with its kind. */
export const KIND_CLASS = 0;
export const KIND_PROTOTYPE = 1;
export const KIND_FUNCTION = 2;
export const KIND_CLOSURE = 3;
export const KIND_TYPE = 4;
export type EntryKind = typeof KIND_CLASS | typeof KIND_PROTOTYPE | typeof KIND_FUNCTION | typeof KIND_CLOSURE | typeof KIND_TYPE;

/** The kinds by name, as `inspectHeader` reports them. */
export const KIND_NAMES = ["class", "prototype", "function", "closure", "type"] as const;
export type EntryKindName = (typeof KIND_NAMES)[number];

/** How a custom type turns into serializable data and back (see `registerType`). */
export interface TypeCodec<T> {
  /** The data to save for `value`: any value the serializer handles (it may share objects with the rest of the graph). */
  serialize(value: T): unknown;
  /** The value again, from the data `serialize` returned (decoded in full). */
  deserialize(data: unknown): T;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type AnyFunction = Function;
type AnyClass = abstract new (...args: never[]) => unknown;

/** One registered id. Internal: the serializer reads it. */
export interface Entry {
  readonly kind: EntryKind;
  readonly id: string;
  readonly hash: string | undefined;
  /** The prototype of the instances (class, prototype, type), else null. */
  readonly proto: object | null;
  /** The function a reference to this id stands for (function; a class's or type's constructor), else null. */
  readonly fn: AnyFunction | null;
  /** Closure factories: makes the closure from its environments. */
  readonly factory: ((...envs: unknown[]) => unknown) | null;
  readonly codec: TypeCodec<unknown> | null;
  /** Instances inherit from Error.prototype: saved with message, stack, cause. */
  readonly isError: boolean;
}

const byId = new Map<string, Entry>();
const byProto = new Map<object, Entry>();
const byFunction = new Map<AnyFunction, Entry>();

/** The entry registered under `id`, if any. */
export function entryById(id: string): Entry | undefined {
  return byId.get(id);
}

/** The class, prototype or type entry whose instances have exactly this prototype. */
export function entryByPrototype(proto: object): Entry | undefined {
  return byProto.get(proto);
}

/** The entry a function value stands for: a registered function, or a registered class or type's constructor. */
export function entryByFunction(fn: AnyFunction): Entry | undefined {
  return byFunction.get(fn);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return value.name === "" ? "an anonymous function" : `function ${value.name}`;
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return typeof value === "bigint" ? `${value}n` : String(value);
}

function describeEntry(entry: Entry): string {
  const name = entry.fn !== null && entry.fn.name !== "" ? ` (${entry.fn.name})` : "";
  return `${KIND_NAMES[entry.kind]} ${JSON.stringify(entry.id)}${name}`;
}

function checkId(what: string, id: unknown, name = "id"): string {
  if (typeof id !== "string" || id === "") throw new TypeError(`${what}: ${name} must be a non-empty string, got ${describe(id)}`);
  return id;
}

function checkHash(what: string, hash: unknown): string | undefined {
  if (hash === undefined) return undefined;
  if (typeof hash !== "string" || hash === "") throw new TypeError(`${what}: hash must be a non-empty string or undefined, got ${describe(hash)}`);
  return hash;
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a.kind === b.kind && a.id === b.id && a.hash === b.hash && a.proto === b.proto && a.fn === b.fn && a.factory === b.factory && a.codec === b.codec;
}

/** Adds `entry`, or finds it already there (invariant 1), or throws naming both. */
function add(what: string, entry: Entry): void {
  const taken = byId.get(entry.id);
  if (taken !== undefined) {
    if (sameEntry(taken, entry)) return;
    throw new TypeError(`${what}: the id ${JSON.stringify(entry.id)} is already registered for ${describeEntry(taken)}; give each registration its own id`);
  }
  if (entry.proto !== null) {
    const other = byProto.get(entry.proto);
    if (other !== undefined) throw new TypeError(`${what}: this prototype is already registered as ${describeEntry(other)}; register it once`);
  }
  if (entry.fn !== null) {
    const other = byFunction.get(entry.fn);
    if (other !== undefined) throw new TypeError(`${what}: ${describe(entry.fn)} is already registered as ${describeEntry(other)}; register it once`);
  }
  byId.set(entry.id, entry);
  if (entry.proto !== null) byProto.set(entry.proto, entry);
  if (entry.fn !== null) byFunction.set(entry.fn, entry);
}

function checkPrototype(what: string, proto: unknown, name: string): object {
  if (typeof proto !== "object" || proto === null) throw new TypeError(`${what}: ${name} must be an object, got ${describe(proto)}`);
  if (isBuiltinPrototype(proto)) {
    throw new TypeError(`${what}: ${name} is a built-in prototype the serializer already handles; register your own classes only`);
  }
  return proto;
}

function inheritsError(proto: object): boolean {
  return Object.prototype.isPrototypeOf.call(Error.prototype, proto);
}

function classPrototype(what: string, Class: unknown, name: string): object {
  if (typeof Class !== "function") throw new TypeError(`${what}: ${name} must be a class, got ${describe(Class)}`);
  return checkPrototype(what, (Class as { prototype?: unknown }).prototype, `${name}.prototype`);
}

/**
 * Registers a class whose instances a snapshot saves as their own enumerable
 * properties. An instance (an object whose prototype is exactly
 * `Class.prototype`) is restored by `Object.create(Class.prototype)` and its
 * properties defined as data properties: the constructor and setters never run.
 * The class itself, as a value, is saved as a reference too. Subclasses of Error
 * also keep their message, stack and cause.
 *
 * Use it for plain-data classes; a class with private fields or internal state
 * (a Map subclass, a socket) needs `registerType`.
 *
 * @example
 * ```ts
 * class Point { constructor(public x: number, public y: number) {} }
 * registerClass("geometry/Point", Point, "v1");
 * const p = decode(encode(new Point(1, 2))) as Point; // p instanceof Point
 * ```
 */
export function registerClass(id: string, Class: AnyClass, hash?: string): void {
  const what = "registerClass";
  checkId(what, id);
  const proto = classPrototype(what, Class, "Class");
  add(what, { kind: KIND_CLASS, id, hash: checkHash(what, hash), proto, fn: Class, factory: null, codec: null, isError: inheritsError(proto) });
}

/**
 * Registers a prototype: objects whose prototype is exactly `proto` are saved as
 * their own enumerable properties and restored on it, as `registerClass` does
 * for `Class.prototype`. The durable compiler's run time uses it for the
 * prototypes of compiled generator objects.
 *
 * @example
 * ```ts
 * const counterProto = { increment() { this.n++; } };
 * registerPrototype("counter", counterProto);
 * const c = decode(encode(Object.assign(Object.create(counterProto), { n: 1 })));
 * ```
 */
export function registerPrototype(id: string, proto: object, hash?: string): void {
  const what = "registerPrototype";
  checkId(what, id);
  checkPrototype(what, proto, "proto");
  add(what, { kind: KIND_PROTOTYPE, id, hash: checkHash(what, hash), proto, fn: null, factory: null, codec: null, isError: inheritsError(proto) });
}

/**
 * Registers a function a snapshot may hold: it is saved as a reference by id,
 * and the restoring process's function registered under that id takes its place.
 *
 * @example
 * ```ts
 * function fetchUser(id: number) { return { id }; }
 * registerFunction("users/fetchUser", fetchUser);
 * decode(encode({ load: fetchUser })); // { load: fetchUser }
 * ```
 */
export function registerFunction(id: string, fn: AnyFunction, hash?: string): void {
  const what = "registerFunction";
  checkId(what, id);
  if (typeof fn !== "function") throw new TypeError(`${what}: fn must be a function, got ${describe(fn)}`);
  add(what, { kind: KIND_FUNCTION, id, hash: checkHash(what, hash), proto: null, fn, factory: null, codec: null, isError: false });
}

/**
 * Registers a closure factory: a function that makes a closure from its
 * environments (`factory(...envs)`). Closures made through it and marked with
 * `closure(fn, id, envs)` are saved as the id and their environments, and
 * restored by calling the factory again with the restored environments. The
 * environments are ordinary objects of the graph: frames may share them, and a
 * closure may be stored in its own environment.
 *
 * @example
 * ```ts
 * registerClosureFactory("counter#inc", (env: { n: number }) => closure(() => ++env.n, "counter#inc", [env]));
 * const env = { n: 0 };
 * const inc = closure(() => ++env.n, "counter#inc", [env]);
 * const copy = decode(encode(inc)) as () => number;
 * copy(); // 1
 * ```
 */
export function registerClosureFactory(id: string, factory: (...envs: never[]) => AnyFunction, hash?: string): void {
  const what = "registerClosureFactory";
  checkId(what, id);
  if (typeof factory !== "function") throw new TypeError(`${what}: factory must be a function, got ${describe(factory)}`);
  add(what, { kind: KIND_CLOSURE, id, hash: checkHash(what, hash), proto: null, fn: null, factory: factory as (...envs: unknown[]) => unknown, codec: null, isError: false });
}

/**
 * Registers a codec for a class the serializer cannot save as plain
 * properties (private fields, internal slots, handles). Instances whose
 * prototype is exactly `Class.prototype` are saved as `codec.serialize(value)`
 * and restored by `codec.deserialize(data)`. `id` defaults to `Class.name`; an
 * id already taken is a TypeError naming both. The data may share objects with
 * the rest of the graph, but must not lead back to the value itself.
 *
 * @example
 * ```ts
 * registerType(URL, { serialize: (url) => url.href, deserialize: (href) => new URL(href as string) });
 * decode(encode({ home: new URL("https://example.org/") }));
 * ```
 */
export function registerType<T>(Class: abstract new (...args: never[]) => T, codec: TypeCodec<T>, id?: string, hash?: string): void {
  const what = "registerType";
  const proto = classPrototype(what, Class, "Class");
  const name = id === undefined ? checkId(what, (Class as { name?: unknown }).name, "Class.name (the default id)") : checkId(what, id);
  if (typeof codec !== "object" || codec === null) throw new TypeError(`${what}: codec must be an object { serialize, deserialize }, got ${describe(codec)}`);
  if (typeof codec.serialize !== "function") throw new TypeError(`${what}: codec.serialize must be a function, got ${describe(codec.serialize)}`);
  if (typeof codec.deserialize !== "function") throw new TypeError(`${what}: codec.deserialize must be a function, got ${describe(codec.deserialize)}`);
  add(what, {
    kind: KIND_TYPE,
    id: name,
    hash: checkHash(what, hash),
    proto,
    fn: Class,
    factory: null,
    codec: codec as TypeCodec<unknown>,
    isError: false,
  });
}

// The marks closure() leaves on a function. Two symbol-keyed properties, not a
// WeakMap: a store on a fresh function is cheaper than a WeakMap insertion and
// leaves the collector nothing to do (bench/durable-serialize.ts measures both).
const CLOSURE_ID = Symbol("strand.durable.closureId");
const CLOSURE_ENVS = Symbol("strand.durable.closureEnvs");

interface MarkedClosure {
  [CLOSURE_ID]?: string;
  [CLOSURE_ENVS]?: unknown[];
}

/**
 * Marks `fn` as made by the closure factory `id` from `envs`, and returns it.
 * The durable compiler wraps every closure it creates in this call; a snapshot
 * then saves `fn` as `{ id, envs }`. Cheap by design: it checks its arguments'
 * types and stores two properties (the factory is looked up when encoding).
 *
 * @example
 * ```ts
 * const env = { count: 0 };
 * const tick = closure(() => ++env.count, "timer#tick", [env]);
 * ```
 */
export function closure<F extends AnyFunction>(fn: F, id: string, envs: unknown[]): F {
  if (typeof fn !== "function") throw new TypeError(`closure: fn must be a function, got ${describe(fn)}`);
  if (typeof id !== "string") throw new TypeError(`closure: id must be a string, got ${describe(id)}`);
  if (!Array.isArray(envs)) throw new TypeError(`closure: envs must be an array, got ${describe(envs)}`);
  (fn as MarkedClosure)[CLOSURE_ID] = id;
  (fn as MarkedClosure)[CLOSURE_ENVS] = envs;
  return fn;
}

/** The factory id `closure()` marked `fn` with, if any. */
export function closureId(fn: AnyFunction): string | undefined {
  return (fn as MarkedClosure)[CLOSURE_ID];
}

/** The environments `closure()` marked `fn` with (defined whenever `closureId(fn)` is). */
export function closureEnvs(fn: AnyFunction): unknown[] {
  return (fn as MarkedClosure)[CLOSURE_ENVS]!;
}
