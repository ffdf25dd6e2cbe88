// The durable serializer: every kind of value round-trips with its structure,
// sharing and prototypes; cycles, closures, registered classes and custom types;
// errors name the path to what cannot be saved; decoding refuses corrupted,
// unsigned, wrongly signed and hostile input with SnapshotError only.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { decode, encode, inspectHeader, type Signer } from "../../src/durable/serialize.js";
import {
  closure,
  closureEnvs,
  closureId,
  registerClass,
  registerClosureFactory,
  registerFunction,
  registerPrototype,
  registerType,
} from "../../src/durable/registry.js";
import { SnapshotError, VersionMismatch } from "../../src/durable/errors.js";
import { crc32 } from "../../src/durable/checksum.js";
import { hmacSigner } from "../../src/durable/serialize-sign.js";

// ── Registrations (one process per test file: ids are this file's own) ───────

class Point {
  static constructed = 0;
  constructor(
    public x: number,
    public y: number,
  ) {
    Point.constructed++;
  }
  get sum(): number {
    return this.x + this.y;
  }
}
registerClass("test/Point", Point, "point-v1");

/** Its setter and constructor must never run while decoding. */
class Guarded {
  static setterRan = 0;
  constructor() {
    throw new Error("Guarded's constructor ran");
  }
  set value(_: unknown) {
    Guarded.setterRan++;
  }
}
registerClass("test/Guarded", Guarded);

/** Private state: only a codec can save it. */
class Secret {
  #value: unknown;
  constructor(value: unknown) {
    this.#value = value;
  }
  get value(): unknown {
    return this.#value;
  }
}
registerType(Secret, { serialize: (secret) => ({ value: secret.value }), deserialize: (data) => new Secret((data as { value: unknown }).value) }, "test/Secret", "secret-v1");

class AppError extends Error {
  code = "E_APP";
}
registerClass("test/AppError", AppError);

const counterProto = {
  increment(this: { n: number }) {
    return ++this.n;
  },
};
registerPrototype("test/counter", counterProto);

function fetchUser(id: number): { id: number } {
  return { id };
}
registerFunction("test/fetchUser", fetchUser, "fetch-v1");

interface CounterEnv {
  count: number;
  self?: () => number;
}
const makeIncrement = (env: CounterEnv) => closure(() => ++env.count, "test/increment", [env]);
registerClosureFactory("test/increment", makeIncrement, "inc-v1");
const makeAdd = (env: CounterEnv, step: { by: number }) => closure(() => (env.count += step.by), "test/add", [env, step]);
registerClosureFactory("test/add", makeAdd);
registerClosureFactory("test/constant", () => closure(() => 42, "test/constant", []));
registerClosureFactory("test/not-a-function", () => 42 as never);

function roundTrip<T>(value: T): T {
  return decode(encode(value)) as T;
}

// ── A structural equality that understands sharing ────────────────────────────

const WELL_KNOWN_PROTOS = new Set<object | null>([Object.prototype, Array.prototype, null]);

/**
 * Null when `actual` has the structure of `expected`: same kinds, prototypes,
 * own keys in the same order (enumerability too), primitive values (Object.is),
 * and the same sharing: a one-to-one map between their objects. Otherwise the
 * path of the first difference. Iterative, so deep graphs work.
 */
function graphDifference(actual: unknown, expected: unknown): string | null {
  const toActual = new Map<object, object>();
  const toExpected = new Map<object, object>();
  const stack: [unknown, unknown, string][] = [[actual, expected, "root"]];
  const push = (a: unknown, e: unknown, path: string) => stack.push([a, e, path]);
  while (stack.length > 0) {
    const [a, e, path] = stack.pop()!;
    if (typeof a !== typeof e) return `${path}: ${typeof a} instead of ${typeof e}`;
    if ((typeof e !== "object" && typeof e !== "function") || e === null) {
      if (!Object.is(a, e)) return `${path}: ${String(a)} instead of ${String(e)}`;
      continue;
    }
    const ao = a as object;
    const mapped = toActual.get(e);
    if (mapped !== undefined) {
      if (mapped !== ao) return `${path}: a shared object decoded as two`;
      continue;
    }
    if (toExpected.has(ao)) return `${path}: two objects decoded as one`;
    toActual.set(e, ao);
    toExpected.set(ao, e);
    if (typeof e === "function") {
      const id = closureId(e);
      if (id === undefined) {
        if (ao !== e) return `${path}: a registered function decoded as another`;
      } else {
        if (closureId(ao as Function) !== id) return `${path}: a closure of another factory`;
        push(closureEnvs(ao as Function), closureEnvs(e), `${path}<envs>`);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(e) as object | null;
    if (Object.getPrototypeOf(ao) !== proto) return `${path}: another prototype`;
    if (e instanceof Date) {
      if (!Object.is((ao as Date).getTime(), e.getTime())) return `${path}: another time`;
      continue;
    }
    if (e instanceof RegExp) {
      const r = ao as RegExp;
      if (r.source !== e.source || r.flags !== e.flags || r.lastIndex !== e.lastIndex) return `${path}: another RegExp`;
      continue;
    }
    if (e instanceof Map) {
      const am = ao as Map<unknown, unknown>;
      if (am.size !== e.size) return `${path}: size ${am.size} instead of ${e.size}`;
      const ak = [...am];
      [...e].forEach(([k, v], i) => {
        push(ak[i]![0], k, `${path}<key ${i}>`);
        push(ak[i]![1], v, `${path}<value ${i}>`);
      });
      continue;
    }
    if (e instanceof Set) {
      const as = [...(ao as Set<unknown>)];
      if (as.length !== e.size) return `${path}: size ${as.length} instead of ${e.size}`;
      [...e].forEach((v, i) => push(as[i], v, `${path}<element ${i}>`));
      continue;
    }
    if (e instanceof ArrayBuffer) {
      if (Buffer.compare(Buffer.from(ao as ArrayBuffer), Buffer.from(e)) !== 0) return `${path}: other bytes`;
      continue;
    }
    if (ArrayBuffer.isView(e)) {
      const v = ao as ArrayBufferView;
      if (v.byteOffset !== e.byteOffset || v.byteLength !== e.byteLength) return `${path}: another window on its buffer`;
      push(v.buffer, e.buffer, `${path}.buffer`);
      continue;
    }
    if (e instanceof Number || e instanceof String || e instanceof Boolean || e instanceof BigInt || e instanceof Symbol) {
      if (!Object.is((ao as { valueOf(): unknown }).valueOf(), e.valueOf())) return `${path}: another boxed value`;
      continue;
    }
    if (!WELL_KNOWN_PROTOS.has(proto) && !(e instanceof Error) && typeof e !== "object") return `${path}: unexpected kind`;
    const ak = savedKeys(ao);
    const ek = savedKeys(e);
    if (ak.length !== ek.length || ak.some((k, i) => k !== ek[i])) return `${path}: keys ${String(ak)} instead of ${String(ek)}`;
    for (const key of ek) {
      const ad = Object.getOwnPropertyDescriptor(ao, key)!;
      const ed = Object.getOwnPropertyDescriptor(e, key)!;
      if (ad.enumerable !== ed.enumerable) return `${path}.${String(key)}: enumerable ${ad.enumerable}`;
      if (e instanceof Error && key === "stack") {
        // V8 ≥ 12 (Node 22, Deno) makes an error's stack an accessor; the snapshot keeps its text.
        push((ao as Error).stack, e.stack, `${path}.stack`);
        continue;
      }
      if ("get" in ed) {
        // An accessor the engine made (an arguments object's callee): the same one, unread.
        if (ad.get !== ed.get || ad.set !== ed.set) return `${path}.${String(key)}: another accessor`;
        continue;
      }
      push((ao as Record<PropertyKey, unknown>)[key], (e as Record<PropertyKey, unknown>)[key], `${path}.${String(key)}`);
    }
  }
  return null;
}

const ERROR_FIELDS: readonly PropertyKey[] = ["message", "name", "stack", "cause", "errors"];

/**
 * The own keys a snapshot keeps, in its order: all of them, but for an error its
 * saved (non-enumerable) fields, then its enumerable properties: not the
 * location JavaScriptCore adds to every error (line, column, sourceURL…), and
 * JavaScriptCore makes `stack` when first read, so its place among the
 * enumerable properties is the engine's.
 */
function savedKeys(value: object): PropertyKey[] {
  const keys = Reflect.ownKeys(value);
  if (!(value instanceof Error)) return keys;
  const enumerable = (key: PropertyKey) => Object.prototype.propertyIsEnumerable.call(value, key);
  return [...keys.filter((key) => ERROR_FIELDS.includes(key) && !enumerable(key)), ...keys.filter(enumerable)];
}

function assertSameGraph(actual: unknown, expected: unknown): void {
  const difference = graphDifference(actual, expected);
  assert.equal(difference, null, `decoded graph differs: ${difference}`);
}

function rejectsWith(what: () => unknown, kind: abstract new (...args: never[]) => Error, ...patterns: RegExp[]): Error {
  let caught: unknown;
  assert.throws(what, (error: unknown) => {
    caught = error;
    assert.ok(error instanceof kind, `expected a ${kind.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    for (const pattern of patterns) assert.match((error as Error).message, pattern);
    return true;
  });
  return caught as Error;
}

// ── Every kind ────────────────────────────────────────────────────────────────

describe("round trip of every kind", () => {
  const sparse: unknown[] = [];
  sparse[3] = "three";
  sparse[1_000_000] = "far";
  const holey = [1, , 3, , ,] as unknown[];
  const withProps = Object.assign([1, 2], { label: "extra", 7.5: "odd" });
  const nullProto = Object.assign(Object.create(null) as object, { b: 1, a: 2 });
  const ordered = { z: 1, 10: "ten", 2: "two", a: "a", [Symbol.for("s")]: "symbol", [Symbol.iterator]: "wk" };
  const buffer = new ArrayBuffer(32);
  new Uint8Array(buffer).set(Array.from({ length: 32 }, (_, i) => i * 7));
  const regexp = /a(b+)c/giu;
  regexp.lastIndex = 5;
  const kinds: [string, () => unknown][] = [
    ["undefined", () => undefined],
    ["null", () => null],
    ["booleans", () => [true, false]],
    ["small, large and negative integers", () => [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1, -1, -128, -(2 ** 53 - 1)]],
    ["doubles, -0, NaN, ±Infinity", () => [0.5, -1.25, 1e300, 5e-324, 2 ** 53, -(2 ** 60), -0, NaN, Infinity, -Infinity]],
    ["strings: empty, ASCII, Unicode, emoji, long, a BOM", () => ["", "ascii", "héllo wörld", "日本語", "😀 emoji", "x".repeat(10_000), "é".repeat(500), "\uFEFFbom"]],
    ["strings with lone surrogates", () => ["\uD800", "a\uDC00b", "x\uD83D", "\uDE00\uD83D", "long \uD800 ".repeat(20)]],
    ["bigints: zero, negative, huge", () => [0n, 1n, -1n, 255n, 256n, -(2n ** 64n), 2n ** 1000n + 12345n, -(7n ** 300n)]],
    ["registered and well-known symbols", () => [Symbol.for("app.key"), Symbol.for(""), Symbol.iterator, Symbol.asyncIterator, Symbol.toPrimitive]],
    ["plain objects with string and symbol keys, in order", () => ordered],
    ["empty object and array", () => [{}, [], Object.create(null)]],
    ["null-prototype object", () => nullProto],
    ["dense array", () => [1, "two", { three: 3 }, [4]]],
    ["array with holes", () => holey],
    ["sparse array", () => sparse],
    ["array with extra properties", () => withProps],
    ["Date and invalid Date", () => [new Date(0), new Date(-8.64e15), new Date(Date.UTC(2024, 1, 29, 12)), new Date(NaN)]],
    ["RegExp with flags and lastIndex", () => [regexp, /x/, new RegExp("\\d+", "y")]],
    ["Map with object keys, in order", () => new Map<unknown, unknown>([[{ k: 1 }, "object key"], ["s", 1], [NaN, "nan"], [-0, "zero"]])],
    ["Set with objects, in order", () => new Set<unknown>([3, 1, { one: 1 }, "x", 2])],
    ["ArrayBuffer", () => buffer],
    [
      "every typed array and DataView",
      () => [
        new Int8Array([-1, 2]),
        new Uint8Array([255]),
        new Uint8ClampedArray([300]),
        new Int16Array([-300]),
        new Uint16Array([65535]),
        new Int32Array([-(2 ** 31)]),
        new Uint32Array([2 ** 32 - 1]),
        new Float32Array([1.5, NaN]),
        new Float64Array([-0, Math.PI]),
        new BigInt64Array([-(2n ** 63n)]),
        new BigUint64Array([2n ** 64n - 1n]),
        new DataView(new ArrayBuffer(8), 2, 4),
      ],
    ],
    ["boxed primitives", () => [new Number(-0), new String("boxed"), new Boolean(false), Object(10n), Object(Symbol.for("boxed"))]],
    ["Error, its subclasses, cause, stack", () => [new Error("plain"), new TypeError("type", { cause: { why: 1 } }), new RangeError("range"), new SyntaxError("syntax"), new ReferenceError("ref"), new EvalError("eval"), new URIError("uri")]],
    ["AggregateError with errors", () => new AggregateError([new Error("first"), "second"], "many", { cause: 7 })],
    ["error with extra properties and an own name", () => Object.assign(new Error("with props"), { code: "E1", name: "CustomName" })],
    ["arguments object", () => (function (..._: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      return arguments;
    })(1, "two", { three: 3 })],
    ["registered class instance", () => new Point(1, 2)],
    ["registered Error subclass", () => new AppError("app failed", { cause: "disk" })],
    ["registered prototype", () => Object.assign(Object.create(counterProto) as object, { n: 1 })],
    ["registered function", () => ({ load: fetchUser, Class: Point })],
    ["custom type", () => new Secret({ deep: [1, 2] })],
    ["closure", () => makeIncrement({ count: 1 })],
    ["closure without environments", () => closure(() => 42, "test/constant", [])],
  ];
  for (const [name, make] of kinds) {
    test(name, () => {
      const value = make();
      assertSameGraph(roundTrip(value), value);
    });
  }

  test("-0 stays -0, NaN stays NaN, integers stay integers", () => {
    const [negativeZero, nan, big] = roundTrip([-0, NaN, 2 ** 53 - 1]);
    assert.ok(Object.is(negativeZero, -0));
    assert.ok(Number.isNaN(nan));
    assert.equal(big, 2 ** 53 - 1);
  });

  test("an arguments object stays one", () => {
    const decoded = roundTrip((function (..._: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      return arguments;
    })(5, 6));
    assert.equal(Object.prototype.toString.call(decoded), "[object Arguments]");
    assert.equal(decoded.length, 2);
    assert.deepEqual([...decoded], [5, 6]);
    const lookalike = { 0: "a", length: 1, [Symbol.toStringTag]: "Arguments" };
    assert.deepEqual(Object.keys(roundTrip(lookalike)), ["0", "length"], "an object that only claims to be one stays a plain object");
  });

  test("holes stay holes, not undefined", () => {
    const decoded = roundTrip([1, , undefined, ,]);
    assert.equal(decoded.length, 4);
    assert.deepEqual(Object.keys(decoded), ["0", "2"]);
    assert.ok(!(1 in decoded) && 2 in decoded && !(3 in decoded));
  });

  test("a sparse array of length 2^32 − 1 decodes without allocating its length", () => {
    const huge: unknown[] = [];
    huge[4294967294] = "last";
    const decoded = roundTrip(huge);
    assert.equal(decoded.length, 4294967295);
    assert.deepEqual(Object.keys(decoded), ["4294967294"]);
  });

  test("property order: integer keys first, then strings in insertion order, then symbols", () => {
    const decoded = roundTrip(ordered);
    assert.deepEqual(Reflect.ownKeys(decoded), Reflect.ownKeys(ordered));
  });

  test("typed arrays and DataViews over one buffer still share it", () => {
    const shared = new ArrayBuffer(16);
    const views = { bytes: new Uint8Array(shared, 4, 8), words: new Uint32Array(shared, 8, 2), view: new DataView(shared, 1), whole: new Float64Array(shared) };
    const decoded = roundTrip(views);
    assert.equal(decoded.bytes.buffer, decoded.words.buffer);
    assert.equal(decoded.view.buffer, decoded.whole.buffer);
    assert.equal(decoded.bytes.buffer, decoded.view.buffer);
    assert.deepEqual([decoded.bytes.byteOffset, decoded.bytes.length, decoded.words.byteOffset, decoded.words.length, decoded.view.byteOffset, decoded.view.byteLength], [4, 8, 8, 2, 1, 15]);
    decoded.words[0] = 0xffffffff;
    assert.equal(decoded.bytes[4], 0xff, "a write through one view shows through the other");
  });

  test("errors keep their kind, message, stack, cause and non-enumerable fields", () => {
    const error = new TypeError("bad input", { cause: new Error("root") });
    const decoded = roundTrip(error);
    assert.ok(decoded instanceof TypeError);
    assert.equal(Object.prototype.toString.call(decoded), "[object Error]", "a real error object");
    assert.equal(decoded.message, "bad input");
    assert.equal(decoded.stack, error.stack);
    assert.equal((decoded.cause as Error).message, "root");
    assert.deepEqual(Object.keys(decoded), []);
    const noStack = new Error("x");
    delete (noStack as { stack?: string }).stack;
    assert.ok(!Object.hasOwn(roundTrip(noStack), "stack"), "no own stack when it had none");
  });

  test("a registered Error subclass decodes as a real error of that class without running its constructor", () => {
    const decoded = roundTrip(new AppError("failed"));
    assert.ok(decoded instanceof AppError && decoded instanceof Error);
    assert.equal(decoded.code, "E_APP");
    assert.equal(decoded.message, "failed");
  });
});

// ── Sharing and cycles ────────────────────────────────────────────────────────

describe("sharing and cycles", () => {
  test("two references to one object decode to one object", () => {
    const shared = { n: 1 };
    const decoded = roundTrip({ a: shared, b: [shared], c: new Map([[shared, shared]]) });
    assert.equal(decoded.a, decoded.b[0]);
    assert.equal(decoded.a, [...decoded.c.keys()][0]);
    assert.equal(decoded.a, [...decoded.c.values()][0]);
  });

  test("cycles through objects, arrays, maps, sets and error causes", () => {
    const node: Record<string, unknown> = { name: "node" };
    node.self = node;
    const list: unknown[] = [node];
    list.push(list);
    const map = new Map<unknown, unknown>();
    map.set(map, map);
    const set = new Set<unknown>();
    set.add(set);
    const error = new Error("loop");
    error.cause = error;
    const graph = { node, list, map, set, error };
    const decoded = roundTrip(graph);
    assertSameGraph(decoded, graph);
    assert.equal(decoded.node.self, decoded.node);
    assert.equal(decoded.list[1], decoded.list);
    assert.equal(decoded.map.get(decoded.map), decoded.map);
    assert.ok(decoded.set.has(decoded.set));
    assert.equal(decoded.error.cause, decoded.error);
  });

  test("a closure stored in its own environment round-trips", () => {
    const env: CounterEnv = { count: 10 };
    env.self = makeIncrement(env);
    const decoded = roundTrip(env.self);
    const decodedEnv = closureEnvs(decoded)[0] as CounterEnv;
    assert.equal(decodedEnv.self, decoded, "the closure in its environment is the closure itself");
    assert.equal(decoded(), 11);
    assert.equal(decodedEnv.count, 11, "the closure sees its restored environment");
  });

  test("closures share environments with frames and with each other", () => {
    const env: CounterEnv = { count: 0 };
    const step = { by: 5 };
    const frame = { locals: env, inc: makeIncrement(env), add: makeAdd(env, step), step };
    const decoded = roundTrip(frame);
    decoded.inc();
    decoded.add();
    assert.equal(decoded.locals.count, 6, "both closures and the frame share one environment");
    decoded.step.by = 100;
    decoded.add();
    assert.equal(decoded.locals.count, 106);
    assert.equal(closureId(decoded.add), "test/add");
  });

  test("a closure in a Map in its own environment, and environments that are arrays, maps, sets and instances", () => {
    const first = { count: 0, inner: new Map<string, unknown>() };
    const shapes: unknown[] = [first, [1, 2], new Map([["k", "v"]]), new Set([1]), new Point(3, 4)];
    registerOnce("test/envs", (...envs: unknown[]) => closure(() => envs.length, "test/envs", envs));
    const fn = closure(() => shapes.length, "test/envs", shapes);
    first.inner.set("fn", fn);
    (shapes[1] as unknown[]).push(fn);
    const decoded = roundTrip(fn);
    assertSameGraph(decoded, fn);
    const envs = closureEnvs(decoded);
    assert.equal((envs[0] as { inner: Map<string, unknown> }).inner.get("fn"), decoded);
    assert.equal((envs[1] as unknown[])[2], decoded);
    assert.ok(envs[4] instanceof Point);
  });

  test("the same closure twice decodes to one function", () => {
    const fn = makeIncrement({ count: 0 });
    const decoded = roundTrip({ list: [fn, fn], again: fn });
    assert.equal(decoded.list[0], decoded.list[1]);
    assert.equal(decoded.list[0], decoded.again);
  });

  test("custom type data may share objects with the rest of the graph", () => {
    const shared = { token: "t" };
    const decoded = roundTrip({ secret: new Secret(shared), shared });
    assert.equal((decoded.secret.value as object), decoded.shared);
  });

  test("a cycle through a custom type's own data is a SnapshotError saying so", () => {
    const holder: { secret?: Secret } = {};
    holder.secret = new Secret(holder);
    // holder → secret → data.value (holder): fine, holder exists before the secret.
    assertSameGraph(roundTrip(holder).secret!.value, roundTrip(holder));
    const box: { self?: unknown } = {};
    const secret = new Secret(box);
    box.self = secret;
    rejectsWith(() => encode(secret), SnapshotError, /cycle/, /leads back into the value of type "test\/Secret"/, /at \.<data of type "test\/Secret">\.value\.self/);
  });
});

const registered = new Set<string>();
function registerOnce(id: string, factory: (...envs: never[]) => Function): void {
  if (!registered.has(id)) registerClosureFactory(id, factory);
  registered.add(id);
}

// ── Classes, prototypes, keys ─────────────────────────────────────────────────

describe("classes and prototypes", () => {
  test("a registered class instance decodes on its prototype without running the constructor", () => {
    const before = Point.constructed;
    const decoded = roundTrip(new Point(2, 5));
    assert.equal(Point.constructed, before + 1, "only the original was constructed");
    assert.ok(decoded instanceof Point);
    assert.equal(decoded.sum, 7);
  });

  test("own properties are defined, never set: a setter on the prototype does not run", () => {
    const guarded = Object.create(Guarded.prototype) as Guarded & { other: number };
    Object.defineProperty(guarded, "value", { value: "own", enumerable: true, writable: true, configurable: true });
    guarded.other = 1;
    const decoded = roundTrip(guarded);
    assert.equal(Guarded.setterRan, 0);
    assert.ok(decoded instanceof Guarded);
    assert.deepEqual(Object.getOwnPropertyDescriptor(decoded, "value"), { value: "own", enumerable: true, writable: true, configurable: true });
  });

  test("a key named __proto__ decodes as an own property and never sets the prototype", () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "after": 1}') as Record<string, unknown>;
    assert.ok(Object.hasOwn(hostile, "__proto__"));
    const instance = Object.create(Point.prototype) as object;
    for (const key of Object.keys(hostile)) Object.defineProperty(instance, key, { value: hostile[key], enumerable: true, writable: true, configurable: true });
    for (const decoded of [roundTrip(hostile), roundTrip([hostile, hostile])[1]!, roundTrip(instance)]) {
      assert.ok(Object.hasOwn(decoded, "__proto__"), "own property");
      assert.notEqual(Object.getPrototypeOf(decoded), (hostile as { __proto__: unknown }).__proto__);
      assert.equal((decoded as { polluted?: unknown }).polluted, undefined);
      assert.deepEqual(Object.keys(decoded), ["__proto__", "after"]);
    }
    assert.equal(({} as { polluted?: unknown }).polluted, undefined, "Object.prototype untouched");
  });

  test("an instance of an unregistered class is a SnapshotError naming the class and the path", () => {
    class Unregistered {}
    rejectsWith(() => encode({ frames: [{ locals: new Map([["conn", new Unregistered()]]) }] }), SnapshotError, /instance of class Unregistered that is not registered at \.frames\[0\]\.locals\.get\("conn"\)/, /registerClass/);
  });
});

// ── Encoder errors name the path ──────────────────────────────────────────────

describe("errors name the path to the value", () => {
  test("an unregistered function", () => {
    function fetchUser() {}
    const graph = { frames: [{}, {}, {}, { locals: { conn: { socket: fetchUser } } }] };
    const error = rejectsWith(() => encode(graph), SnapshotError, /^cannot snapshot a function that is not registered \(fetchUser\) at \.frames\[3\]\.locals\.conn\.socket/);
    assert.equal((error as SnapshotError).path, ".frames[3].locals.conn.socket");
  });

  test("an unregistered symbol, as a value and as a key", () => {
    rejectsWith(() => encode({ list: [1, Symbol("private")] }), SnapshotError, /symbol that is not registered \(Symbol\(private\)\) at \.list\[1\]/, /Symbol\.for/);
    rejectsWith(() => encode({ inner: { [Symbol("k")]: 1 } }), SnapshotError, /Symbol\(k\)\) \(a key of the object\) at \.inner/);
  });

  test("paths through sets, errors, closure environments and odd keys", () => {
    const lambda = () => 0;
    rejectsWith(() => encode(new Set([1, lambda])), SnapshotError, /at \.<element #1>/);
    rejectsWith(() => encode(new Error("x", { cause: { fn: lambda } })), SnapshotError, /at \.cause\.fn/);
    rejectsWith(() => encode({ "odd key": [lambda] }), SnapshotError, /at \["odd key"\]\[0\]/);
    rejectsWith(() => encode(makeAdd({ count: 0 }, { by: lambda as never })), SnapshotError, /at \.<env #1 of closure "test\/add">\.by/);
    rejectsWith(() => encode(lambda), SnapshotError, /\(lambda\) at the root/);
  });

  test("a closure of an unregistered factory", () => {
    rejectsWith(() => encode({ f: closure(() => 1, "test/nowhere", []) }), SnapshotError, /closure of factory "test\/nowhere" at \.f/, /registerClosureFactory/);
  });

  test("a getter that throws, a non-Date on Date.prototype, a resizable buffer", () => {
    const boom = {
      get value() {
        throw new Error("boom");
      },
    };
    rejectsWith(() => encode({ boom }), SnapshotError, /at \.boom: Error: boom/);
    rejectsWith(() => encode([Object.create(Date.prototype)]), SnapshotError, /at \[0\]/);
    rejectsWith(() => encode(new (ArrayBuffer as new (n: number, o: object) => ArrayBuffer)(1, { maxByteLength: 8 })), SnapshotError, /resizable ArrayBuffer/);
  });

  test("other unsupported objects name their class", () => {
    rejectsWith(() => encode({ p: Promise.resolve() }), SnapshotError, /class Promise that is not registered at \.p/);
    rejectsWith(() => encode({ w: new WeakMap() }), SnapshotError, /class WeakMap/);
  });
});

// ── Deep and long graphs ──────────────────────────────────────────────────────

describe("depth is bounded by memory, not the call stack", () => {
  test("a linked list of 10^6 nodes", () => {
    interface Node {
      value: number;
      next: Node | null;
    }
    let head: Node | null = null;
    for (let i = 999_999; i >= 0; i--) head = { value: i, next: head };
    let node = decode(encode(head)) as Node | null;
    let count = 0;
    for (; node !== null; node = node.next) {
      assert.equal(node.value, count);
      count++;
    }
    assert.equal(count, 1_000_000);
  });

  test("arrays nested 10^5 deep, and a Map/Set/object chain 10^5 deep", () => {
    let nested: unknown[] = ["bottom"];
    for (let i = 0; i < 100_000; i++) nested = [nested];
    let decoded = decode(encode(nested)) as unknown[];
    let depth = 0;
    while (decoded.length === 1 && Array.isArray(decoded[0])) {
      decoded = decoded[0] as unknown[];
      depth++;
    }
    assert.equal(depth, 100_000);
    assert.deepEqual(decoded, ["bottom"]);

    let chain: unknown = "end";
    for (let i = 0; i < 100_000; i++) chain = i % 3 === 0 ? new Map([["next", chain]]) : i % 3 === 1 ? new Set([chain]) : { next: chain };
    let walked = decode(encode(chain));
    let steps = 0;
    while (typeof walked === "object") {
      walked = walked instanceof Map ? walked.get("next") : walked instanceof Set ? [...walked][0] : (walked as { next: unknown }).next;
      steps++;
    }
    assert.equal(steps, 100_000);
    assert.equal(walked, "end");
  });

  test("an error deep inside a deep graph names the whole path", () => {
    let nested: unknown = { fn: () => 0 };
    for (let i = 0; i < 3; i++) nested = { next: [nested] };
    rejectsWith(() => encode(nested), SnapshotError, /at \.next\[0\]\.next\[0\]\.next\[0\]\.fn/);
  });
});

// ── Header, versions, checksum, signatures ────────────────────────────────────

/** `bytes` with the first occurrence of `from` replaced by `to` (same length) and the checksum fixed: a snapshot another build wrote. */
function patched(bytes: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const copy = bytes.slice();
  const at = Buffer.from(copy).indexOf(from);
  assert.ok(at >= 0, `${from} not in the snapshot`);
  copy.set(Buffer.from(to), at);
  return withChecksum(copy);
}

function withChecksum(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

describe("header and versions", () => {
  const value = { p: new Point(1, 2), f: fetchUser, inc: makeIncrement({ count: 0 }), s: new Secret(1) };

  test("inspectHeader lists the ids the body uses, with their hashes, without decoding", () => {
    const header = inspectHeader(encode(value));
    assert.equal(header.formatVersion, 1);
    assert.equal(header.signed, false);
    assert.deepEqual(header.entries, [
      { kind: "class", id: "test/Point", hash: "point-v1" },
      { kind: "function", id: "test/fetchUser", hash: "fetch-v1" },
      { kind: "closure", id: "test/increment", hash: "inc-v1" },
      { kind: "type", id: "test/Secret", hash: "secret-v1" },
    ]);
    assert.deepEqual(inspectHeader(encode({ plain: [1] })).entries, []);
    assert.equal(inspectHeader(encode(1, { sign: new Uint8Array(32) })).signed, true);
  });

  test("onHeader sees the header before the body is decoded, and may refuse it", () => {
    let deserialized = 0;
    class Probe {}
    registerType(Probe, { serialize: () => null, deserialize: () => (deserialized++, new Probe()) }, "test/Probe");
    const bytes = encode({ probe: new Probe() });
    const refusal = new Error("refused");
    assert.throws(
      () =>
        decode(bytes, {
          onHeader: (header) => {
            assert.deepEqual(header.entries.map((e) => e.id), ["test/Probe"]);
            throw refusal;
          },
        }),
      (error) => error === refusal,
    );
    assert.equal(deserialized, 0, "nothing of the body was decoded");
    decode(bytes, { onHeader: () => {} });
    assert.equal(deserialized, 1);
  });

  test("a hash that differs from this process's is a VersionMismatch listing it, before the body", () => {
    const other = patched(encode(value), "point-v1", "point-v2");
    const error = rejectsWith(() => decode(other), VersionMismatch, /"test\/Point" \(snapshot point-v2, here point-v1\)/);
    assert.ok(error instanceof SnapshotError);
    assert.deepEqual((error as VersionMismatch).mismatches, [{ id: "test/Point", expectedHash: "point-v1", actualHash: "point-v2" }]);
    const decoded = decode(other, { versions: "ignore" }) as typeof value;
    assert.ok(decoded.p instanceof Point, "versions: ignore restores anyway");
  });

  test("an id this process has not registered is a SnapshotError naming it", () => {
    const other = patched(encode(value), "test/fetchUser", "test/fetchUsr2");
    rejectsWith(() => decode(other, { versions: "ignore" }), SnapshotError, /function "test\/fetchUsr2", not registered in this process/);
  });

  test("an id registered here as another kind is a SnapshotError", () => {
    const bytes = encode({ f: fetchUser });
    // The header's kind byte sits right before the id's length byte.
    const at = Buffer.from(bytes).indexOf("test/fetchUser") - 2;
    const copy = bytes.slice();
    copy[at] = 0; // kind "class"
    rejectsWith(() => decode(withChecksum(copy)), SnapshotError, /uses "test\/fetchUser" as a class, but it is registered here as a function/);
  });
});

describe("checksum", () => {
  test("every single-bit flip of a small snapshot is a SnapshotError", () => {
    const bytes = encode({ a: [1, "two", 3.5], p: new Point(1, 2), when: new Date(5), f: fetchUser });
    let flips = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice();
        copy[i]! ^= 1 << bit;
        rejectsWith(() => decode(copy), SnapshotError);
        flips++;
      }
    }
    assert.equal(flips, bytes.length * 8);
  });

  test("every truncation is a SnapshotError", () => {
    const bytes = encode({ list: [1, 2, 3], text: "truncate me" });
    for (let length = 0; length < bytes.length; length++) rejectsWith(() => decode(bytes.subarray(0, length)), SnapshotError);
  });
});

describe("signatures", () => {
  const key = new Uint8Array(32).fill(1);
  const otherKey = new Uint8Array(32).fill(2);

  test("signed with a key: the right key verifies; a wrong or missing key fails", () => {
    const bytes = encode({ step: 3 }, { sign: key });
    assert.deepEqual(decode(bytes, { verify: key }), { step: 3 });
    rejectsWith(() => decode(bytes, { verify: otherKey }), SnapshotError, /signature does not match/);
    rejectsWith(() => decode(bytes), SnapshotError, /is signed: pass the key/);
  });

  test("an unsigned snapshot is refused when a signature is asked for", () => {
    rejectsWith(() => decode(encode({ step: 3 }), { verify: key }), SnapshotError, /not signed/);
  });

  test("a changed body with a recomputed checksum still fails the signature", () => {
    const bytes = encode({ amount: 100 }, { sign: key });
    const forged = bytes.slice();
    const at = forged.indexOf(0x80 + 100); // the small integer 100
    forged[at] = 0x80 + 101;
    rejectsWith(() => decode(withChecksum(forged), { verify: key }), SnapshotError, /signature does not match/);
  });

  test("a pluggable signer", () => {
    const signer: Signer = {
      sign: (bytes) => Uint8Array.of(crc32(bytes) & 0xff, 42),
      verify: (bytes, signature) => signature.length === 2 && signature[0] === (crc32(bytes) & 0xff) && signature[1] === 42,
    };
    const bytes = encode([1, 2], { sign: signer });
    assert.deepEqual(decode(bytes, { verify: signer }), [1, 2]);
    rejectsWith(() => decode(bytes, { verify: { sign: signer.sign, verify: () => false } }), SnapshotError, /signature does not match/);
    rejectsWith(() => decode(bytes, { verify: { sign: signer.sign, verify: () => { throw new RangeError("bad signature length"); } } }), SnapshotError, /bad signature length/);
  });

  test("HMAC-SHA256 matches RFC 4231 and node:crypto", () => {
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
    const text = (s: string) => new TextEncoder().encode(s);
    const cases: [Uint8Array, Uint8Array, string][] = [
      [new Uint8Array(20).fill(0x0b), text("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
      [text("Jefe"), text("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
      [new Uint8Array(20).fill(0xaa), new Uint8Array(50).fill(0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
      [new Uint8Array(131).fill(0xaa), text("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
    ];
    for (const [k, data, mac] of cases) {
      assert.equal(hex(hmacSigner(k).sign(data)), mac);
      assert.equal(createHmac("sha256", k).update(data).digest("hex"), mac);
      assert.ok(hmacSigner(k).verify(data, Buffer.from(mac, "hex")));
    }
  });
});

// ── Hostile input ─────────────────────────────────────────────────────────────

describe("hostile input", () => {
  /** A snapshot whose body is `body`, with an empty header and a valid checksum. */
  function forge(...body: number[]): Uint8Array {
    return withChecksum(Uint8Array.from([0x53, 0x54, 0x52, 0x44, 1, 0, 0, ...body, 0, 0, 0, 0]));
  }
  const huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]; // a varint near 2^45

  const cases: [string, Uint8Array, RegExp][] = [
    ["random bytes", Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff), /not a snapshot/],
    ["too short", new Uint8Array(3), /too short/],
    ["another format version", withChecksum(Uint8Array.from([0x53, 0x54, 0x52, 0x44, 9, 0, 0, 0, 0, 0, 0, 0, 0])), /format version 9/],
    ["a string claiming 2^44 bytes", forge(0x07, ...huge), /does not fit/],
    ["a dense array claiming 2^44 elements", forge(0x11, ...huge), /does not fit/],
    ["an ArrayBuffer claiming 2^44 bytes", forge(0x18, ...huge), /does not fit/],
    ["a Map claiming 2^44 entries", forge(0x16, ...huge), /does not fit/],
    ["a bigint claiming 2^44 bytes", forge(0x09, ...huge), /does not fit/],
    ["a sparse array longer than 2^32 − 1", forge(0x13, ...huge, 0, 0), /array length/],
    ["a shape claiming 2^44 keys", forge(0x0e, 0, ...huge), /does not fit/],
    ["a varint longer than 8 bytes", forge(0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), /varint/],
    ["a reference to an object not yet seen", forge(0x0d, 5), /reference to object #5/],
    ["a reference to a shape not yet seen", forge(0x0e, 3), /reference to shape/],
    ["a hole outside an array", forge(0x0c), /hole outside an array/],
    ["a function reference without a header entry", forge(0x1c, 0), /header entry #0/],
    ["an unknown tag", forge(0x40), /unknown tag/],
    ["a deferred container outside a closure", forge(0x1e, 0), /outside a closure/],
    ["bytes after the body", forge(0x00, 0x00), /after the body/],
    ["a body cut short", forge(0x0e, 0, 2, 0x07, 2, 0x61), /truncated/],
    ["a shape with a repeated key", forge(0x0e, 0, 2, 0x07, 2, 0x61, 0x08, 0, 0x80, 0x80), /repeated key/],
    ["a view out of its buffer", forge(0x19, 1, 0x18, 2, 0, 0, 1, 4), /out of its buffer/],
    ["a view of something else", forge(0x19, 1, 0x80, 0, 1), /not an ArrayBuffer/],
    ["an invalid regular expression", forge(0x15, 2, 0x28, 0, 0x80), /invalid regular expression/],
    ["a negative zero integer", forge(0x05, 0), /negative zero/],
    ["an unknown well-known symbol", forge(0x0b, 6, 0x6e, 0x6f, 0x70), /Symbol\.nop/],
    ["an array's extra property named length", forge(0x12, 0, 0, 1, 0x07, 12, ...Buffer.from("length"), 0x80), /malformed snapshot: TypeError/],
  ];
  for (const [name, bytes, message] of cases) {
    test(`${name} → SnapshotError`, () => {
      rejectsWith(() => decode(bytes), SnapshotError, message);
    });
  }

  test("a closure factory or deserializer that throws, or a factory that returns no function", () => {
    rejectsWith(() => decode(encode(closure(() => 0, "test/not-a-function", []))), SnapshotError, /returned number, not a function/);
    class Fragile {}
    registerType(Fragile, { serialize: () => 1, deserialize: () => { throw new Error("cannot"); } }, "test/Fragile");
    rejectsWith(() => decode(encode(new Fragile())), SnapshotError, /deserialize\(\) of type "test\/Fragile" threw: Error: cannot/);
    const own = new SnapshotError("module not loaded here");
    class Missing {}
    registerType(Missing, { serialize: () => 1, deserialize: () => { throw own; } }, "test/Missing");
    assert.throws(() => decode(encode(new Missing())), (error) => error === own, "a codec's own SnapshotError passes through");
  });

  test("a Node Buffer is read as the bytes it views", () => {
    const bytes = encode({ ok: true });
    const pool = Buffer.alloc(bytes.length + 10);
    pool.set(bytes, 5);
    assert.deepEqual(decode(pool.subarray(5, 5 + bytes.length)), { ok: true });
  });
});

// ── Bad arguments ─────────────────────────────────────────────────────────────

describe("bad arguments are TypeErrors naming the argument", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["encode options", () => encode(1, 5 as never), /encode: options must be an object/],
    ["encode options.sign", () => encode(1, { sign: "key" as never }), /options\.sign must be a key/],
    ["an empty key", () => encode(1, { sign: new Uint8Array(0) }), /options\.sign is an empty key/],
    ["decode bytes", () => decode("bytes" as never), /decode: bytes must be a Uint8Array, got string/],
    ["decode options.verify", () => decode(encode(1), { verify: {} as never }), /options\.verify must be a key .* verify\(\) method/],
    ["decode options.onHeader", () => decode(encode(1), { onHeader: 1 as never }), /options\.onHeader must be a function/],
    ["decode options.versions", () => decode(encode(1), { versions: "loose" as never }), /options\.versions must be "check" or "ignore", got loose/],
    ["inspectHeader bytes", () => inspectHeader(null as never), /inspectHeader: bytes must be a Uint8Array, got null/],
    ["registerClass id", () => registerClass("", Point), /registerClass: id must be a non-empty string, got ""/],
    ["registerClass Class", () => registerClass("x", {} as never), /registerClass: Class must be a class, got an object/],
    ["registerClass a built-in", () => registerClass("x", Map), /built-in prototype/],
    ["registerClass hash", () => registerClass("test/hashless", class {}, 5 as never), /hash must be a non-empty string or undefined, got 5/],
    ["registerPrototype proto", () => registerPrototype("x", null as never), /registerPrototype: proto must be an object, got null/],
    ["registerFunction fn", () => registerFunction("x", 42 as never), /registerFunction: fn must be a function, got 42/],
    ["registerClosureFactory factory", () => registerClosureFactory("x", "f" as never), /registerClosureFactory: factory must be a function, got "f"/],
    ["registerType codec", () => registerType(class Q {}, {} as never), /registerType: codec\.serialize must be a function/],
    ["registerType anonymous class", () => registerType((() => class {})(), { serialize: () => 0, deserialize: () => 0 } as never), /Class\.name \(the default id\) must be a non-empty string/],
    ["closure fn", () => closure(5 as never, "id", []), /closure: fn must be a function, got 5/],
    ["closure envs", () => closure(() => 0, "id", {} as never), /closure: envs must be an array/],
  ];
  for (const [name, call, message] of cases) test(name, () => void rejectsWith(call, TypeError, message));

  test("an id taken by another registration is a TypeError naming both", () => {
    class Point {} // another class with the same name
    rejectsWith(() => registerType(Point, { serialize: () => 0, deserialize: () => new Point() }, "test/Point"), TypeError, /registerType: the id "test\/Point" is already registered for class "test\/Point" \(Point\)/);
    rejectsWith(() => registerFunction("test/fetchUser", () => 0), TypeError, /already registered for function "test\/fetchUser" \(fetchUser\)/);
    rejectsWith(() => registerFunction("test/again", fetchUser), TypeError, /function fetchUser is already registered as function "test\/fetchUser"/);
    class Secret {}
    registerType(Secret, { serialize: () => 0, deserialize: () => new Secret() }); // default id "Secret" is free
    class Other {}
    Object.defineProperty(Other, "name", { value: "Secret" });
    rejectsWith(() => registerType(Other, { serialize: () => 0, deserialize: () => new Other() }), TypeError, /the id "Secret" is already registered for type "Secret" \(Secret\)/);
  });

  test("registering the same thing again under the same id is a no-op", () => {
    registerFunction("test/fetchUser", fetchUser, "fetch-v1");
    registerClass("test/Point", Point, "point-v1");
    rejectsWith(() => registerClass("test/Point", Point, "point-v2"), TypeError, /already registered/);
  });
});

// ── Properties ────────────────────────────────────────────────────────────────

describe("property-based", () => {
  const settings = { seed: 20240229, numRuns: 300 };

  test("fc.anything round-trips (with sharing added)", () => {
    const value = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withTypedArray: true,
      withSparseArray: true,
      stringUnit: "binary",
      maxDepth: 4,
    });
    fc.assert(
      fc.property(value, (v) => {
        const graph = { v, again: v, list: [v, { v }] };
        const bytes = encode(graph);
        assertSameGraph(decode(bytes), graph);
        assert.deepEqual(encode(decode(bytes)), bytes, "encoding the decoded graph gives the same bytes");
      }),
      settings,
    );
  });

  // Arbitrary graphs with sharing and cycles: nodes whose children point at other nodes.
  type Child = { ref: number } | { value: unknown };
  const primitive = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.bigInt(),
    fc.string({ unit: "binary", maxLength: 12 }),
    fc.boolean(),
    fc.constantFrom(undefined, null, Symbol.for("k"), Symbol.iterator),
  );
  const child: fc.Arbitrary<Child> = fc.oneof(fc.nat().map((ref) => ({ ref })), primitive.map((value) => ({ value })));
  const key = fc.oneof(fc.constantFrom("__proto__", "constructor", "0", "1", "10", "", "length", "a", "b"), fc.string({ maxLength: 6 }));
  const node = fc.record({
    kind: fc.constantFrom("object", "null-object", "array", "map", "set", "point", "date", "error"),
    keys: fc.uniqueArray(key, { maxLength: 5 }),
    children: fc.array(child, { maxLength: 5 }),
  });
  const graph = fc.array(node, { minLength: 1, maxLength: 12 }).map((specs) => {
    const nodes: object[] = specs.map((spec) => {
      switch (spec.kind) {
        case "object":
          return {};
        case "null-object":
          return Object.create(null) as object;
        case "array":
          return [];
        case "map":
          return new Map();
        case "set":
          return new Set();
        case "point":
          return Object.create(Point.prototype) as object;
        case "date":
          return new Date(spec.children.length * 1000);
        default:
          return new Error(spec.keys[0] ?? "");
      }
    });
    const resolve = (c: Child) => ("ref" in c ? nodes[c.ref % nodes.length] : c.value);
    specs.forEach((spec, i) => {
      const target = nodes[i]!;
      const values = spec.children.map(resolve);
      if (target instanceof Map) values.forEach((v, j) => target.set(j % 2 === 0 ? v : `k${j}`, v));
      else if (target instanceof Set) values.forEach((v) => target.add(v));
      else if (Array.isArray(target)) values.forEach((v, j) => (target[j * 2] = v)); // holes between
      else if (target instanceof Date) return;
      else if (target instanceof Error) target.cause = values[0];
      else spec.keys.forEach((k, j) => Object.defineProperty(target, k, { value: values[j % Math.max(values.length, 1)], enumerable: true, writable: true, configurable: true }));
    });
    return nodes;
  });

  test("arbitrary graphs with sharing and cycles round-trip", () => {
    fc.assert(
      fc.property(graph, (nodes) => {
        const bytes = encode(nodes);
        assertSameGraph(decode(bytes), nodes);
        assert.deepEqual(encode(decode(bytes)), bytes);
      }),
      settings,
    );
  });

  test("the comparison can fail: a graph that lost its sharing differs", () => {
    const shared = { n: 1 };
    assert.match(graphDifference([{ n: 1 }, { n: 1 }], [shared, shared])!, /decoded as two/);
    assert.match(graphDifference([1, , 3], [1, undefined, 3])!, /keys/);
    assert.match(graphDifference({ b: 1, a: 2 }, { a: 2, b: 1 })!, /keys/);
    assert.match(graphDifference([0], [-0])!, /0 instead of 0/);
  });
});
