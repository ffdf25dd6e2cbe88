/**
 * The encoder: walks an object graph depth-first with an explicit stack (no
 * recursion, so depth is bounded by memory only) and writes the body of a
 * snapshot in pre-order: a container's header, then its children. The format
 * is described at the top of serialize.ts.
 *
 * Invariants:
 * 1. Every object (and closure) gets the next object-table index when first
 *    visited, in the order the decoder meets its node: the decoder numbers the
 *    same objects the same way. A second visit writes T_REF.
 * 2. The frame stack holds exactly the containers on the path from the root to
 *    the value being visited, each with `pos` one past the child being visited,
 *    so the path of an error is rebuilt from it on demand: the common case
 *    pays nothing for paths. (An array's or error's extra properties wait in a
 *    frame below the elements' frame; not started, it names nothing.)
 * 3. An index is `pending` while its value cannot be made yet on the decoding
 *    side (a custom type's data, a closure's environment list); a reference to a
 *    pending index is an error: the decoder could not resolve it.
 * 4. Keys, shapes and header entries are numbered in order of first use, as
 *    the decoder appends them to its tables.
 * 5. An object's values wait on one value stack, not in an array per object:
 *    a frame over them owns `values[start, end)`, and frames that own a range
 *    are pushed in the order their ranges were, so releasing one (`vtop =
 *    start`) when it finishes never drops a range still in use.
 */
import { SnapshotError } from "./errors.js";
import {
  closureEnvs,
  closureId,
  entryByFunction,
  entryById,
  entryByPrototype,
  KIND_CLOSURE,
  KIND_NAMES,
  KIND_TYPE,
  type Entry,
} from "./registry.js";
import {
  B_ARRAY_BUFFER,
  B_BOXED,
  B_DATE,
  B_ERROR,
  B_MAP,
  B_REGEXP,
  B_SET,
  B_VIEW,
  BOXED_VALUE_OF,
  BUILTINS,
  ERROR_FIELDS,
  ERROR_REGISTERED,
  SHELL_ARRAY,
  SHELL_INSTANCE,
  SHELL_MAP,
  SHELL_NULL_OBJECT,
  SHELL_OBJECT,
  SHELL_SET,
  T_ARGUMENTS,
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
  VIEW_DATA_VIEW,
  WELL_KNOWN_NAMES,
} from "./serialize-format.js";

// Frame kinds: what the children of a frame are, and how the path names them.
const E_ROOT = 0; // list: [root]
const E_OBJECT = 1; // values[start, count): an object's values; aux: its ShapeNode
const E_ARRAY = 2; // target[i], 0 <= i < count, holes written as T_HOLE
const E_SPARSE = 3; // list: the index keys present; writes the index before each element
const E_MAP = 4; // values[start, count): key, value, key, value…
const E_SET = 5; // values[start, count): the elements
const E_FIELDS = 6; // list: an error's saved fields; aux: their names
const E_ENVS = 7; // list: a closure's environments; aux: ClosureState
const E_FILL = 8; // aux.deferred: the environments whose contents follow the closure
const E_CUSTOM = 9; // list: [data]; aux: the entry

interface ClosureState {
  readonly entry: Entry;
  readonly index: number;
  /** The environments written as T_DEFER, and their places in the list. */
  readonly deferred: object[];
  readonly deferredAt: number[];
}

const ObjectPrototype = Object.prototype;
const ArrayPrototype = Array.prototype;
const DatePrototype = Date.prototype;
const getTime = Date.prototype.getTime;
const regExpSource = Object.getOwnPropertyDescriptor(RegExp.prototype, "source")!.get!;
const regExpFlags = Object.getOwnPropertyDescriptor(RegExp.prototype, "flags")!.get!;
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;
const arrayBufferResizable = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "resizable")?.get;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayBuffer = Object.getOwnPropertyDescriptor(TypedArrayPrototype, "buffer")!.get!;
const typedArrayByteOffset = Object.getOwnPropertyDescriptor(TypedArrayPrototype, "byteOffset")!.get!;
const typedArrayLength = Object.getOwnPropertyDescriptor(TypedArrayPrototype, "length")!.get!;
const dataViewBuffer = Object.getOwnPropertyDescriptor(DataView.prototype, "buffer")!.get!;
const dataViewByteOffset = Object.getOwnPropertyDescriptor(DataView.prototype, "byteOffset")!.get!;
const dataViewByteLength = Object.getOwnPropertyDescriptor(DataView.prototype, "byteLength")!.get!;
const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;
const propertyIsEnumerable = Object.prototype.propertyIsEnumerable;

const textEncoder = new TextEncoder();
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Above this length, strings are encoded by TextEncoder rather than by the loop. */
const LONG_STRING = 48;

function stackEntry(this: Encoder, value: unknown, key: unknown): void {
  this.values[this.vtop++] = key;
  this.values[this.vtop++] = value;
}
function stackValue(this: Encoder, value: unknown): void {
  this.values[this.vtop++] = value;
}

/** True when for-in over an object with this prototype yields only its own keys: nothing enumerable is inherited. */
function enumeratesOwnOnly(proto: object | null): boolean {
  if (proto === null) return true;
  for (const _ in Object.create(proto) as object) return false;
  return true;
}

const objectToString = Object.prototype.toString;

/** A real arguments object (one that only claims to be one has its own Symbol.toStringTag). */
function isArguments(value: object): boolean {
  return objectToString.call(value) === "[object Arguments]" && (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === undefined;
}

/** An array index: a canonical numeric string below 2^32 − 1 (these come first in an array's keys). */
function isArrayIndex(key: Key): boolean {
  if (typeof key !== "string") return false;
  const n = Number(key);
  return n >>> 0 === n && n !== 4294967295 && String(n) === key;
}

type Key = string | symbol;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function keyLabel(key: Key): string {
  if (typeof key === "symbol") return `[${String(key)}]`;
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function constructorName(proto: object): string {
  const ctor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value as unknown;
  return typeof ctor === "function" && ctor.name !== "" ? ctor.name : "(anonymous)";
}

/**
 * A node of the shape trie: the shape made of the keys on its path from the
 * root. Finding an object's shape walks its keys down the trie, through the
 * child taken last (objects of one shape usually come in runs) or the map of
 * children, without building a key array.
 */
class ShapeNode {
  /** Shape table index once written, else -1. */
  index = -1;
  last: ShapeNode | null = null;
  children: Map<Key, ShapeNode> | null = null;
  constructor(
    readonly key: Key | undefined,
    readonly parent: ShapeNode | null,
  ) {}

  /** The keys of this shape, in order. */
  keys(): Key[] {
    const keys: Key[] = [];
    for (let node: ShapeNode | null = this; node.parent !== null; node = node.parent) keys.push(node.key!);
    return keys.reverse();
  }
}

function childOf(node: ShapeNode, key: Key): ShapeNode {
  if (node.children === null) node.children = new Map();
  let next = node.children.get(key);
  if (next === undefined) {
    next = new ShapeNode(key, node);
    node.children.set(key, next);
  }
  node.last = next;
  return next;
}

/** What the encoder knows of a registered entry it uses: its header index, and whether its instances may be walked with for-in. */
interface Use {
  readonly index: number;
  readonly forIn: boolean;
}

/** Writes one snapshot body. One instance per `encode` call (custom codecs may encode re-entrantly). */
export class Encoder {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  /** `buf`: where to start writing (grown as needed; the caller may reuse it afterwards). */
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  // Tables, numbered in order of first use (invariants 1 and 4).
  private readonly seen = new Map<object, number>();
  private objectCount = 0;
  private readonly keys = new Map<string, number>();
  private readonly shapes = new ShapeNode(undefined, null);
  private shapeCount = 0;
  private readonly uses = new Map<Entry, Use>();
  /** for-in over a plain object yields its own keys only (nobody made a property of Object.prototype enumerable). */
  private readonly plainForIn = enumeratesOwnOnly(ObjectPrototype);
  /** The value stack (invariant 5). */
  values: unknown[] = [];
  vtop = 0;
  /** Whether the object stackValues last read has own symbol-keyed properties. */
  private ownSymbols = false;
  /** The header entries the body uses, by index. */
  readonly entries: Entry[] = [];
  /** Invariant 3: pending index → what it is, for the error message. */
  private readonly pending = new Map<number, string>();

  // The frame stack (invariant 2), as parallel arrays.
  private sp = -1;
  private readonly fKind: number[] = [];
  private readonly fTarget: unknown[] = [];
  private readonly fList: unknown[] = [];
  private readonly fAux: unknown[] = [];
  private readonly fPos: number[] = [];
  private readonly fCount: number[] = [];
  /** Frames over the value stack: where their range starts. */
  private readonly fStart: number[] = [];

  /** Writes `root` and everything it reaches. */
  encode(root: unknown): void {
    try {
      this.push(E_ROOT, undefined, [root], null, 1);
      this.run();
    } catch (error) {
      if (error instanceof SnapshotError) throw error;
      throw new SnapshotError(`cannot snapshot the value at ${this.where()}: ${describeError(error)}`, this.path(), { cause: error });
    }
  }

  private run(): void {
    while (this.sp >= 0) {
      const sp = this.sp;
      const pos = this.fPos[sp]!;
      if (pos === this.fCount[sp]) {
        this.finish(sp);
        continue;
      }
      switch (this.fKind[sp]) {
        case E_OBJECT: {
          // Primitives in a row without going round the loop; stop after an object (it may have pushed a frame).
          // (fPos is stored before anything that can throw or push: the path needs it.)
          const values = this.values;
          const count = this.fCount[sp]!;
          let i = pos;
          while (i < count) {
            const value = values[i++];
            if (typeof value === "string") this.string(value);
            else if (typeof value === "number") this.number(value);
            else {
              this.fPos[sp] = i;
              if (typeof value === "object" && value !== null) {
                this.object(value);
                break;
              }
              if (typeof value === "function") {
                this.func(value);
                break;
              }
              this.visit(value);
            }
          }
          this.fPos[sp] = i;
          break;
        }
        case E_ARRAY: {
          const array = this.fTarget[sp] as unknown[];
          const count = this.fCount[sp]!;
          let i = pos;
          while (i < count) {
            const value = array[i];
            if (typeof value === "string") this.string(value);
            else if (typeof value === "number") this.number(value);
            else {
              this.fPos[sp] = i + 1;
              if (typeof value === "object" && value !== null) {
                this.object(value);
                i++;
                break;
              }
              if (typeof value === "function") {
                this.func(value);
                i++;
                break;
              }
              if (value === undefined && !(i in array)) this.byte(T_HOLE);
              else this.visit(value);
            }
            i++;
          }
          this.fPos[sp] = i;
          break;
        }
        case E_SPARSE: {
          this.fPos[sp] = pos + 1;
          const key = (this.fList[sp] as string[])[pos]!;
          this.varint(Number(key));
          this.visit((this.fTarget[sp] as Record<string, unknown>)[key]);
          break;
        }
        case E_ENVS:
          this.fPos[sp] = pos + 1;
          this.visitEnv((this.fList[sp] as unknown[])[pos], this.fAux[sp] as ClosureState, pos);
          break;
        case E_FILL:
          this.fPos[sp] = pos + 1;
          this.visitFill((this.fAux[sp] as ClosureState).deferred[pos]!);
          break;
        case E_MAP:
        case E_SET:
          this.fPos[sp] = pos + 1;
          this.visit(this.values[pos]);
          break;
        default:
          this.fPos[sp] = pos + 1;
          this.visit((this.fList[sp] as unknown[])[pos]);
      }
    }
  }

  /** A frame's children are all written. */
  private finish(sp: number): void {
    const kind = this.fKind[sp];
    if (kind === E_ENVS) {
      const state = this.fAux[sp] as ClosureState;
      this.pending.delete(state.index);
      if (state.deferred.length > 0) {
        // Same frame, next phase: the deferred environments' contents.
        this.fKind[sp] = E_FILL;
        this.fPos[sp] = 0;
        this.fCount[sp] = state.deferred.length;
        return;
      }
    } else if (kind === E_CUSTOM) {
      this.pending.delete(this.fAux[sp] as number);
    } else if (kind === E_OBJECT || kind === E_MAP || kind === E_SET) {
      this.vtop = this.fStart[sp]!;
    }
    this.fTarget[sp] = this.fList[sp] = this.fAux[sp] = undefined;
    this.sp = sp - 1;
  }

  private push(kind: number, target: unknown, list: unknown, aux: unknown, count: number): void {
    const sp = ++this.sp;
    this.fKind[sp] = kind;
    this.fTarget[sp] = target;
    this.fList[sp] = list;
    this.fAux[sp] = aux;
    this.fPos[sp] = 0;
    this.fCount[sp] = count;
  }

  /** A frame over `values[start, vtop)` (invariant 5). */
  private pushStacked(kind: number, target: unknown, aux: unknown, start: number): void {
    const sp = ++this.sp;
    this.fKind[sp] = kind;
    this.fTarget[sp] = target;
    this.fList[sp] = undefined;
    this.fAux[sp] = aux;
    this.fPos[sp] = start;
    this.fCount[sp] = this.vtop;
    this.fStart[sp] = start;
  }

  // ── Values ────────────────────────────────────────────────────────────────

  private visit(value: unknown): void {
    switch (typeof value) {
      case "string":
        this.string(value);
        return;
      case "number":
        this.number(value);
        return;
      case "object":
        if (value === null) this.byte(T_NULL);
        else this.object(value);
        return;
      case "boolean":
        this.byte(value ? T_TRUE : T_FALSE);
        return;
      case "undefined":
        this.byte(T_UNDEFINED);
        return;
      case "bigint":
        this.bigint(value);
        return;
      case "symbol":
        this.symbol(value, "");
        return;
      case "function":
        this.func(value);
        return;
    }
  }

  private object(value: object): void {
    const index = this.seen.get(value);
    if (index !== undefined) {
      this.ref(index);
      return;
    }
    this.seen.set(value, this.objectCount++);
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === ObjectPrototype) this.plain(value, T_OBJECT, this.plainForIn);
    else if (proto === ArrayPrototype && Array.isArray(value)) this.array(value as unknown[]);
    else if (proto === DatePrototype) this.date(value as Date);
    else if (proto === null) this.plain(value, T_NULL_OBJECT, true);
    else this.other(value, proto);
  }

  private ref(index: number): void {
    if (this.pending.size !== 0) {
      const what = this.pending.get(index);
      if (what !== undefined) {
        throw new SnapshotError(`cannot snapshot a cycle at ${this.where()}: it leads back into ${what}`, this.path());
      }
    }
    this.byte(T_REF);
    this.varint(index);
  }

  /** Objects whose prototype is neither Object.prototype, Array.prototype nor null. */
  private other(value: object, proto: object): void {
    const builtin = BUILTINS.get(proto);
    if (builtin === undefined) {
      const entry = entryByPrototype(proto);
      if (entry === undefined) {
        const name = constructorName(proto);
        throw new SnapshotError(
          `cannot snapshot an instance of class ${name} that is not registered at ${this.where()}: ` +
            `register it with registerClass(id, ${name}) (plain data) or registerType(${name}, codec)`,
          this.path(),
        );
      }
      if (entry.kind === KIND_TYPE) this.custom(value, entry);
      else if (entry.isError) this.error(value as Error, ERROR_REGISTERED, entry);
      else this.instance(value, entry);
      return;
    }
    if (builtin >= B_BOXED) {
      this.byte(T_BOXED);
      this.visit(BOXED_VALUE_OF[builtin - B_BOXED]!.call(value));
    } else if (builtin >= B_ERROR) {
      this.error(value as Error, builtin - B_ERROR, null);
    } else if (builtin >= B_VIEW) {
      this.view_(value as ArrayBufferView, builtin - B_VIEW);
    } else if (builtin === B_DATE) {
      this.date(value as Date);
    } else if (builtin === B_MAP) {
      this.map(value as Map<unknown, unknown>);
    } else if (builtin === B_SET) {
      this.set(value as Set<unknown>);
    } else if (builtin === B_REGEXP) {
      const lastIndex = (value as RegExp).lastIndex;
      const source = regExpSource.call(value) as string;
      const flags = regExpFlags.call(value) as string;
      if (typeof lastIndex !== "number") throw new SnapshotError(`cannot snapshot a RegExp whose lastIndex is not a number at ${this.where()}`, this.path());
      this.byte(T_REGEXP);
      this.str(source);
      this.str(flags);
      this.number(lastIndex);
    } else if (builtin === B_ARRAY_BUFFER) {
      this.arrayBuffer(value as ArrayBuffer);
    }
  }

  private date(date: Date): void {
    const time = getTime.call(date); // a brand check too: Object.create(Date.prototype) throws
    this.ensure(9);
    this.buf[this.pos++] = T_DATE;
    this.view.setFloat64(this.pos, time, true);
    this.pos += 8;
  }

  /** Plain and null-prototype objects: tag, shape, then a frame over the values. */
  private plain(value: object, tag: number, forIn: boolean): void {
    const start = this.vtop;
    const shape = this.stackValues(value, forIn);
    // An arguments object has an own Symbol.iterator: only objects with own symbols need the check.
    if (this.ownSymbols && tag === T_OBJECT && isArguments(value)) {
      this.vtop = start;
      this.args(value as IArguments);
      return;
    }
    this.byte(tag);
    this.shape(shape);
    if (this.vtop !== start) this.pushStacked(E_OBJECT, value, shape, start);
  }

  private instance(value: object, entry: Entry): void {
    const use = this.use(entry);
    const start = this.vtop;
    const shape = this.stackValues(value, use.forIn);
    this.byte(T_INSTANCE);
    this.varint(use.index);
    this.shape(shape);
    if (this.vtop !== start) this.pushStacked(E_OBJECT, value, shape, start);
  }

  /**
   * Pushes the values of `value`'s own enumerable properties on the value
   * stack (string keys in property order, then symbols) and returns their
   * shape. With `forIn` (nothing enumerable inherited), for-in walks the keys
   * without allocating and reads each value by the enum cache; else Object.keys.
   */
  private stackValues(value: object, forIn: boolean): ShapeNode {
    const values = this.values;
    let top = this.vtop;
    let node = this.shapes;
    if (forIn) {
      for (const key in value) {
        let next = node.last;
        if (next === null || next.key !== key) next = childOf(node, key);
        node = next;
        values[top++] = (value as Record<string, unknown>)[key];
      }
    } else {
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        let next = node.last;
        if (next === null || next.key !== key) next = childOf(node, key);
        node = next;
        values[top++] = (value as Record<string, unknown>)[key];
      }
    }
    const symbols = Object.getOwnPropertySymbols(value);
    this.ownSymbols = symbols.length !== 0;
    for (let i = 0; i < symbols.length; i++) {
      const symbol = symbols[i]!;
      if (!propertyIsEnumerable.call(value, symbol)) continue;
      node = childOf(node, symbol);
      values[top++] = (value as Record<symbol, unknown>)[symbol];
    }
    this.vtop = top;
    return node;
  }

  /** An arguments object: its elements, restored into a real (unmapped) arguments object. */
  private args(args: IArguments): void {
    const length = args.length as unknown;
    if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0 || length > Object.keys(args).length + 16) {
      throw new SnapshotError(`cannot snapshot an arguments object whose length was set to ${String(length)} at ${this.where()}: copy it into an array`, this.path());
    }
    this.byte(T_ARGUMENTS);
    this.varint(length);
    if (length !== 0) this.push(E_ARRAY, args, null, null, length);
  }

  /** Own enumerable keys: strings in property order, then enumerable symbols. */
  private ownKeys(value: object): Key[] {
    const keys: Key[] = Object.keys(value);
    const symbols = Object.getOwnPropertySymbols(value);
    for (let i = 0; i < symbols.length; i++) {
      if (propertyIsEnumerable.call(value, symbols[i])) keys.push(symbols[i]!);
    }
    return keys;
  }

  /** Stacks the values of `keys` (a subset of `value`'s keys: an array's or error's extra properties) and returns their shape. */
  private stackKeys(value: object, keys: readonly Key[]): ShapeNode {
    let node = this.shapes;
    for (let i = 0; i < keys.length; i++) {
      node = childOf(node, keys[i]!);
      this.values[this.vtop++] = (value as Record<Key, unknown>)[keys[i]!];
    }
    return node;
  }

  private array(array: unknown[]): void {
    const length = array.length;
    // String keys only: an array's symbol-keyed properties are not saved (getOwnPropertySymbols on
    // every array cost 5-8% of the benchmark's encoding time, for properties nobody puts on arrays).
    const keys: Key[] = Object.keys(array);
    // Dense with nothing else: its keys are exactly "0".."length-1" (indices come first, in order).
    if (keys.length === length && (length === 0 || keys[length - 1] === String(length - 1))) {
      this.byte(T_ARRAY);
      this.varint(length);
      if (length !== 0) this.push(E_ARRAY, array, null, null, length);
      return;
    }
    let present = 0;
    while (present < keys.length && isArrayIndex(keys[present]!)) present++;
    const extras = keys.slice(present);
    if (length - present <= present + 16) {
      // Dense enough: holes are written as T_HOLE.
      if (extras.length === 0) {
        this.byte(T_ARRAY);
        this.varint(length);
      } else {
        const start = this.vtop;
        const shape = this.stackKeys(array, extras);
        this.byte(T_ARRAY_PROPS);
        this.varint(length);
        this.shape(shape);
        this.pushStacked(E_OBJECT, array, shape, start);
      }
      this.push(E_ARRAY, array, null, null, length);
      return;
    }
    const start = this.vtop;
    const shape = this.stackKeys(array, extras);
    this.byte(T_SPARSE_ARRAY);
    this.varint(length);
    this.varint(present);
    this.shape(shape);
    if (extras.length !== 0) this.pushStacked(E_OBJECT, array, shape, start);
    if (present !== 0) this.push(E_SPARSE, array, keys.slice(0, present), null, present);
  }

  private map(map: Map<unknown, unknown>): void {
    const start = this.vtop;
    mapForEach.call(map, stackEntry, this);
    this.byte(T_MAP);
    this.varint((this.vtop - start) / 2);
    if (this.vtop !== start) this.pushStacked(E_MAP, map, null, start);
  }

  private set(set: Set<unknown>): void {
    const start = this.vtop;
    setForEach.call(set, stackValue, this);
    this.byte(T_SET);
    this.varint(this.vtop - start);
    if (this.vtop !== start) this.pushStacked(E_SET, set, null, start);
  }

  private arrayBuffer(buffer: ArrayBuffer): void {
    if (arrayBufferResizable !== undefined && arrayBufferResizable.call(buffer) === true) {
      throw new SnapshotError(`cannot snapshot a resizable ArrayBuffer at ${this.where()}: copy it into a fixed-length one`, this.path());
    }
    const length = arrayBufferByteLength.call(buffer) as number;
    this.byte(T_ARRAY_BUFFER);
    this.varint(length);
    this.ensure(length);
    this.buf.set(new Uint8Array(buffer, 0, length), this.pos);
    this.pos += length;
  }

  private view_(view: ArrayBufferView, kind: number): void {
    const isDataView = kind === VIEW_DATA_VIEW;
    const buffer = (isDataView ? dataViewBuffer : typedArrayBuffer).call(view) as ArrayBuffer;
    const offset = (isDataView ? dataViewByteOffset : typedArrayByteOffset).call(view) as number;
    const length = (isDataView ? dataViewByteLength : typedArrayLength).call(view) as number;
    if (Object.getPrototypeOf(buffer) !== ArrayBuffer.prototype) {
      throw new SnapshotError(`cannot snapshot a view of a ${constructorName(Object.getPrototypeOf(buffer) as object)} at ${this.where()}: only ArrayBuffers are saved`, this.path());
    }
    this.byte(T_VIEW);
    this.byte(kind);
    const index = this.seen.get(buffer);
    if (index !== undefined) {
      this.byte(T_REF);
      this.varint(index);
    } else {
      this.seen.set(buffer, this.objectCount++);
      this.arrayBuffer(buffer);
    }
    this.varint(offset);
    this.varint(length);
  }

  /** Errors: kind, the saved fields (in own-key order), extra properties' shape, then fields and extras in frames. */
  private error(error: Error, kind: number, entry: Entry | null): void {
    const fields: number[] = [];
    const names: string[] = [];
    const values: unknown[] = [];
    for (const key of Reflect.ownKeys(error)) {
      const field = (ERROR_FIELDS as readonly Key[]).indexOf(key);
      if (field < 0 || propertyIsEnumerable.call(error, key)) continue;
      fields.push(field);
      names.push(key as string);
      values.push((error as unknown as Record<string, unknown>)[key as string]);
    }
    const start = this.vtop;
    const shape = this.stackKeys(error, this.ownKeys(error));
    this.byte(T_ERROR);
    this.byte(kind);
    if (entry !== null) this.varint(this.use(entry).index);
    this.byte(fields.length);
    for (const field of fields) this.byte(field);
    this.shape(shape);
    if (this.vtop !== start) this.pushStacked(E_OBJECT, error, shape, start);
    if (values.length !== 0) this.push(E_FIELDS, error, values, names, values.length);
  }

  private custom(value: object, entry: Entry): void {
    const index = this.objectCount - 1;
    let data: unknown;
    try {
      data = entry.codec!.serialize(value);
    } catch (error) {
      if (error instanceof SnapshotError) throw error;
      throw new SnapshotError(`the serialize() of type ${JSON.stringify(entry.id)} threw at ${this.where()}: ${describeError(error)}`, this.path(), { cause: error });
    }
    this.byte(T_CUSTOM);
    this.varint(this.use(entry).index);
    this.pending.set(index, `the value of type ${JSON.stringify(entry.id)} being serialized: a custom type's data must not lead back to the value itself`);
    this.push(E_CUSTOM, entry, [data], index, 1);
  }

  private func(fn: Function): void {
    const entry = entryByFunction(fn);
    if (entry !== undefined) {
      this.byte(T_FUNCTION);
      this.varint(this.use(entry).index);
      return;
    }
    const id = closureId(fn);
    if (id === undefined) {
      throw new SnapshotError(
        `cannot snapshot a function that is not registered (${fn.name === "" ? "anonymous" : fn.name}) at ${this.where()}: ` +
          `register it with registerFunction(id, fn), or create it through closure()`,
        this.path(),
      );
    }
    const seen = this.seen.get(fn);
    if (seen !== undefined) {
      this.ref(seen);
      return;
    }
    const factory = entryById(id);
    if (factory === undefined || factory.kind !== KIND_CLOSURE) {
      throw new SnapshotError(
        `cannot snapshot a closure of factory ${JSON.stringify(id)} at ${this.where()}: ` +
          (factory === undefined ? "no closure factory is registered under that id" : `that id is registered as a ${KIND_NAMES[factory.kind]}`) +
          `; register it with registerClosureFactory(id, factory)`,
        this.path(),
      );
    }
    const envs = closureEnvs(fn);
    const index = this.objectCount++;
    this.seen.set(fn, index);
    this.byte(T_CLOSURE);
    this.varint(this.use(factory).index);
    this.varint(envs.length);
    if (envs.length === 0) return;
    this.pending.set(index, `the closure ${JSON.stringify(id)} being made from these environments: an environment may hold its closure only inside an object, array, Map or Set`);
    this.push(E_ENVS, fn, envs.slice(), { entry: factory, index, deferred: [], deferredAt: [] } satisfies ClosureState, envs.length);
  }

  /** A closure's environment: a container seen for the first time is deferred (an empty shell now, contents after the closure). */
  private visitEnv(value: unknown, state: ClosureState, at: number): void {
    if (typeof value === "object" && value !== null && !this.seen.has(value)) {
      const proto = Object.getPrototypeOf(value) as object | null;
      let kind = -1;
      let entry: Entry | undefined;
      if (proto === ObjectPrototype) kind = SHELL_OBJECT;
      else if (proto === null) kind = SHELL_NULL_OBJECT;
      else if (proto === ArrayPrototype && Array.isArray(value)) kind = SHELL_ARRAY;
      else if (proto === Map.prototype) kind = SHELL_MAP;
      else if (proto === Set.prototype) kind = SHELL_SET;
      else {
        entry = entryByPrototype(proto);
        if (entry !== undefined && entry.kind !== KIND_TYPE && !entry.isError) kind = SHELL_INSTANCE;
      }
      if (kind >= 0) {
        this.seen.set(value, this.objectCount++);
        this.byte(T_DEFER);
        this.byte(kind);
        if (entry !== undefined) this.varint(this.use(entry).index);
        state.deferred.push(value);
        state.deferredAt.push(at);
        return;
      }
    }
    this.visit(value);
  }

  /** The contents of a deferred environment: its node again, without a new index. */
  private visitFill(value: object): void {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === ObjectPrototype) this.plain(value, T_OBJECT, this.plainForIn);
    else if (proto === null) this.plain(value, T_NULL_OBJECT, true);
    else if (proto === ArrayPrototype) this.array(value as unknown[]);
    else if (proto === Map.prototype) this.map(value as Map<unknown, unknown>);
    else if (proto === Set.prototype) this.set(value as Set<unknown>);
    else this.instance(value, entryByPrototype(proto)!);
  }

  /** The header entry of `entry`, added on first use. */
  private use(entry: Entry): Use {
    let use = this.uses.get(entry);
    if (use === undefined) {
      use = { index: this.entries.length, forIn: entry.proto !== null && enumeratesOwnOnly(entry.proto) };
      this.uses.set(entry, use);
      this.entries.push(entry);
    }
    return use;
  }

  // ── Primitives ────────────────────────────────────────────────────────────

  private number(n: number): void {
    if (n >>> 0 === n && (n !== 0 || 1 / n > 0)) {
      if (n < 0x80) {
        this.byte(T_SMALL_INT + n);
        return;
      }
      this.byte(T_UINT);
      this.varint(n);
    } else if (Number.isSafeInteger(n) && n !== 0) {
      if (n > 0) {
        this.byte(T_UINT);
        this.varint(n);
      } else {
        this.byte(T_NEGINT);
        this.varint(-n);
      }
    } else {
      this.ensure(9);
      this.buf[this.pos++] = T_FLOAT64;
      this.view.setFloat64(this.pos, n, true);
      this.pos += 8;
    }
  }

  private bigint(n: bigint): void {
    const negative = n < 0n;
    let hex = (negative ? -n : n).toString(16);
    if (hex === "0") hex = "";
    if (hex.length % 2 === 1) hex = "0" + hex;
    const length = hex.length / 2;
    this.byte(T_BIGINT);
    this.varint(length * 2 + (negative ? 1 : 0));
    this.ensure(length);
    // Little-endian magnitude: the last pair of hex digits first.
    for (let i = 0, at = hex.length - 2; i < length; i++, at -= 2) this.buf[this.pos++] = parseInt(hex.slice(at, at + 2), 16);
  }

  /** `path` names the key when the symbol is one (the error then points at the object). */
  private symbol(symbol: symbol, key: string): void {
    const registered = Symbol.keyFor(symbol);
    if (registered !== undefined) {
      this.byte(T_SYMBOL_FOR);
      this.str(registered);
      return;
    }
    const name = WELL_KNOWN_NAMES.get(symbol);
    if (name === undefined) {
      throw new SnapshotError(
        `cannot snapshot a symbol that is not registered (${String(symbol)})${key} at ${this.where()}: use Symbol.for(key), which restores to the same symbol`,
        this.path(),
      );
    }
    this.byte(T_SYMBOL_WELL_KNOWN);
    this.str(name);
  }

  /** A string value: inline (values are not looked up in a table: it costs more time than it saves bytes). */
  private string(s: string): void {
    const n = s.length;
    if (n <= LONG_STRING) {
      // Short ASCII (the common case) in one pass: tag, header 2n (one byte), bytes.
      if (this.pos + n + 2 > this.buf.length) this.ensure(n + 2);
      const buf = this.buf;
      const start = this.pos;
      let pos = start + 2;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          this.pos = start;
          this.byte(T_STRING);
          this.str(s);
          return;
        }
        buf[pos++] = c;
      }
      buf[start] = T_STRING;
      buf[start + 1] = n * 2;
      this.pos = pos;
      return;
    }
    this.byte(T_STRING);
    this.str(s);
  }

  /** A string key of a new shape: a reference to the key table, or the key (then added to it). */
  private key(s: string): void {
    const index = this.keys.get(s);
    if (index !== undefined) {
      this.byte(T_KEY_REF);
      this.varint(index);
      return;
    }
    this.keys.set(s, this.keys.size);
    this.byte(T_STRING);
    this.str(s);
  }

  /**
   * A shape reference: `index + 1` of a shape written before, or 0 and the
   * shape itself (its key count and keys), then added to the shape table.
   */
  private shape(node: ShapeNode): void {
    if (node.index >= 0) {
      this.varint(node.index + 1);
      return;
    }
    node.index = this.shapeCount++;
    const keys = node.keys();
    this.byte(0);
    this.varint(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (typeof key === "string") this.key(key);
      else this.symbol(key, " (a key of the object)");
    }
  }

  // ── Bytes ─────────────────────────────────────────────────────────────────

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** An unsigned LEB128 varint of an integer 0 <= n < 2^53. */
  varint(n: number): void {
    if (this.pos + 8 > this.buf.length) this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n = n < 0x100000000 ? n >>> 7 : Math.floor(n / 128);
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /**
   * A string's bytes: a varint `2 × byteLength + encoding`, then the bytes:
   * UTF-8 (encoding 0), or UTF-16LE code units (1) for a string with a lone
   * surrogate, which UTF-8 cannot hold.
   */
  str(s: string): void {
    const n = s.length;
    if (n <= LONG_STRING) {
      // Short: ASCII in one pass (the header is then 2n, one byte), else UTF-8 counted first.
      this.ensure(1 + n * 3 + 5);
      const buf = this.buf;
      const start = this.pos;
      let pos = start + 1;
      buf[start] = n * 2;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          this.pos = start;
          this.strUtf8Short(s);
          return;
        }
        buf[pos++] = c;
      }
      this.pos = pos;
      return;
    }
    if (isWellFormed !== undefined ? isWellFormed.call(s) : utf8Length(s) >= 0) {
      // Reserve the longest header the byte length can need, then close the gap.
      this.ensure(n * 3 + 10);
      const headerSize = varintSize(n * 3 * 2);
      const { written } = textEncoder.encodeInto(s, this.buf.subarray(this.pos + headerSize));
      const actual = varintSize(written * 2);
      if (actual !== headerSize) this.buf.copyWithin(this.pos + actual, this.pos + headerSize, this.pos + headerSize + written);
      this.varint(written * 2);
      this.pos += written;
      return;
    }
    this.strUtf16(s);
  }

  private strUtf8Short(s: string): void {
    const length = utf8Length(s);
    if (length < 0) {
      this.strUtf16(s);
      return;
    }
    this.varint(length * 2);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) buf[pos++] = c;
      else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6);
        buf[pos++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[pos++] = 0xe0 | (c >> 12);
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
        buf[pos++] = 0x80 | (c & 0x3f);
      } else {
        // A valid pair (utf8Length checked): one 4-byte sequence.
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        buf[pos++] = 0xf0 | (c >> 18);
        buf[pos++] = 0x80 | ((c >> 12) & 0x3f);
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
        buf[pos++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = pos;
  }

  private strUtf16(s: string): void {
    const n = s.length;
    this.varint(n * 4 + 1);
    this.ensure(n * 2);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      buf[pos++] = c & 0xff;
      buf[pos++] = c >> 8;
    }
    this.pos = pos;
  }

  // ── Paths (computed only for errors: invariant 2) ─────────────────────────

  /** The path of the value being visited, e.g. `.frames[3].locals`. */
  path(): string {
    let path = "";
    for (let sp = 0; sp <= this.sp; sp++) {
      const kind = this.fKind[sp];
      const at = this.fPos[sp]! - 1;
      // Not started yet (an array's extra properties wait below its elements).
      if (at < (kind === E_OBJECT || kind === E_MAP || kind === E_SET ? this.fStart[sp]! : 0)) continue;
      const list = this.fList[sp] as unknown[];
      switch (kind) {
        case E_OBJECT:
          path += keyLabel((this.fAux[sp] as ShapeNode).keys()[at - this.fStart[sp]!]!);
          break;
        case E_ARRAY:
          path += `[${at}]`;
          break;
        case E_SPARSE:
          path += `[${list[at] as string}]`;
          break;
        case E_MAP: {
          const i = at - this.fStart[sp]!;
          const key = this.values[this.fStart[sp]! + (i & ~1)];
          const shown = typeof key === "string" ? JSON.stringify(key) : typeof key === "number" ? String(key) : `<key #${i >> 1}>`;
          path += i % 2 === 0 ? `.<key #${i >> 1}>` : `.get(${shown})`;
          break;
        }
        case E_SET:
          path += `.<element #${at - this.fStart[sp]!}>`;
          break;
        case E_FIELDS:
          path += `.${(this.fAux[sp] as string[])[at]!}`;
          break;
        case E_ENVS:
          path += `.<env #${at} of closure ${JSON.stringify((this.fAux[sp] as ClosureState).entry.id)}>`;
          break;
        case E_FILL: {
          const state = this.fAux[sp] as ClosureState;
          path += `.<env #${state.deferredAt[at]!} of closure ${JSON.stringify(state.entry.id)}>`;
          break;
        }
        case E_CUSTOM:
          path += `.<data of type ${JSON.stringify((this.fTarget[sp] as Entry).id)}>`;
          break;
      }
    }
    return path;
  }

  private where(): string {
    const path = this.path();
    return path === "" ? "the root" : path;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The UTF-8 length of `s`, or -1 if it holds a lone surrogate. */
function utf8Length(s: string): number {
  let length = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c < 0xd800 || c > 0xdfff) length += 3;
    else if (c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
    } else return -1;
  }
  return length;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}
