/**
 * The constants of the snapshot format (the format itself is described at the
 * top of serialize.ts): node tags, the built-in prototypes the serializer
 * handles itself, and the sub-kinds of views, errors and boxed primitives.
 * Numbers here are written into snapshots: never renumber one, add new ones.
 */

/** "STRD": the first four bytes of every snapshot. */
export const MAGIC = [0x53, 0x54, 0x52, 0x44] as const;
/** The format version this code writes and reads. */
export const FORMAT_VERSION = 1;
/** Header flags. */
export const FLAG_SIGNED = 1;

// Node tags (one byte each; see the table in serialize.ts).
export const T_UNDEFINED = 0x00;
export const T_NULL = 0x01;
export const T_FALSE = 0x02;
export const T_TRUE = 0x03;
export const T_UINT = 0x04;
export const T_NEGINT = 0x05;
export const T_FLOAT64 = 0x06;
export const T_STRING = 0x07;
/** Only as a key in a shape: entry i of the key table. */
export const T_KEY_REF = 0x08;
export const T_BIGINT = 0x09;
export const T_SYMBOL_FOR = 0x0a;
export const T_SYMBOL_WELL_KNOWN = 0x0b;
export const T_HOLE = 0x0c;
export const T_REF = 0x0d;
export const T_OBJECT = 0x0e;
export const T_NULL_OBJECT = 0x0f;
export const T_INSTANCE = 0x10;
export const T_ARRAY = 0x11;
export const T_ARRAY_PROPS = 0x12;
export const T_SPARSE_ARRAY = 0x13;
export const T_DATE = 0x14;
export const T_REGEXP = 0x15;
export const T_MAP = 0x16;
export const T_SET = 0x17;
export const T_ARRAY_BUFFER = 0x18;
export const T_VIEW = 0x19;
export const T_ERROR = 0x1a;
export const T_BOXED = 0x1b;
export const T_FUNCTION = 0x1c;
export const T_CLOSURE = 0x1d;
export const T_DEFER = 0x1e;
export const T_CUSTOM = 0x1f;
export const T_ARGUMENTS = 0x20;
/** Tags from here up are the integers 0..127 (tag − T_SMALL_INT). */
export const T_SMALL_INT = 0x80;

/** Kinds of the containers a closure's environment list defers (the byte after T_DEFER). */
export const SHELL_OBJECT = 0;
export const SHELL_NULL_OBJECT = 1;
export const SHELL_INSTANCE = 2;
export const SHELL_ARRAY = 3;
export const SHELL_MAP = 4;
export const SHELL_SET = 5;

/** Error nodes: the own non-enumerable fields saved, by field number. */
export const ERROR_FIELDS = ["message", "name", "stack", "cause", "errors"] as const;
/** The kind byte of an error node whose prototype is a registered one (a header entry index follows). */
export const ERROR_REGISTERED = 0xff;

/** The built-in error constructors, by kind byte. */
export const ERROR_CONSTRUCTORS: readonly ErrorConstructor[] = [
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  AggregateError as unknown as ErrorConstructor,
];

type ViewConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

/** The view constructors, by kind byte. DataView's length is in bytes, the others' in elements. */
export const VIEW_CONSTRUCTORS: readonly ViewConstructor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
];
export const VIEW_DATA_VIEW = 11;

/** Boxed primitives, by kind: their valueOf unwraps them without running user code. */
export const BOXED_VALUE_OF: readonly ((this: unknown) => unknown)[] = [
  Number.prototype.valueOf,
  String.prototype.valueOf,
  Boolean.prototype.valueOf,
  BigInt.prototype.valueOf,
  Symbol.prototype.valueOf,
];

// What an object's prototype says it is: a Builtin code (kind + sub-kind).
export const B_DATE = 1;
export const B_REGEXP = 2;
export const B_MAP = 3;
export const B_SET = 4;
export const B_ARRAY_BUFFER = 5;
/** B_VIEW + the view kind. */
export const B_VIEW = 16;
/** B_ERROR + the error kind. */
export const B_ERROR = 32;
/** B_BOXED + the boxed kind. */
export const B_BOXED = 48;

/** Built-in prototypes (other than Object.prototype, Array.prototype and null) and what their instances are. */
export const BUILTINS = new Map<object, number>([
  [Date.prototype, B_DATE],
  [RegExp.prototype, B_REGEXP],
  [Map.prototype, B_MAP],
  [Set.prototype, B_SET],
  [ArrayBuffer.prototype, B_ARRAY_BUFFER],
  ...VIEW_CONSTRUCTORS.map((View, kind) => [View.prototype, B_VIEW + kind] as [object, number]),
  ...ERROR_CONSTRUCTORS.map((Ctor, kind) => [Ctor.prototype, B_ERROR + kind] as [object, number]),
  [Number.prototype, B_BOXED + 0],
  [String.prototype, B_BOXED + 1],
  [Boolean.prototype, B_BOXED + 2],
  [BigInt.prototype, B_BOXED + 3],
  [Symbol.prototype, B_BOXED + 4],
]);

/** True for the prototypes the serializer handles itself: they cannot be registered. */
export function isBuiltinPrototype(proto: object): boolean {
  return proto === Object.prototype || proto === Array.prototype || proto === Function.prototype || BUILTINS.has(proto);
}

/** The well-known symbols of this engine (Symbol.iterator…), by name and back. */
export const WELL_KNOWN_NAMES = new Map<symbol, string>();
export const WELL_KNOWN_SYMBOLS = new Map<string, symbol>();
for (const name of Object.getOwnPropertyNames(Symbol)) {
  const symbol = (Symbol as unknown as Record<string, unknown>)[name];
  if (typeof symbol === "symbol" && Symbol.keyFor(symbol) === undefined) {
    WELL_KNOWN_NAMES.set(symbol, name);
    WELL_KNOWN_SYMBOLS.set(name, symbol);
  }
}
