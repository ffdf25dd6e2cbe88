/**
 * The durable serializer: turns an object graph into bytes and back, keeping
 * cycles and shared references (two references to one object decode to one
 * object), for snapshots of suspended coroutines that another process restores.
 * Portable: no Node built-in module, so it runs in browsers too.
 *
 * ## Format (version 1)
 *
 * ```
 * snapshot := "STRD" version:u8 flags:u8 header body [signature sigLength:u32le] crc32:u32le
 * header   := count:varint (kind:u8 id:str hasHash:u8 [hash:str])*   -- the registered ids the body uses
 * body     := node                                                    -- the root value
 * ```
 * `flags` bit 0: signed. The signature covers everything before it; the CRC-32
 * covers everything before it (signature included). `varint` is unsigned
 * LEB128 (< 2^53). `str` is a varint `2 × byteLength + e` then the bytes: UTF-8
 * (e = 0) or, for a string holding a lone surrogate, UTF-16LE (e = 1).
 * Entry kinds: 0 class, 1 prototype, 2 function, 3 closure factory, 4 type.
 *
 * | tag       | name         | payload                                   | value                                  |
 * |-----------|--------------|-------------------------------------------|----------------------------------------|
 * | 0x00-0x03 | UNDEFINED, NULL, FALSE, TRUE |                           |                                        |
 * | 0x04      | UINT         | varint n                                  | the integer n (n < 2^53)               |
 * | 0x05      | NEGINT       | varint n                                  | −n (1 ≤ n < 2^53)                      |
 * | 0x06      | FLOAT64      | 8 bytes LE                                | other numbers: fractions, −0, NaN, ±∞  |
 * | 0x07      | STRING       | str                                       | a string (as a shape's key: appended to the key table) |
 * | 0x08      | KEY_REF      | varint i                                  | only as a shape's key: key table entry i |
 * | 0x09      | BIGINT       | varint 2·len+sign, len bytes LE magnitude | a bigint                               |
 * | 0x0A      | SYMBOL_FOR   | str key                                   | Symbol.for(key)                        |
 * | 0x0B      | SYMBOL_WK    | str name                                  | Symbol[name] (Symbol.iterator…)        |
 * | 0x0C      | HOLE         |                                           | an absent array element (arrays only)  |
 * | 0x0D      | REF          | varint i                                  | object table entry i (seen before)     |
 * | 0x0E      | OBJECT       | shape, values                             | a plain object                         |
 * | 0x0F      | NULL_OBJECT  | shape, values                             | an object with a null prototype        |
 * | 0x10      | INSTANCE     | varint entry, shape, values               | Object.create(registered prototype)    |
 * | 0x11      | ARRAY        | varint n, n elements                      | an array (HOLE for holes)              |
 * | 0x12      | ARRAY_PROPS  | varint n, shape, n elements, values       | an array with extra properties         |
 * | 0x13      | SPARSE_ARRAY | varint n, varint m, shape, m × (varint index, element), values | a sparse array  |
 * | 0x14      | DATE         | 8 bytes LE: the time value                | a Date (NaN: invalid)                  |
 * | 0x15      | REGEXP       | str source, str flags, number node        | a RegExp and its lastIndex             |
 * | 0x16      | MAP          | varint n, n × (key, value)                | a Map, in insertion order              |
 * | 0x17      | SET          | varint n, n values                        | a Set, in insertion order              |
 * | 0x18      | ARRAY_BUFFER | varint n, n bytes                         | an ArrayBuffer                         |
 * | 0x19      | VIEW         | u8 kind, (ARRAY_BUFFER or REF), varint byteOffset, varint length | a typed array or DataView |
 * | 0x1A      | ERROR        | u8 kind [varint entry], u8 n, n × u8 field, shape, n fields, values | an Error (kinds: Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError; 0xFF registered) |
 * | 0x1B      | BOXED        | a primitive node                          | Object(primitive)                      |
 * | 0x1C      | FUNCTION     | varint entry                              | a registered function or class         |
 * | 0x1D      | CLOSURE      | varint entry, varint n, n env nodes, one node per DEFER | factory(...envs)         |
 * | 0x1E      | DEFER        | u8 kind [varint entry]                    | an empty env container, filled after the closure is made |
 * | 0x1F      | CUSTOM       | varint entry, data node                   | codec.deserialize(data)                |
 * | 0x20      | ARGUMENTS    | varint n, n elements                      | an (unmapped) arguments object         |
 * | 0x80-0xFF | SMALL_INT    |                                           | the integer tag − 0x80 (0..127)        |
 *
 * A shape is `varint s`: s ≥ 1 names shape table entry s − 1; s = 0 is a new
 * shape, `varint k` then k key nodes (STRING, KEY_REF, SYMBOL_FOR,
 * SYMBOL_WK), appended to the shape table. Objects with the same keys in the
 * same order share a shape; their values follow in key order. Keys are written
 * once; string values in full each time (a table lookup per string cost more
 * time than it saved bytes). A "number node" is SMALL_INT, UINT, NEGINT or
 * FLOAT64. An error's fields are its own non-enumerable message (0), name (1),
 * stack (2), cause (3) and errors (4), listed in their own-key order; their
 * values come before its own enumerable properties' values.
 *
 * ## Invariants
 * 1. Object nodes (every row from OBJECT down but FUNCTION, and the
 *    ARRAY_BUFFER inside a VIEW) take the next object-table index in stream
 *    order; REF only points back. A VIEW takes its index before its buffer; a
 *    DEFER takes it in the environment list, its filling node none.
 * 2. A container is made when its node starts and filled after (cycles
 *    resolve); a CUSTOM value or CLOSURE exists only once its data or
 *    environments are decoded, so nothing inside them may refer to it. DEFER
 *    containers in a closure's environment list exist before the factory runs
 *    and are filled after it (a closure may sit in its own environment).
 * 3. The magic bytes, version and checksum are checked first, the signature
 *    before the header is trusted, the header's ids are resolved (and their
 *    hashes compared) before the body is read.
 * 4. Decoding runs no code but registered factories and codecs, never sets a
 *    prototype from a key, and fails only with SnapshotError.
 */
import { SnapshotError, VersionMismatch, type HashMismatch } from "./errors.js";
import { entryById, KIND_NAMES, type Entry, type EntryKindName } from "./registry.js";
import { crc32 } from "./checksum.js";
import { FLAG_SIGNED, FORMAT_VERSION, MAGIC } from "./serialize-format.js";
import { Encoder } from "./serialize-encode.js";
import { Decoder, openSnapshot, type Opened } from "./serialize-decode.js";
import { toSigner, type Signer } from "./serialize-sign.js";

export type { Signer } from "./serialize-sign.js";

/** Options of `encode`. */
export interface EncodeOptions {
  /** Sign the snapshot: a key (HMAC-SHA256) or a `Signer`. */
  sign?: Uint8Array | Signer;
}

/** Options of `decode`. */
export interface DecodeOptions {
  /**
   * Verify the snapshot's signature: a key (HMAC-SHA256) or a `Signer`. A signed
   * snapshot needs it; an unsigned snapshot is refused when it is given.
   */
  verify?: Uint8Array | Signer;
  /** Called with the header before the body is decoded (after the checksum and signature are checked); may throw to refuse it. */
  onHeader?: (header: SnapshotHeader) => void;
  /**
   * "check" (the default): a hash in the snapshot that differs from the one
   * registered here is a VersionMismatch. "ignore": restore anyway (migration).
   */
  versions?: "check" | "ignore";
}

/** One registered id a snapshot uses. */
export interface SnapshotEntry {
  readonly kind: EntryKindName;
  readonly id: string;
  /** The version hash it was registered with where the snapshot was written. */
  readonly hash: string | undefined;
}

/** What a snapshot's header says. */
export interface SnapshotHeader {
  readonly formatVersion: number;
  readonly signed: boolean;
  /** The registered ids the body refers to. */
  readonly entries: readonly SnapshotEntry[];
}

/**
 * Encodes `value` and everything it reaches into a snapshot. Values: every
 * primitive but unregistered symbols; plain and null-prototype objects
 * (enumerable own string and symbol keys, in order); arrays (holes and extra
 * properties kept); Date, RegExp, Map, Set, ArrayBuffer, typed arrays and
 * DataView (views keep sharing their buffer); errors with message, stack,
 * cause and errors; boxed primitives; instances of registered classes and
 * prototypes; registered functions, closures made through `closure()`, and
 * custom types. Anything else is a SnapshotError naming the path to it.
 * Frozen or sealed objects, getters and non-enumerable properties are saved
 * as plain data properties (getters are read).
 *
 * @example
 * ```ts
 * const shared = { n: 1 };
 * const bytes = encode({ a: shared, b: shared, when: new Date(0) });
 * const copy = decode(bytes) as { a: object; b: object };
 * copy.a === copy.b; // true
 * ```
 */
export function encode(value: unknown, options?: EncodeOptions): Uint8Array {
  const what = "encode";
  if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError(`${what}: options must be an object`);
  const signer = options?.sign === undefined ? null : toSigner(what, "options.sign", options.sign, "sign");
  // The body's buffer of the last encode is reused (not while a codec encodes re-entrantly).
  const body = new Encoder(spare ?? new Uint8Array(SPARE_START));
  spare = null;
  try {
    body.encode(value);
    return finish(body, signer);
  } finally {
    if (body.buf.length <= SPARE_MAX) spare = body.buf;
  }
}

/** The body buffer `encode` keeps between calls, and its bounds: a snapshot above SPARE_MAX bytes gets a fresh one next time. */
let spare: Uint8Array | null = null;
const SPARE_START = 1 << 16;
const SPARE_MAX = 1 << 22;

/** The snapshot: header, body, signature, checksum. */
function finish(body: Encoder, signer: Signer | null): Uint8Array {
  const what = "encode";
  const header = new Encoder(new Uint8Array(256));
  for (const b of MAGIC) header.byte(b);
  header.byte(FORMAT_VERSION);
  header.byte(signer === null ? 0 : FLAG_SIGNED);
  header.varint(body.entries.length);
  for (const entry of body.entries) {
    header.byte(entry.kind);
    header.str(entry.id);
    header.byte(entry.hash === undefined ? 0 : 1);
    if (entry.hash !== undefined) header.str(entry.hash);
  }
  const contentLength = header.pos + body.pos;
  let out: Uint8Array;
  if (signer === null) {
    out = new Uint8Array(contentLength + 4);
    out.set(header.buf.subarray(0, header.pos));
    out.set(body.buf.subarray(0, body.pos), header.pos);
  } else {
    const content = new Uint8Array(contentLength);
    content.set(header.buf.subarray(0, header.pos));
    content.set(body.buf.subarray(0, body.pos), header.pos);
    const signature = signer.sign(content);
    if (!(signature instanceof Uint8Array)) throw new TypeError(`${what}: options.sign.sign() must return a Uint8Array`);
    out = new Uint8Array(contentLength + signature.length + 8);
    out.set(content);
    out.set(signature, contentLength);
    writeU32(out, contentLength + signature.length, signature.length);
  }
  writeU32(out, out.length - 4, crc32(out, 0, out.length - 4));
  return out;
}

/**
 * Decodes a snapshot `encode` wrote, in this or another process. The ids it
 * uses must be registered here (with the same hashes, unless `versions:
 * "ignore"`). Any problem with the bytes (truncated, corrupted, unsigned or
 * wrongly signed, malformed) is a SnapshotError; nothing else is thrown but
 * what `onHeader` throws.
 *
 * @example
 * ```ts
 * const key = new Uint8Array(32).fill(7);
 * const bytes = encode({ step: 3 }, { sign: key });
 * decode(bytes, {
 *   verify: key,
 *   onHeader: (header) => console.log(header.entries),
 * }); // { step: 3 }
 * ```
 */
export function decode(bytes: Uint8Array, options?: DecodeOptions): unknown {
  const what = "decode";
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}: bytes must be a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
  if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError(`${what}: options must be an object`);
  const verifier = options?.verify === undefined ? null : toSigner(what, "options.verify", options.verify, "verify");
  const onHeader = options?.onHeader;
  if (onHeader !== undefined && typeof onHeader !== "function") throw new TypeError(`${what}: options.onHeader must be a function`);
  const versions = options?.versions ?? "check";
  if (versions !== "check" && versions !== "ignore") throw new TypeError(`${what}: options.versions must be "check" or "ignore", got ${String(versions)}`);

  const input = plainBytes(bytes);
  const opened = guard(() => openSnapshot(input));
  if (opened.signed) {
    if (verifier === null) throw new SnapshotError("the snapshot is signed: pass the key (or signer) that verifies it as options.verify");
    const ok = guard(() => verifier.verify(input.subarray(0, opened.contentEnd), opened.signature!));
    if (ok !== true) throw new SnapshotError("the snapshot's signature does not match: it was signed with another key, or changed after it was signed");
  } else if (verifier !== null) {
    throw new SnapshotError("the snapshot is not signed, but options.verify asks for a signed one");
  }
  if (onHeader !== undefined) onHeader(toHeader(opened));
  const entries = resolve(opened, versions === "check");
  return guard(() => new Decoder(input, opened.bodyStart, opened.contentEnd, entries).decode());
}

/**
 * Reads a snapshot's header without decoding its body: the format version,
 * whether it is signed, and the registered ids (with their hashes) it uses.
 * Checks the magic bytes and the checksum, not the signature.
 *
 * @example
 * ```ts
 * registerFunction("users/fetchUser", fetchUser, "h1");
 * inspectHeader(encode({ load: fetchUser }));
 * // { formatVersion: 1, signed: false, entries: [{ kind: "function", id: "users/fetchUser", hash: "h1" }] }
 * ```
 */
export function inspectHeader(bytes: Uint8Array): SnapshotHeader {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`inspectHeader: bytes must be a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
  return toHeader(guard(() => openSnapshot(plainBytes(bytes))));
}

function toHeader(opened: Opened): SnapshotHeader {
  return {
    formatVersion: opened.formatVersion,
    signed: opened.signed,
    entries: opened.entries.map(({ kind, id, hash }) => ({ kind: KIND_NAMES[kind]!, id, hash })),
  };
}

/** The header's entries as registered here; unknown ids, other kinds and (when checking) other hashes fail. */
function resolve(opened: Opened, checkHashes: boolean): Entry[] {
  const entries: Entry[] = [];
  const unknown: string[] = [];
  const mismatches: HashMismatch[] = [];
  for (const { kind, id, hash } of opened.entries) {
    const entry = entryById(id);
    if (entry === undefined) {
      unknown.push(`${KIND_NAMES[kind]} ${JSON.stringify(id)}`);
      continue;
    }
    if (entry.kind !== kind) {
      throw new SnapshotError(`the snapshot uses ${JSON.stringify(id)} as a ${KIND_NAMES[kind]}, but it is registered here as a ${KIND_NAMES[entry.kind]}`);
    }
    if (checkHashes && entry.hash !== hash) mismatches.push({ id, expectedHash: entry.hash, actualHash: hash });
    entries.push(entry);
  }
  if (unknown.length > 0) {
    throw new SnapshotError(
      `the snapshot refers to ${unknown.join(", ")}, not registered in this process: register ${unknown.length === 1 ? "it" : "them"} ` +
        `(registerClass, registerPrototype, registerFunction, registerClosureFactory, registerType) before decoding`,
    );
  }
  if (mismatches.length > 0) throw new VersionMismatch(mismatches);
  return entries;
}

/** A plain Uint8Array over the same bytes (a Buffer's slice() shares memory; this one copies). */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Runs `read`; anything it throws that is not a SnapshotError becomes one. */
function guard<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SnapshotError) throw error;
    throw new SnapshotError(`malformed snapshot: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, undefined, { cause: error });
  }
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = value >>> 24;
}
