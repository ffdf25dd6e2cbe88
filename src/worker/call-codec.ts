/**
 * The inject queue's codec (protocol.ts): a queued call `{ id, fn, args }` as
 * bytes. Most calls pass a few numbers or short strings, and structured clone
 * (`v8.serialize`, then a copy out of shared memory and `v8.deserialize`)
 * costs microseconds per call on each side and a fresh buffer for the garbage
 * collector; these are written field by field instead:
 *
 * ```
 * u8 FIELDS | f64 id | u8 n, n × u16: fn | u8 count | count × (u8 tag [| f64 | u8 n, n × u16])
 * u8 CLONE  | v8.serialize({ id, fn, args })
 * ```
 *
 * Field by field takes numbers, booleans, null, undefined and strings of at
 * most 255 UTF-16 code units (read back unit for unit, so any string stays
 * the same), for a name of at most 255 units and at most 255 arguments;
 * anything else is the CLONE form, with structured clone's meaning and its
 * errors (a SharedArrayBuffer among the arguments throws, and the pool posts
 * the call to a worker's port instead).
 *
 * `encode` returns a view of one buffer it reuses (field by field) or a
 * fresh one (structured clone): the channel copies the bytes before its send
 * returns.
 */
import * as v8 from "node:v8";
import type { SharedCodec } from "./shared-channel.js";
import type { Injected } from "./protocol.js";

const FIELDS = 0;
const CLONE = 1;

const NUMBER = 0;
const STRING = 1;
const TRUE = 2;
const FALSE = 3;
const NULL = 4;
const UNDEFINED = 5;

const CLONE_FORM = new Uint8Array([CLONE]);

/** The longest string, name or argument list written field by field. */
const SHORT = 255;

let scratch = new ArrayBuffer(512);
let bytes = new Uint8Array(scratch);
let view = new DataView(scratch);

/** Room for `size` more bytes after `at` (the buffer doubles, keeping what is written). */
function reserve(at: number, size: number): void {
  if (at + size <= scratch.byteLength) return;
  let length = scratch.byteLength;
  while (length < at + size) length *= 2;
  const grown = new ArrayBuffer(length);
  new Uint8Array(grown).set(bytes.subarray(0, at));
  scratch = grown;
  bytes = new Uint8Array(grown);
  view = new DataView(grown);
}

function writeString(at: number, value: string): number {
  reserve(at, 1 + 2 * value.length);
  bytes[at++] = value.length;
  for (let i = 0; i < value.length; i++, at += 2) view.setUint16(at, value.charCodeAt(i), true);
  return at;
}

/** The arguments field by field, or -1 if one of them needs structured clone. */
function writeFields(call: Injected): number {
  const { fn, args } = call;
  if (fn.length > SHORT || args.length > SHORT) return -1;
  reserve(0, 10);
  bytes[0] = FIELDS;
  view.setFloat64(1, call.id, true);
  let at = writeString(9, fn);
  reserve(at, 1);
  bytes[at++] = args.length;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    reserve(at, 9);
    if (typeof arg === "number") {
      bytes[at] = NUMBER;
      view.setFloat64(at + 1, arg, true);
      at += 9;
    } else if (typeof arg === "string") {
      if (arg.length > SHORT) return -1;
      bytes[at] = STRING;
      at = writeString(at + 1, arg);
    } else if (arg === true) bytes[at++] = TRUE;
    else if (arg === false) bytes[at++] = FALSE;
    else if (arg === null) bytes[at++] = NULL;
    else if (arg === undefined && i in args) bytes[at++] = UNDEFINED; // a hole is not undefined: structured clone keeps it
    else return -1;
  }
  return at;
}

function readString(data: DataView, at: number, length: number): string {
  let value = "";
  for (let i = 0; i < length; i++) value += String.fromCharCode(data.getUint16(at + 2 * i, true));
  return value;
}

export const callCodec: SharedCodec<Injected> = {
  encode(call) {
    const length = writeFields(call);
    if (length >= 0) return bytes.subarray(0, length);
    // What v8.serialize writes, behind the form's byte: one buffer, no copy of a large clone.
    const serializer = new v8.DefaultSerializer();
    serializer.writeRawBytes(CLONE_FORM);
    serializer.writeHeader();
    serializer.writeValue(call);
    return serializer.releaseBuffer();
  },

  decode(encoded) {
    // Structured clone cannot read shared memory: its form is copied out first.
    if (encoded[0] === CLONE) return v8.deserialize(encoded.slice(1)) as Injected;
    const data = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    const id = data.getFloat64(1, true);
    const nameLength = data.getUint8(9);
    const fn = readString(data, 10, nameLength);
    let at = 10 + 2 * nameLength;
    const count = data.getUint8(at++);
    const args: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const tag = data.getUint8(at++);
      if (tag === NUMBER) {
        args.push(data.getFloat64(at, true));
        at += 8;
      } else if (tag === STRING) {
        const length = data.getUint8(at++);
        args.push(readString(data, at, length));
        at += 2 * length;
      } else args.push(tag === TRUE ? true : tag === FALSE ? false : tag === NULL ? null : undefined);
    }
    return { id, fn, args };
  },
};
