/**
 * `node:assert/strict` for a browser page (the bundle aliases it here): the
 * functions the portable suite calls, with Node's strict semantics — equal is
 * Object.is, deepEqual is Node's deep strict equality (prototypes, own
 * enumerable keys and symbols, Map and Set contents, dates, regexps, boxed
 * primitives, typed arrays, errors' name and message, cycles), throws/rejects
 * validate with a class, a RegExp, a function or an object of expected
 * properties. A failed assertion throws an AssertionError.
 */

export class AssertionError extends Error {
  override readonly name = "AssertionError";
  readonly code = "ERR_ASSERTION";
  readonly actual: unknown;
  readonly expected: unknown;
  readonly operator: string;
  readonly generatedMessage: boolean;

  constructor(options: { message?: string | undefined; actual?: unknown; expected?: unknown; operator: string; generated: string }) {
    super(options.message ?? options.generated);
    this.actual = options.actual;
    this.expected = options.expected;
    this.operator = options.operator;
    this.generatedMessage = options.message === undefined;
  }
}

type Message = string | Error | undefined;

function fail(operator: string, generated: string, message: Message, actual?: unknown, expected?: unknown): never {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message, actual, expected, operator, generated });
}

// ── Showing values in messages ────────────────────────────────────────────────

function show(value: unknown, depth = 0, seen = new Set<unknown>()): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol" || typeof value === "undefined" || typeof value === "boolean") return String(value);
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "function") return `[Function: ${value.name || "anonymous"}]`;
  if (value === null) return "null";
  if (seen.has(value)) return "[Circular]";
  if (depth > 3) return Array.isArray(value) ? "[Array]" : "[Object]";
  seen.add(value);
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (value instanceof Date) return value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (Array.isArray(value)) return `[${value.map((v) => show(v, depth + 1, seen)).join(", ")}]`;
    if (value instanceof Map) return `Map(${value.size}) {${[...value].map(([k, v]) => `${show(k, depth + 1, seen)} => ${show(v, depth + 1, seen)}`).join(", ")}}`;
    if (value instanceof Set) return `Set(${value.size}) {${[...value].map((v) => show(v, depth + 1, seen)).join(", ")}}`;
    const proto = Object.getPrototypeOf(value) as object | null;
    const name = proto === null ? "[Object: null prototype] " : proto === Object.prototype ? "" : `${(proto.constructor as { name?: string } | undefined)?.name ?? ""} `;
    const entries = Object.keys(value).map((key) => `${key}: ${show((value as Record<string, unknown>)[key], depth + 1, seen)}`);
    return `${name}{${entries.join(", ")}}`;
  } finally {
    seen.delete(value);
  }
}

// ── Deep strict equality ─────────────────────────────────────────────────────

const tag = (value: object) => Object.prototype.toString.call(value);
const enumerable = (value: object, key: PropertyKey) => Object.prototype.propertyIsEnumerable.call(value, key);

function ownKeys(value: object): PropertyKey[] {
  return [...Object.keys(value), ...Object.getOwnPropertySymbols(value).filter((symbol) => enumerable(value, symbol))];
}

/** Pairs already being compared: a cycle compares equal if the rest does. */
type Memo = Map<object, Set<object>>;

function deepEqualValues(a: unknown, b: unknown, memo: Memo): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  let pairs = memo.get(a);
  if (pairs?.has(b)) return true;
  if (pairs === undefined) memo.set(a, (pairs = new Set()));
  pairs.add(b);
  return deepEqualObjects(a, b, memo);
}

function deepEqualObjects(a: object, b: object, memo: Memo): boolean {
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || tag(a) !== tag(b)) return false;
  if (Array.isArray(a)) {
    if (a.length !== (b as unknown[]).length) return false;
  } else if (a instanceof Date) {
    if (!Object.is(a.getTime(), (b as Date).getTime())) return false;
  } else if (a instanceof RegExp) {
    const r = b as RegExp;
    if (a.source !== r.source || a.flags !== r.flags || a.lastIndex !== r.lastIndex) return false;
  } else if (a instanceof Error) {
    const e = b as Error;
    if (a.message !== e.message || a.name !== e.name) return false;
    if ("cause" in a || "cause" in e) {
      if (!deepEqualValues((a as { cause?: unknown }).cause, (e as { cause?: unknown }).cause, memo)) return false;
    }
  } else if (a instanceof Number || a instanceof String || a instanceof Boolean || a instanceof BigInt || a instanceof Symbol) {
    if (!Object.is(a.valueOf(), (b as { valueOf(): unknown }).valueOf())) return false;
  } else if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength);
    if (x.length !== y.length || x.some((byte, i) => byte !== y[i])) return false;
  } else if (a instanceof ArrayBuffer) {
    const x = new Uint8Array(a);
    const y = new Uint8Array(b as ArrayBuffer);
    if (x.length !== y.length || x.some((byte, i) => byte !== y[i])) return false;
  } else if (a instanceof Map) {
    if (!sameMap(a, b as Map<unknown, unknown>, memo)) return false;
  } else if (a instanceof Set) {
    if (!sameSet(a, b as Set<unknown>, memo)) return false;
  } else if (a instanceof WeakMap || a instanceof WeakSet || a instanceof Promise) {
    return false; // Object.is already said they are different objects
  }
  const ak = ownKeys(a);
  const bk = ownKeys(b);
  if (ak.length !== bk.length) return false;
  for (const key of ak) {
    if (!enumerable(b, key)) return false;
    if (!deepEqualValues((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key], memo)) return false;
  }
  return true;
}

function sameSet(a: Set<unknown>, b: Set<unknown>, memo: Memo): boolean {
  if (a.size !== b.size) return false;
  const unmatched: unknown[] = [];
  for (const value of a) {
    if (typeof value === "object" && value !== null) unmatched.push(value);
    else if (!b.has(value)) return false;
  }
  const candidates = [...b].filter((value) => typeof value === "object" && value !== null && !a.has(value));
  for (const value of unmatched) {
    if (b.has(value)) continue;
    const i = candidates.findIndex((candidate) => deepEqualValues(value, candidate, memo));
    if (i < 0) return false;
    candidates.splice(i, 1);
  }
  return true;
}

function sameMap(a: Map<unknown, unknown>, b: Map<unknown, unknown>, memo: Memo): boolean {
  if (a.size !== b.size) return false;
  const unmatched: [unknown, unknown][] = [];
  for (const [key, value] of a) {
    if (b.has(key)) {
      if (!deepEqualValues(value, b.get(key), memo)) return false;
    } else if (typeof key === "object" && key !== null) {
      unmatched.push([key, value]);
    } else {
      return false;
    }
  }
  const candidates = [...b].filter(([key]) => !a.has(key));
  for (const [key, value] of unmatched) {
    const i = candidates.findIndex(([k, v]) => deepEqualValues(key, k, memo) && deepEqualValues(value, v, memo));
    if (i < 0) return false;
    candidates.splice(i, 1);
  }
  return true;
}

/** Node's deep strict equality. */
export function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  return deepEqualValues(a, b, new Map());
}

// ── The assertions ────────────────────────────────────────────────────────────

export function ok(value: unknown, message?: Message): asserts value {
  if (!value) fail("==", `The expression evaluated to a falsy value:\n\n  assert.ok(${show(value)})\n`, message, value, true);
}

export function equal<T>(actual: unknown, expected: T, message?: Message): asserts actual is T {
  if (!Object.is(actual, expected)) fail("strictEqual", `Expected values to be strictly equal:\n\n${show(actual)} !== ${show(expected)}\n`, message, actual, expected);
}

export function notEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (Object.is(actual, expected)) fail("notStrictEqual", `Expected "actual" to be strictly unequal to: ${show(expected)}`, message, actual, expected);
}

export function deepEqual<T>(actual: unknown, expected: T, message?: Message): asserts actual is T {
  if (!isDeepStrictEqual(actual, expected)) {
    fail("deepStrictEqual", `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${show(actual)}\n- ${show(expected)}\n`, message, actual, expected);
  }
}

export function notDeepEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (isDeepStrictEqual(actual, expected)) fail("notDeepStrictEqual", `Expected "actual" not to be strictly deep-equal to: ${show(expected)}`, message, actual, expected);
}

export function match(value: string, pattern: RegExp, message?: Message): void {
  if (typeof value !== "string" || !pattern.test(value)) {
    fail("match", `The input did not match the regular expression ${String(pattern)}. Input:\n\n${show(value)}\n`, message, value, pattern);
  }
}

export function doesNotMatch(value: string, pattern: RegExp, message?: Message): void {
  if (typeof value !== "string" || pattern.test(value)) {
    fail("doesNotMatch", `The input was expected to not match the regular expression ${String(pattern)}. Input:\n\n${show(value)}\n`, message, value, pattern);
  }
}

function failWith(message?: Message): never {
  fail("fail", "Failed", message);
}
export { failWith as fail };

type Expected = RegExp | Function | object;

const NO_ERROR = Symbol("no error");

/** Node's check of a thrown value against `expected`. */
function validate(error: unknown, expected: Expected | undefined, message: Message, operator: string): void {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(error))) fail(operator, `The error did not match the regular expression ${String(expected)}: ${show(error)}`, message, error, expected);
    return;
  }
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && error instanceof (expected as new () => unknown)) return;
    if (Error.isPrototypeOf(expected) || expected === Error) {
      fail(operator, `The error is expected to be an instance of "${expected.name}". Received ${show(error)}`, message, error, expected);
    }
    const result = (expected as (error: unknown) => unknown).call({}, error);
    if (result !== true) fail(operator, `The ${expected.name || "validation"} function is expected to return "true". Received ${show(result)}; the error: ${show(error)}`, message, error, expected);
    return;
  }
  if (typeof error !== "object" || error === null) fail(operator, `Expected an error object, got ${show(error)}`, message, error, expected);
  for (const key of Reflect.ownKeys(expected)) {
    const want = (expected as Record<PropertyKey, unknown>)[key];
    const got = (error as Record<PropertyKey, unknown>)[key];
    const same = want instanceof RegExp && typeof got === "string" ? want.test(got) : isDeepStrictEqual(got, want);
    if (!same) fail(operator, `The error's ${String(key)} differs:\n+ actual - expected\n\n+ ${show(got)}\n- ${show(want)}\n`, message, error, expected);
  }
}

function split(expected: Expected | string | undefined, message: Message): [Expected | undefined, Message] {
  return typeof expected === "string" ? [undefined, expected] : [expected, message];
}

export function throws(fn: () => unknown, expected?: Expected | string, message?: Message): void {
  const [want, text] = split(expected, message);
  let thrown: unknown = NO_ERROR;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === NO_ERROR) fail("throws", "Missing expected exception.", text, undefined, want);
  validate(thrown, want, text, "throws");
}

export function doesNotThrow(fn: () => unknown, message?: Message): void {
  try {
    fn();
  } catch (error) {
    fail("doesNotThrow", `Got unwanted exception.\nActual message: "${error instanceof Error ? error.message : String(error)}"`, message, error);
  }
}

export async function rejects(promise: Promise<unknown> | (() => Promise<unknown>), expected?: Expected | string, message?: Message): Promise<void> {
  const [want, text] = split(expected, message);
  let thrown: unknown = NO_ERROR;
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    thrown = error;
  }
  if (thrown === NO_ERROR) fail("rejects", "Missing expected rejection.", text, undefined, want);
  validate(thrown, want, text, "rejects");
}

export async function doesNotReject(promise: Promise<unknown> | (() => Promise<unknown>), message?: Message): Promise<void> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    fail("doesNotReject", `Got unwanted rejection.\nActual message: "${error instanceof Error ? error.message : String(error)}"`, message, error);
  }
}

/** The default export: `assert(value)` is `ok`, with every assertion on it, as node:assert/strict. */
const assert = Object.assign((value: unknown, message?: Message) => ok(value, message), {
  ok,
  equal,
  strictEqual: equal,
  notEqual,
  notStrictEqual: notEqual,
  deepEqual,
  deepStrictEqual: deepEqual,
  notDeepEqual,
  notDeepStrictEqual: notDeepEqual,
  match,
  doesNotMatch,
  fail: failWith,
  throws,
  doesNotThrow,
  rejects,
  doesNotReject,
  AssertionError,
  strict: undefined as unknown,
});
assert.strict = assert;

export { equal as strictEqual, notEqual as notStrictEqual, deepEqual as deepStrictEqual, notDeepEqual as notDeepStrictEqual };
export default assert;
