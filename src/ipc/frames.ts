/**
 * The IPC bridge's wire format: length-prefixed frames over any byte stream.
 *
 * A frame is `[u32 BE length][u8 kind][length bytes of payload]`:
 *
 * | kind   | direction            | payload                                  |
 * |--------|----------------------|------------------------------------------|
 * | DATA   | sender → receiver    | one element, as the codec encoded it      |
 * | BYTES  | sender → receiver    | one element, a plain Uint8Array, as its   |
 * |        |                      | bytes (structured clone's codec only)     |
 * | CLOSE  | sender → receiver    | the cause (v8-serialized), or empty       |
 * | CANCEL | either way           | the cause (v8-serialized), or empty       |
 * | CREDIT | receiver → sender    | u32: room in the receiver's buffer (sent  |
 * |        |                      | once, first: the remote capacity)         |
 * | ACK    | receiver → sender    | u32: this many more elements were received |
 *
 * The sender may have at most `credit` elements unacknowledged, which is the
 * receiver's capacity: a full remote buffer is what suspends the local sender.
 */
import * as v8 from "node:v8";

export const DATA = 1;
export const CLOSE = 2;
export const CANCEL = 3;
export const CREDIT = 4;
export const ACK = 5;
export const BYTES = 6;

/** The largest payload a frame may carry (the length field is 32 bits; this keeps a bad peer from making us buffer 4 GiB). */
export const MAX_FRAME = 256 * 1024 * 1024;

const HEADER = 5;

export interface Frame {
  kind: number;
  payload: Buffer;
}

/** One frame as bytes: in `bytes` if given (HEADER + payload.length of them), else in a buffer of its own. */
export function frame(kind: number, payload: Uint8Array, bytes = Buffer.allocUnsafe(HEADER + payload.length)): Buffer {
  bytes.writeUInt32BE(payload.length, 0);
  bytes[4] = kind;
  bytes.set(payload, HEADER);
  return bytes;
}

/** A frame carrying a count (CREDIT, ACK). */
export function countFrame(kind: number, n: number): Buffer {
  const bytes = Buffer.allocUnsafe(HEADER + 4);
  bytes.writeUInt32BE(4, 0);
  bytes[4] = kind;
  bytes.writeUInt32BE(n, HEADER);
  return bytes;
}

/** A frame carrying a cause (CLOSE, CANCEL): v8-serialized when it can be, else its message. */
export function causeFrame(kind: number, cause: unknown): Buffer {
  if (cause === undefined) return frame(kind, new Uint8Array(0));
  let payload: Uint8Array;
  try {
    payload = v8.serialize(cause);
  } catch {
    payload = v8.serialize(new Error(cause instanceof Error ? cause.message : String(cause)));
  }
  return frame(kind, payload);
}

export function readCause(payload: Buffer): unknown {
  if (payload.length === 0) return undefined;
  try {
    return v8.deserialize(payload);
  } catch {
    return new Error("(a cause that could not be decoded)");
  }
}

export function readCount(payload: Buffer): number {
  if (payload.length !== 4) throw new Error(`IPC: a count frame of ${payload.length} bytes`);
  return payload.readUInt32BE(0);
}

/**
 * Splits a byte stream into frames. A frame inside one chunk is a view of it
 * (no copy). One that spans chunks is gathered into a buffer of its own size,
 * allocated once its header is in: each of its bytes is copied once, and only
 * its bytes (not the rest of the chunks it arrived in).
 */
export class FrameReader {
  /** The bytes of a header split across chunks (fewer than HEADER so far). */
  private readonly head = Buffer.alloc(HEADER);
  private headLength = 0;
  /** The frame being gathered (header included), once its header is in; `filled` bytes of it so far. */
  private gathering: Buffer | null = null;
  private filled = 0;

  /** Appends the whole frames now complete to `into`. Throws on a frame too large. */
  push(chunk: Buffer, into: Frame[]): void {
    let at = 0;
    if (this.headLength > 0) {
      // A header begun in an earlier chunk.
      const take = Math.min(HEADER - this.headLength, chunk.length);
      chunk.copy(this.head, this.headLength, 0, take);
      this.headLength += take;
      at = take;
      if (this.headLength < HEADER) return;
      this.headLength = 0;
      const length = checkLength(this.head.readUInt32BE(0));
      this.gathering = Buffer.allocUnsafe(HEADER + length);
      this.head.copy(this.gathering, 0);
      this.filled = HEADER;
    }
    if (this.gathering !== null) {
      // A frame begun in an earlier chunk: copy what this chunk has of it.
      const frame = this.gathering;
      const take = Math.min(frame.length - this.filled, chunk.length - at);
      chunk.copy(frame, this.filled, at, at + take);
      this.filled += take;
      at += take;
      if (this.filled < frame.length) return;
      this.gathering = null;
      into.push({ kind: frame[4]!, payload: frame.subarray(HEADER) });
    }
    while (chunk.length - at >= HEADER) {
      const length = checkLength(chunk.readUInt32BE(at));
      if (chunk.length - at - HEADER < length) {
        // The frame goes on in the next chunks.
        const frame = Buffer.allocUnsafe(HEADER + length);
        this.filled = chunk.copy(frame, 0, at);
        this.gathering = frame;
        return;
      }
      into.push({ kind: chunk[at + 4]!, payload: chunk.subarray(at + HEADER, at + HEADER + length) });
      at += HEADER + length;
    }
    if (at < chunk.length) this.headLength = chunk.copy(this.head, 0, at);
  }

  /** True if a partial frame is waiting for the rest. */
  get partial(): boolean {
    return this.headLength > 0 || this.gathering !== null;
  }
}

function checkLength(length: number): number {
  if (length > MAX_FRAME) throw new Error(`IPC: a frame of ${length} bytes is larger than the limit (${MAX_FRAME}); is the other end speaking this protocol?`);
  return length;
}

/**
 * One DATA frame of `value` in structured clone (what `v8.serialize` writes),
 * serialized behind room for its header: one buffer, no copy of the payload.
 */
export function structuredFrame(value: unknown): Buffer {
  const serializer = new v8.DefaultSerializer();
  serializer.writeRawBytes(EMPTY_HEADER);
  serializer.writeHeader();
  serializer.writeValue(value);
  const bytes = serializer.releaseBuffer();
  bytes.writeUInt32BE(bytes.length - HEADER, 0);
  bytes[4] = DATA;
  return bytes;
}

const EMPTY_HEADER = Buffer.alloc(HEADER);

/**
 * The element of the structured clone codec as a frame: a plain `Uint8Array`
 * as a BYTES frame of its bytes (one copy, none of the serializer's
 * buffer growth and host-object encoding); anything else as a DATA frame.
 * `pooled`: a large BYTES frame may be in reused memory (see below), for a
 * frame written once, and then given back with `whenWritten`.
 */
export function elementFrame(value: unknown, pooled = false): Buffer {
  if (value instanceof Uint8Array && value.constructor === Uint8Array) return pooled && value.length >= POOLED ? pooledFrame(BYTES, value) : frame(BYTES, value);
  return structuredFrame(value);
}

/*
 * Large BYTES frames are written from reused memory. A fresh buffer for each
 * frame costs more than the copy into it: its pages come from the OS one
 * fault at a time, and the GC counts every one of them. A link keeps only a
 * few frames in flight (its write window), so a few buffers, shared by every
 * link of the process, serve them all. A pooled frame goes back to the pool
 * when the stream has written it (`whenWritten`: its write callback), never
 * before; one that is never written (its link failed) is left to the GC.
 */

/** Payloads at least this large go in pooled frames. */
const POOLED = 16 * 1024;
/** What the pool keeps at most, in bytes: a few 64 KiB frames per busy link. */
const POOL_LIMIT = 2 * 1024 * 1024;
const spare: ArrayBuffer[] = [];
let spareBytes = 0;
/** The frames lent out and not yet written. */
const lent = new WeakSet<Uint8Array>();

function pooledFrame(kind: number, payload: Uint8Array): Buffer {
  const size = HEADER + payload.length;
  let memory = spare.pop();
  if (memory !== undefined) {
    spareBytes -= memory.byteLength;
    if (memory.byteLength < size || memory.byteLength > 2 * size) memory = undefined; // not this frame's size: the GC takes it
  }
  const bytes = frame(kind, payload, memory === undefined ? Buffer.allocUnsafeSlow(size) : Buffer.from(memory, 0, size));
  lent.add(bytes);
  return bytes;
}

/**
 * What to call once the stream has written `frame` (pass it as the write's
 * callback): it gives a pooled frame's memory back. Undefined for a frame not
 * from the pool.
 */
export function whenWritten(frame: Uint8Array): (() => void) | undefined {
  if (!lent.has(frame)) return undefined;
  return () => {
    if (!lent.delete(frame)) return; // given back already
    const memory = frame.buffer as ArrayBuffer;
    if (spareBytes + memory.byteLength > POOL_LIMIT) return;
    spare.push(memory);
    spareBytes += memory.byteLength;
  };
}

/**
 * A BYTES frame's element: a view of the payload, as structured clone's
 * deserializer gives (the payload is the frame's own memory: see FrameReader).
 */
export function readBytes(payload: Buffer): Uint8Array {
  return new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
}

/** A DATA frame's header alone, for a payload written after it as it is (no copy). */
export function dataHeader(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(HEADER);
  bytes.writeUInt32BE(length, 0);
  bytes[4] = DATA;
  return bytes;
}

/** Several whole frames (small ones) as one buffer. */
export function joinFrames(frames: Uint8Array[], total: number): Buffer {
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  for (const frame of frames) {
    bytes.set(frame, at);
    at += frame.length;
  }
  return bytes;
}

/** Several DATA frames as one buffer: one copy of each payload. */
export function dataFrames(payloads: Uint8Array[]): Buffer {
  let total = 0;
  for (const payload of payloads) total += HEADER + payload.length;
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  for (const payload of payloads) {
    bytes.writeUInt32BE(payload.length, at);
    bytes[at + 4] = DATA;
    bytes.set(payload, at + HEADER);
    at += HEADER + payload.length;
  }
  return bytes;
}
