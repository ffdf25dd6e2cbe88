/**
 * The decoder: checks a snapshot's frame (magic, version, checksum, signature
 * trailer), reads its header, and rebuilds the body's graph with an explicit
 * stack (no recursion). The format is described at the top of serialize.ts.
 *
 * Safety (the input may be anything):
 * - Nothing is evaluated: no eval, no Function constructor. Objects are made
 *   by literals, Object.create on registered prototypes, and built-in
 *   constructors; the only user code that runs is what this process
 *   registered (closure factories, custom types' deserialize).
 * - A key never sets a prototype and never runs a setter: a shape whose keys
 *   meet an accessor or read-only property on the prototype chain (such as
 *   `__proto__` on Object.prototype) is defined property by property.
 * - Every length and count is checked against the bytes left before anything
 *   is allocated, and every node takes at least one byte, so memory and time
 *   stay linear in the input's size. References must point at objects already
 *   made (never at one still pending: a custom value or closure being made).
 * - Every failure is a SnapshotError; the public `decode` wraps anything else.
 *
 * Invariants:
 * 1. The object table gets an entry for every object node, in the order the
 *    encoder numbered them: a container is made and delivered to its parent
 *    when its node starts, then filled through its own frame, so cycles back
 *    to it resolve. A custom value or a closure is PENDING until made.
 * 2. Frames are filled in stream order; `fPos` counts the children delivered.
 */
import { SnapshotError } from "./errors.js";
import { closure, KIND_CLASS, KIND_CLOSURE, KIND_PROTOTYPE, KIND_TYPE, type Entry } from "./registry.js";
import {
  T_ARGUMENTS,
  ERROR_CONSTRUCTORS,
  ERROR_FIELDS,
  ERROR_REGISTERED,
  FORMAT_VERSION,
  FLAG_SIGNED,
  MAGIC,
  SHELL_ARRAY,
  SHELL_INSTANCE,
  SHELL_MAP,
  SHELL_NULL_OBJECT,
  SHELL_OBJECT,
  SHELL_SET,
  T_ARRAY,
  T_ARRAY_BUFFER,
  T_ARRAY_PROPS,
  T_BIGINT,
  T_BOXED,
  T_CLOSURE,
  T_CUSTOM,
  T_DATE,
  T_DEFER,
  T_ERROR,
  T_FALSE,
  T_FLOAT64,
  T_FUNCTION,
  T_HOLE,
  T_INSTANCE,
  T_MAP,
  T_NEGINT,
  T_NULL,
  T_NULL_OBJECT,
  T_OBJECT,
  T_REF,
  T_REGEXP,
  T_SET,
  T_SMALL_INT,
  T_SPARSE_ARRAY,
  T_STRING,
  T_KEY_REF,
  T_SYMBOL_FOR,
  T_SYMBOL_WELL_KNOWN,
  T_TRUE,
  T_UINT,
  T_UNDEFINED,
  T_VIEW,
  VIEW_CONSTRUCTORS,
  VIEW_DATA_VIEW,
  WELL_KNOWN_SYMBOLS,
} from "./serialize-format.js";
import { crc32 } from "./checksum.js";

// Frame kinds: how a delivered child is stored.
const F_ROOT = 0; // slot = the value
const F_ASSIGN = 1; // target[keys[pos]] = value (the shape was checked safe to assign)
const F_DEFINE = 2; // defineProperty(target, keys[pos], enumerable data property)
const F_FIELDS = 3; // defineProperty(target, keys[pos], non-enumerable: an error's fields)
const F_ARRAY = 4; // target[pos] = value unless a hole
const F_SPARSE = 5; // target[slot] = value; slot = the index read before the node
const F_MAP = 6; // even pos: slot = key; odd: target.set(slot, value)
const F_SET = 7; // target.add(value)
const F_ENVS = 8; // target (the envs array).push(value); list: the deferred shells; aux: the entry
const F_FILL = 9; // list: the shells whose contents follow the closure
const F_CUSTOM = 10; // slot = the data; aux: the entry

/** An object-table entry whose value is not made yet. */
const PENDING: unique symbol = Symbol("pending");
/** readNode's result for a node that delivered itself (a container) or will later (custom, closure). */
const DELIVERED: unique symbol = Symbol("delivered");
/** readNode's result for T_HOLE. */
const HOLE: unique symbol = Symbol("hole");

const ObjectPrototype = Object.prototype;
const ArrayPrototype = Array.prototype;
const MapPrototype = Map.prototype;
const SetPrototype = Set.prototype;
const MAX_ARRAY_LENGTH = 4294967295;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
// ignoreBOM: a string that starts with U+FEFF keeps it.
const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });


interface Shape {
  readonly keys: PropertyKey[];
  /** The last prototype the shape was checked against, and whether plain assignment is safe on it. */
  proto: object | null | undefined;
  assign: boolean;
}

/** One (kind, id, hash) of a snapshot's header. */
export interface RawEntry {
  readonly kind: number;
  readonly id: string;
  readonly hash: string | undefined;
}

/** What the frame and header of a snapshot say; the body is `bytes[bodyStart, contentEnd)`. */
export interface Opened {
  readonly formatVersion: number;
  readonly signed: boolean;
  readonly entries: readonly RawEntry[];
  readonly bodyStart: number;
  /** End of the signed content (header and body). */
  readonly contentEnd: number;
  readonly signature: Uint8Array | null;
}

function malformed(what: string, at: number): SnapshotError {
  return new SnapshotError(`malformed snapshot: ${what} (at byte ${at})`);
}

/** Checks the frame of `bytes` (a plain Uint8Array) and reads its header. Throws SnapshotError. */
export function openSnapshot(bytes: Uint8Array): Opened {
  const length = bytes.length;
  if (length < 12) throw new SnapshotError(`not a snapshot: ${length} bytes is too short`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new SnapshotError("not a snapshot: its first bytes are not the magic bytes STRD");
  }
  const formatVersion = bytes[4]!;
  if (formatVersion !== FORMAT_VERSION) {
    throw new SnapshotError(`snapshot format version ${formatVersion} is not supported (this code reads version ${FORMAT_VERSION})`);
  }
  const expected = readU32(bytes, length - 4);
  if (crc32(bytes, 0, length - 4) !== expected) {
    throw new SnapshotError("corrupted snapshot: its checksum does not match its contents (truncated, or changed after it was written)");
  }
  const flags = bytes[5]!;
  if ((flags & ~FLAG_SIGNED) !== 0) throw malformed(`unknown flags ${flags}`, 5);
  const signed = (flags & FLAG_SIGNED) !== 0;
  let contentEnd = length - 4;
  let signature: Uint8Array | null = null;
  if (signed) {
    if (contentEnd < 10) throw malformed("no room for the signature", contentEnd);
    const signatureLength = readU32(bytes, contentEnd - 4);
    if (signatureLength > contentEnd - 4 - 7) throw malformed(`a signature of ${signatureLength} bytes does not fit`, contentEnd - 4);
    contentEnd -= 4 + signatureLength;
    signature = bytes.slice(contentEnd, contentEnd + signatureLength);
  }
  const reader = new Decoder(bytes, 6, contentEnd, []);
  const count = reader.varint();
  if (count > contentEnd - reader.pos) throw malformed(`${count} header entries do not fit`, reader.pos);
  const entries: RawEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = reader.pos;
    const kind = reader.byte();
    if (kind > KIND_TYPE) throw malformed(`unknown entry kind ${kind}`, at);
    const id = reader.str();
    const hasHash = reader.byte();
    if (hasHash > 1) throw malformed("bad hash flag", reader.pos - 1);
    entries.push({ kind, id, hash: hasHash === 1 ? reader.str() : undefined });
  }
  return { formatVersion, signed, entries, bodyStart: reader.pos, contentEnd, signature };
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** Reads one snapshot body. One instance per `decode` call (deserializers may decode re-entrantly). */
export class Decoder {
  pos: number;
  private readonly floats: DataView;

  private readonly objects: unknown[] = [];
  private readonly keys: string[] = [];
  private readonly shapes: Shape[] = [];

  private sp = -1;
  private readonly fKind: number[] = [];
  private readonly fTarget: unknown[] = [];
  private readonly fList: unknown[] = [];
  private readonly fAux: unknown[] = [];
  private readonly fSlot: unknown[] = [];
  private readonly fIndex: number[] = [];
  private readonly fPos: number[] = [];
  private readonly fCount: number[] = [];

  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly end: number,
    /** The header's entries, resolved in this process. */
    private readonly entries: readonly Entry[],
  ) {
    this.pos = start;
    this.floats = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** The body's root value; the body must end exactly at `end`. */
  decode(): unknown {
    this.push(F_ROOT, undefined, undefined, undefined, 1);
    for (;;) {
      const sp = this.sp;
      if (this.fPos[sp] === this.fCount[sp]) {
        if (sp === 0) break;
        this.finish(sp);
        continue;
      }
      const kind = this.fKind[sp];
      if (kind === F_SPARSE) {
        const at = this.pos;
        const index = this.varint();
        if (index <= this.fIndex[sp]! || index >= (this.fTarget[sp] as unknown[]).length) throw malformed("sparse array indices out of order or range", at);
        this.fIndex[sp] = index;
        this.fSlot[sp] = index;
      } else if (kind === F_FILL) {
        const shell = (this.fList[sp] as object[])[this.fPos[sp]!]!;
        this.fPos[sp]!++;
        this.fill(shell);
        continue;
      }
      const value = this.readNode();
      if (value !== DELIVERED) this.deliver(sp, value);
    }
    if (this.pos !== this.end) throw malformed(`${this.end - this.pos} bytes after the body`, this.pos);
    return this.fSlot[0];
  }

  private push(kind: number, target: unknown, list: unknown, aux: unknown, count: number): void {
    const sp = ++this.sp;
    this.fKind[sp] = kind;
    this.fTarget[sp] = target;
    this.fList[sp] = list;
    this.fAux[sp] = aux;
    this.fSlot[sp] = undefined;
    this.fIndex[sp] = -1;
    this.fPos[sp] = 0;
    this.fCount[sp] = count;
  }

  private pop(sp: number): void {
    this.fTarget[sp] = this.fList[sp] = this.fAux[sp] = this.fSlot[sp] = undefined;
    this.sp = sp - 1;
  }

  /** Stores a child into frame `d` (invariant 2). */
  private deliver(d: number, value: unknown): void {
    const pos = this.fPos[d]!;
    this.fPos[d] = pos + 1;
    switch (this.fKind[d]) {
      case F_ASSIGN:
        (this.fTarget[d] as Record<PropertyKey, unknown>)[(this.fList[d] as PropertyKey[])[pos]!] = value;
        return;
      case F_ARRAY:
        if (value !== HOLE) (this.fTarget[d] as unknown[])[pos] = value;
        return;
      case F_DEFINE:
        defineProperty(this.fTarget[d], (this.fList[d] as PropertyKey[])[pos]!, { value, writable: true, enumerable: true, configurable: true });
        return;
      case F_FIELDS:
        defineProperty(this.fTarget[d], (this.fList[d] as PropertyKey[])[pos]!, { value, writable: true, enumerable: false, configurable: true });
        return;
      case F_SPARSE:
        (this.fTarget[d] as unknown[])[this.fSlot[d] as number] = value;
        return;
      case F_MAP:
        if (pos % 2 === 0) this.fSlot[d] = value;
        else (this.fTarget[d] as Map<unknown, unknown>).set(this.fSlot[d], value);
        return;
      case F_SET:
        (this.fTarget[d] as Set<unknown>).add(value);
        return;
      case F_ENVS:
        (this.fTarget[d] as unknown[]).push(value);
        return;
      default: // F_ROOT, F_CUSTOM
        this.fSlot[d] = value;
    }
  }

  /** Frame `sp` has all its children. */
  private finish(sp: number): void {
    switch (this.fKind[sp]) {
      case F_ARRAY: {
        const array = this.fTarget[sp] as unknown[];
        if (array.length < this.fCount[sp]!) array.length = this.fCount[sp]!; // trailing holes
        break;
      }
      case F_ENVS: {
        const entry = this.fAux[sp] as Entry;
        const envs = this.fTarget[sp] as unknown[];
        const fn = this.makeClosure(entry, envs);
        this.objects[this.fIndex[sp]!] = fn;
        this.deliver(sp - 1, fn);
        const shells = this.fList[sp] as object[];
        if (shells.length > 0) {
          // Same frame, next phase: the shells' contents (which may refer to the closure).
          this.fKind[sp] = F_FILL;
          this.fPos[sp] = 0;
          this.fCount[sp] = shells.length;
          return;
        }
        break;
      }
      case F_CUSTOM: {
        const entry = this.fAux[sp] as Entry;
        let value: unknown;
        try {
          value = entry.codec!.deserialize(this.fSlot[sp]);
        } catch (error) {
          if (error instanceof SnapshotError) throw error;
          throw new SnapshotError(`the deserialize() of type ${JSON.stringify(entry.id)} threw: ${describeError(error)}`, undefined, { cause: error });
        }
        this.objects[this.fIndex[sp]!] = value;
        this.pop(sp);
        this.deliver(sp - 1, value);
        return;
      }
    }
    this.pop(sp);
  }

  private makeClosure(entry: Entry, envs: unknown[]): Function {
    let fn: unknown;
    try {
      fn = entry.factory!(...envs);
    } catch (error) {
      if (error instanceof SnapshotError) throw error;
      throw new SnapshotError(`the closure factory ${JSON.stringify(entry.id)} threw: ${describeError(error)}`, undefined, { cause: error });
    }
    if (typeof fn !== "function") throw new SnapshotError(`the closure factory ${JSON.stringify(entry.id)} returned ${typeof fn}, not a function`);
    return closure(fn, entry.id, envs);
  }

  /** Reads one node: returns its value, or DELIVERED when it delivers itself. */
  private readNode(): unknown {
    const at = this.pos;
    const tag = this.byte();
    if (tag >= T_SMALL_INT) return tag - T_SMALL_INT;
    if (tag <= T_SYMBOL_WELL_KNOWN) return this.primitive(tag, at);
    const sp = this.sp;
    switch (tag) {
      case T_REF: {
        const index = this.varint();
        if (index >= this.objects.length) throw malformed(`reference to object #${index} of ${this.objects.length}`, at);
        const value = this.objects[index];
        if (value === PENDING) throw malformed(`reference to object #${index} before it is made`, at);
        return value;
      }
      case T_OBJECT: {
        const target = {};
        this.objects.push(target);
        this.deliver(sp, target);
        this.fillObject(target, ObjectPrototype);
        return DELIVERED;
      }
      case T_ARRAY:
      case T_ARRAY_PROPS:
      case T_SPARSE_ARRAY: {
        const target: unknown[] = [];
        this.objects.push(target);
        this.deliver(sp, target);
        this.fillArray(target, tag);
        return DELIVERED;
      }
      case T_INSTANCE: {
        const entry = this.entry(KIND_CLASS, at);
        const target = Object.create(entry.proto) as object;
        this.objects.push(target);
        this.deliver(sp, target);
        this.fillObject(target, entry.proto);
        return DELIVERED;
      }
      case T_NULL_OBJECT: {
        const target = Object.create(null) as object;
        this.objects.push(target);
        this.deliver(sp, target);
        this.fillObject(target, null);
        return DELIVERED;
      }
      case T_DATE: {
        if (this.end - this.pos < 8) throw malformed("truncated date", at);
        const date = new Date(this.floats.getFloat64(this.pos, true));
        this.pos += 8;
        this.objects.push(date);
        return date;
      }
      case T_MAP: {
        const map = new Map();
        this.objects.push(map);
        this.deliver(sp, map);
        this.fillMap(map);
        return DELIVERED;
      }
      case T_SET: {
        const set = new Set();
        this.objects.push(set);
        this.deliver(sp, set);
        this.fillSet(set);
        return DELIVERED;
      }
      case T_REGEXP: {
        const source = this.str();
        const flags = this.str();
        const lastIndex = this.number();
        let regexp: RegExp;
        try {
          regexp = new RegExp(source, flags);
        } catch {
          throw malformed("an invalid regular expression", at);
        }
        regexp.lastIndex = lastIndex;
        this.objects.push(regexp);
        return regexp;
      }
      case T_ARRAY_BUFFER: {
        const buffer = this.arrayBuffer();
        this.objects.push(buffer);
        return buffer;
      }
      case T_VIEW:
        return this.view(at);
      case T_ERROR:
        this.error(at);
        return DELIVERED;
      case T_BOXED: {
        const inner = this.pos;
        const tag = this.byte();
        const value = tag >= T_SMALL_INT ? tag - T_SMALL_INT : tag <= T_SYMBOL_WELL_KNOWN ? this.primitive(tag, inner) : HOLE;
        if (value === HOLE || value === null || value === undefined) throw malformed("a boxed value that is not a number, string, boolean, bigint or symbol", inner);
        const boxed = Object(value) as object;
        this.objects.push(boxed);
        return boxed;
      }
      case T_FUNCTION: {
        const index = this.varint();
        const entry = this.entries[index];
        if (entry === undefined || entry.fn === null) throw malformed(`function reference to header entry #${index}`, at);
        return entry.fn;
      }
      case T_CLOSURE: {
        const entry = this.entry(KIND_CLOSURE, at);
        const count = this.count(at);
        const index = this.objects.length;
        if (count === 0) {
          const fn = this.makeClosure(entry, []);
          this.objects.push(fn);
          return fn;
        }
        this.objects.push(PENDING);
        this.push(F_ENVS, [], [], entry, count);
        this.fIndex[this.sp] = index;
        return DELIVERED;
      }
      case T_DEFER: {
        if (this.fKind[sp] !== F_ENVS) throw malformed("a deferred container outside a closure's environments", at);
        const shell = this.shell(at);
        this.objects.push(shell);
        (this.fList[sp] as object[]).push(shell);
        return shell;
      }
      case T_CUSTOM: {
        const entry = this.entry(KIND_TYPE, at);
        const index = this.objects.length;
        this.objects.push(PENDING);
        this.push(F_CUSTOM, undefined, undefined, entry, 1);
        this.fIndex[this.sp] = index;
        return DELIVERED;
      }
      case T_HOLE:
        if (this.fKind[sp] !== F_ARRAY) throw malformed("a hole outside an array", at);
        return HOLE;
      case T_ARGUMENTS: {
        const length = this.count(at);
        const args = makeArguments();
        args.length = length;
        this.objects.push(args);
        this.deliver(sp, args);
        if (length !== 0) this.push(F_ARRAY, args, undefined, undefined, length);
        return DELIVERED;
      }
    }
    throw malformed(`unknown tag ${tag}`, at);
  }

  /** Primitive tags (T_UNDEFINED..T_SYMBOL_WELL_KNOWN). */
  private primitive(tag: number, at: number): unknown {
    switch (tag) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_STRING:
        return this.str();
      case T_UINT:
        return this.varint();
      case T_NEGINT: {
        const n = this.varint();
        if (n === 0) throw malformed("negative zero as an integer", at);
        return -n;
      }
      case T_FLOAT64: {
        if (this.end - this.pos < 8) throw malformed("truncated number", at);
        const n = this.floats.getFloat64(this.pos, true);
        this.pos += 8;
        return n;
      }
      case T_BIGINT:
        return this.bigint(at);
      case T_SYMBOL_FOR:
        return Symbol.for(this.str());
      case T_SYMBOL_WELL_KNOWN: {
        const name = this.str();
        const symbol = WELL_KNOWN_SYMBOLS.get(name);
        if (symbol === undefined) throw new SnapshotError(`the snapshot holds the well-known symbol Symbol.${name}, which this engine does not have`);
        return symbol;
      }
    }
    throw malformed(`unknown tag ${tag}`, at);
  }

  /** A number node (of a Date or a RegExp's lastIndex). */
  private number(): number {
    const at = this.pos;
    const tag = this.byte();
    if (tag >= T_SMALL_INT) return tag - T_SMALL_INT;
    if (tag === T_UINT || tag === T_NEGINT || tag === T_FLOAT64) return this.primitive(tag, at) as number;
    throw malformed("a number expected", at);
  }

  private bigint(at: number): bigint {
    const header = this.varint();
    const length = Math.floor(header / 2);
    if (length > this.end - this.pos) throw malformed(`a bigint of ${length} bytes does not fit`, at);
    if (length === 0) return 0n;
    const buf = this.buf;
    const digits: string[] = [];
    for (let i = this.pos + length - 1; i >= this.pos; i--) digits.push((buf[i]! < 16 ? "0" : "") + buf[i]!.toString(16));
    this.pos += length;
    const magnitude = BigInt("0x" + digits.join(""));
    return header % 2 === 1 ? -magnitude : magnitude;
  }

  /** Object contents: a shape, then a frame for the values. */
  private fillObject(target: object, proto: object | null): void {
    const shape = this.shape();
    const n = shape.keys.length;
    if (n === 0) return;
    this.push(proto === null || this.canAssign(shape, proto) ? F_ASSIGN : F_DEFINE, target, shape.keys, undefined, n);
  }

  /**
   * Whether `target[key] = value` on a fresh object with prototype `proto` only
   * creates an own data property for every key of `shape`: no accessor (a
   * setter, `__proto__`) and no read-only property on the prototype chain.
   */
  private canAssign(shape: Shape, proto: object): boolean {
    if (shape.proto === proto) return shape.assign;
    let assign = true;
    keys: for (const key of shape.keys) {
      for (let p: object | null = proto; p !== null; p = getPrototypeOf(p) as object | null) {
        const descriptor = getOwnPropertyDescriptor(p, key);
        if (descriptor === undefined) continue;
        if (!("value" in descriptor) || descriptor.writable !== true) {
          assign = false;
          break keys;
        }
        break;
      }
    }
    shape.proto = proto;
    shape.assign = assign;
    return assign;
  }

  private fillArray(target: unknown[], tag: number): void {
    const at = this.pos;
    const length = this.varint();
    if (tag === T_SPARSE_ARRAY) {
      if (length > MAX_ARRAY_LENGTH) throw malformed(`array length ${length}`, at);
      const present = this.count(at);
      if (present > length) throw malformed("more elements than the array's length", at);
      const extras = this.shape();
      target.length = length;
      if (extras.keys.length !== 0) this.push(F_DEFINE, target, extras.keys, undefined, extras.keys.length);
      if (present !== 0) this.push(F_SPARSE, target, undefined, undefined, present);
      return;
    }
    // Dense: every element (or hole) takes a byte.
    if (length > this.end - this.pos) throw malformed(`an array of ${length} elements does not fit`, at);
    if (tag === T_ARRAY_PROPS) {
      const extras = this.shape();
      if (extras.keys.length !== 0) this.push(F_DEFINE, target, extras.keys, undefined, extras.keys.length);
    }
    if (length !== 0) this.push(F_ARRAY, target, undefined, undefined, length);
  }

  private fillMap(map: Map<unknown, unknown>): void {
    const at = this.pos;
    const size = this.count(at);
    if (size > (this.end - this.pos) / 2) throw malformed(`a map of ${size} entries does not fit`, at);
    if (size !== 0) this.push(F_MAP, map, undefined, undefined, size * 2);
  }

  private fillSet(set: Set<unknown>): void {
    const size = this.count(this.pos);
    if (size !== 0) this.push(F_SET, set, undefined, undefined, size);
  }

  /** The contents of a deferred closure environment: a container node, filling `shell`. */
  private fill(shell: object): void {
    const at = this.pos;
    const tag = this.byte();
    const proto = getPrototypeOf(shell) as object | null;
    if (tag === T_OBJECT && proto === ObjectPrototype) this.fillObject(shell, proto);
    else if (tag === T_NULL_OBJECT && proto === null) this.fillObject(shell, null);
    else if ((tag === T_ARRAY || tag === T_ARRAY_PROPS || tag === T_SPARSE_ARRAY) && proto === ArrayPrototype) this.fillArray(shell as unknown[], tag);
    else if (tag === T_MAP && proto === MapPrototype) this.fillMap(shell as Map<unknown, unknown>);
    else if (tag === T_SET && proto === SetPrototype) this.fillSet(shell as Set<unknown>);
    else if (tag === T_INSTANCE && this.entry(KIND_CLASS, at).proto === proto) this.fillObject(shell, proto);
    else throw malformed("a closure environment's contents do not match its kind", at);
  }

  private shell(at: number): object {
    const kind = this.byte();
    switch (kind) {
      case SHELL_OBJECT:
        return {};
      case SHELL_NULL_OBJECT:
        return Object.create(null) as object;
      case SHELL_INSTANCE: {
        const entry = this.entry(KIND_CLASS, at);
        if (entry.isError) throw malformed("an error as a deferred environment", at);
        return Object.create(entry.proto) as object;
      }
      case SHELL_ARRAY:
        return [];
      case SHELL_MAP:
        return new Map();
      case SHELL_SET:
        return new Set();
    }
    throw malformed(`unknown deferred kind ${kind}`, at);
  }

  private arrayBuffer(): ArrayBuffer {
    const at = this.pos;
    const length = this.varint();
    if (length > this.end - this.pos) throw malformed(`an ArrayBuffer of ${length} bytes does not fit`, at);
    const copy = new Uint8Array(length);
    copy.set(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return copy.buffer;
  }

  private view(at: number): ArrayBufferView {
    const kind = this.byte();
    const View = VIEW_CONSTRUCTORS[kind];
    if (View === undefined) throw malformed(`unknown view kind ${kind}`, at);
    const index = this.objects.length;
    this.objects.push(PENDING);
    const bufferAt = this.pos;
    const tag = this.byte();
    let buffer: unknown;
    if (tag === T_ARRAY_BUFFER) {
      buffer = this.arrayBuffer();
      this.objects.push(buffer);
    } else if (tag === T_REF) {
      buffer = this.objects[this.varint()];
    }
    if (!(buffer instanceof ArrayBuffer)) throw malformed("a view whose buffer is not an ArrayBuffer", bufferAt);
    const offset = this.varint();
    const length = this.varint();
    const size = kind === VIEW_DATA_VIEW ? 1 : (View as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    if (offset % size !== 0 || offset + length * size > buffer.byteLength) throw malformed("a view out of its buffer's bounds", at);
    const view = new View(buffer, offset, length);
    this.objects[index] = view;
    return view;
  }

  private error(at: number): void {
    const kind = this.byte();
    let error: Error;
    let proto: object;
    if (kind === ERROR_REGISTERED) {
      const entry = this.entry(KIND_CLASS, at);
      if (!entry.isError) throw malformed(`${JSON.stringify(entry.id)} is not an error class`, at);
      proto = entry.proto!;
      // A real error object (an [[ErrorData]] slot, a stack) of the nearest built-in
      // kind, on the registered prototype: the class's constructor does not run.
      let base: object | null = proto;
      let Base: ErrorConstructor = Error;
      for (; base !== null; base = getPrototypeOf(base) as object | null) {
        const found = ERROR_CONSTRUCTORS.find((Ctor) => Ctor.prototype === base);
        if (found !== undefined) {
          Base = found;
          break;
        }
      }
      error = Base === ERROR_CONSTRUCTORS[7] ? new (Base as unknown as AggregateErrorConstructor)([]) : new Base();
      Object.setPrototypeOf(error, proto);
    } else {
      const Ctor = ERROR_CONSTRUCTORS[kind];
      if (Ctor === undefined) throw malformed(`unknown error kind ${kind}`, at);
      error = kind === 7 ? new (Ctor as unknown as AggregateErrorConstructor)([]) : new Ctor();
      proto = Ctor.prototype;
    }
    const count = this.byte();
    if (count > ERROR_FIELDS.length) throw malformed(`${count} error fields`, at);
    const fields: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = ERROR_FIELDS[this.byte()];
      if (name === undefined || fields.includes(name)) throw malformed("a bad error field", this.pos - 1);
      fields.push(name);
    }
    // The constructor made its own stack (and errors; JavaScriptCore adds line, column and
    // sourceURL, of this line): drop all it made, so only the saved fields come back, in their order.
    for (const key of Reflect.ownKeys(error)) delete (error as unknown as Record<PropertyKey, unknown>)[key];
    const extras = this.shape();
    this.objects.push(error);
    this.deliver(this.sp, error);
    if (extras.keys.length !== 0) this.push(this.canAssign(extras, proto) ? F_ASSIGN : F_DEFINE, error, extras.keys, undefined, extras.keys.length);
    if (fields.length !== 0) this.push(F_FIELDS, error, fields, undefined, fields.length);
  }

  /** A shape reference, or a new shape (added to the table). */
  private shape(): Shape {
    const at = this.pos;
    const ref = this.varint();
    if (ref !== 0) {
      if (ref > this.shapes.length) throw malformed(`reference to shape #${ref - 1} of ${this.shapes.length}`, at);
      return this.shapes[ref - 1]!;
    }
    const n = this.count(at);
    const keys: PropertyKey[] = [];
    for (let i = 0; i < n; i++) {
      const keyAt = this.pos;
      const tag = this.byte();
      if (tag === T_STRING) {
        const key = this.str();
        this.keys.push(key);
        keys.push(key);
      } else if (tag === T_KEY_REF) {
        const index = this.varint();
        if (index >= this.keys.length) throw malformed(`reference to key #${index} of ${this.keys.length}`, keyAt);
        keys.push(this.keys[index]!);
      } else if (tag === T_SYMBOL_FOR || tag === T_SYMBOL_WELL_KNOWN) {
        keys.push(this.primitive(tag, keyAt) as symbol);
      } else {
        throw malformed("a key that is not a string or symbol", keyAt);
      }
    }
    if (new Set(keys).size !== n) throw malformed("a shape with a repeated key", at);
    const shape: Shape = { keys, proto: undefined, assign: false };
    this.shapes.push(shape);
    return shape;
  }

  /** The header entry a node names, which must be of `kind` (KIND_CLASS accepts prototypes too). */
  private entry(kind: number, at: number): Entry {
    const index = this.varint();
    const entry = this.entries[index];
    if (entry === undefined) throw malformed(`reference to header entry #${index} of ${this.entries.length}`, at);
    const ok = kind === KIND_CLASS ? entry.kind === KIND_CLASS || entry.kind === KIND_PROTOTYPE : entry.kind === kind;
    if (!ok) throw malformed(`header entry ${JSON.stringify(entry.id)} used as the wrong kind`, at);
    return entry;
  }

  // ── Bytes ─────────────────────────────────────────────────────────────────

  byte(): number {
    if (this.pos >= this.end) throw malformed("truncated", this.pos);
    return this.buf[this.pos++]!;
  }

  /** A count of items that take at least a byte each. */
  private count(at: number): number {
    const n = this.varint();
    if (n > this.end - this.pos) throw malformed(`a count of ${n} does not fit`, at);
    return n;
  }

  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw malformed("truncated", pos);
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let n = b & 0x7f;
    let scale = 128;
    for (;;) {
      if (pos >= end) throw malformed("truncated", pos);
      b = buf[pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
      if (scale > 2 ** 49) throw malformed("a varint longer than 8 bytes", this.pos);
    }
    if (n > Number.MAX_SAFE_INTEGER) throw malformed("a varint above 2^53", this.pos);
    this.pos = pos;
    return n;
  }

  str(): string {
    const at = this.pos;
    const header = this.varint();
    const length = Math.floor(header / 2);
    const start = this.pos;
    if (length > this.end - start) throw malformed(`a string of ${length} bytes does not fit`, at);
    const buf = this.buf;
    const end = start + length;
    this.pos = end;
    if (header % 2 === 0) {
      if (length <= 24) {
        const s = shortAscii(buf, start, length);
        if (s !== null) return s;
      }
      return textDecoder.decode(buf.subarray(start, end));
    }
    if (length % 2 !== 0) throw malformed("a UTF-16 string of an odd number of bytes", at);
    let s = "";
    const units: number[] = [];
    for (let i = start; i < end; i += 2) {
      units.push(buf[i]! | (buf[i + 1]! << 8));
      if (units.length === 4096) {
        s += String.fromCharCode(...units);
        units.length = 0;
      }
    }
    return s + String.fromCharCode(...units);
  }
}

/** A real, empty, unmapped arguments object (this module is strict code). */
function makeArguments(): { length: number } {
  // eslint-disable-next-line prefer-rest-params
  return arguments as unknown as { length: number };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const fromCharCode = String.fromCharCode;

/**
 * An ASCII string of up to 24 bytes without TextDecoder's call overhead or a
 * string per character: whole groups of eight through one fromCharCode call.
 * Null when a byte is not ASCII.
 */
function shortAscii(buf: Uint8Array, start: number, length: number): string | null {
  let s = "";
  let i = start;
  const end = start + length;
  for (; i + 8 <= end; i += 8) {
    const a = buf[i]!, b = buf[i + 1]!, c = buf[i + 2]!, d = buf[i + 3]!, e = buf[i + 4]!, f = buf[i + 5]!, g = buf[i + 6]!, h = buf[i + 7]!;
    if ((a | b | c | d | e | f | g | h) >= 0x80) return null;
    s += fromCharCode(a, b, c, d, e, f, g, h);
  }
  switch (end - i) {
    case 0:
      return s;
    case 1: {
      const a = buf[i]!;
      return a >= 0x80 ? null : s + fromCharCode(a);
    }
    case 2: {
      const a = buf[i]!, b = buf[i + 1]!;
      return (a | b) >= 0x80 ? null : s + fromCharCode(a, b);
    }
    case 3: {
      const a = buf[i]!, b = buf[i + 1]!, c = buf[i + 2]!;
      return (a | b | c) >= 0x80 ? null : s + fromCharCode(a, b, c);
    }
    case 4: {
      const a = buf[i]!, b = buf[i + 1]!, c = buf[i + 2]!, d = buf[i + 3]!;
      return (a | b | c | d) >= 0x80 ? null : s + fromCharCode(a, b, c, d);
    }
    case 5: {
      const a = buf[i]!, b = buf[i + 1]!, c = buf[i + 2]!, d = buf[i + 3]!, e = buf[i + 4]!;
      return (a | b | c | d | e) >= 0x80 ? null : s + fromCharCode(a, b, c, d, e);
    }
    case 6: {
      const a = buf[i]!, b = buf[i + 1]!, c = buf[i + 2]!, d = buf[i + 3]!, e = buf[i + 4]!, f = buf[i + 5]!;
      return (a | b | c | d | e | f) >= 0x80 ? null : s + fromCharCode(a, b, c, d, e, f);
    }
    default: {
      const a = buf[i]!, b = buf[i + 1]!, c = buf[i + 2]!, d = buf[i + 3]!, e = buf[i + 4]!, f = buf[i + 5]!, g = buf[i + 6]!;
      return (a | b | c | d | e | f | g) >= 0x80 ? null : s + fromCharCode(a, b, c, d, e, f, g);
    }
  }
}
