/**
 * The IPC bridge's wire format: length-prefixed frames over any byte stream.
 *
 * A frame is `[u32 BE length][u8 kind][length bytes of payload]`:
 *
 * | kind   | direction            | payload                                  |
 * |--------|----------------------|------------------------------------------|
 * | DATA   | sender → receiver    | one element, as the codec encoded it      |
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

/** The largest payload a frame may carry (the length field is 32 bits; this keeps a bad peer from making us buffer 4 GiB). */
export const MAX_FRAME = 256 * 1024 * 1024;

const HEADER = 5;

export interface Frame {
  kind: number;
  payload: Buffer;
}

/** One frame as bytes. */
export function frame(kind: number, payload: Uint8Array): Buffer {
  const bytes = Buffer.allocUnsafe(HEADER + payload.length);
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
 * (no copy); one that spans chunks is copied once, when its last byte has
 * arrived (the chunks before are only kept, so a large frame arriving in many
 * small chunks costs one copy, not one per chunk).
 */
export class FrameReader {
  /** Chunks of an incomplete frame (the first may start mid-chunk: `offset`). */
  private parts: Buffer[] = [];
  private offset = 0;
  private buffered = 0;
  /** The length of the frame being gathered (payload + header), or -1 until its header is in. */
  private needed = -1;

  /** Appends the whole frames now complete to `into`. Throws on a frame too large. */
  push(chunk: Buffer, into: Frame[]): void {
    let at = 0;
    if (this.buffered > 0) {
      // Finish the frame begun in earlier chunks.
      this.parts.push(chunk);
      this.buffered += chunk.length;
      if (this.needed < 0) {
        if (this.buffered < HEADER) return;
        const head = Buffer.concat(this.parts).subarray(this.offset, this.offset + HEADER);
        this.needed = HEADER + checkLength(head.readUInt32BE(0));
      }
      if (this.buffered < this.needed) return;
      const whole = Buffer.concat(this.parts);
      const start = this.offset;
      const bytes = whole.subarray(start, start + this.needed);
      into.push({ kind: bytes[4]!, payload: bytes.subarray(HEADER) });
      at = chunk.length - (this.buffered - this.needed); // where the rest of this chunk starts
      this.parts = [];
      this.offset = 0;
      this.buffered = 0;
      this.needed = -1;
    }
    while (chunk.length - at >= HEADER) {
      const length = checkLength(chunk.readUInt32BE(at));
      if (chunk.length - at - HEADER < length) break;
      into.push({ kind: chunk[at + 4]!, payload: chunk.subarray(at + HEADER, at + HEADER + length) });
      at += HEADER + length;
    }
    if (at < chunk.length) {
      this.parts = [chunk];
      this.offset = at;
      this.buffered = chunk.length - at;
      this.needed = this.buffered >= HEADER ? HEADER + checkLength(chunk.readUInt32BE(at)) : -1;
    }
  }

  /** True if a partial frame is waiting for the rest. */
  get partial(): boolean {
    return this.buffered > 0;
  }
}

function checkLength(length: number): number {
  if (length > MAX_FRAME) throw new Error(`IPC: a frame of ${length} bytes is larger than the limit (${MAX_FRAME}); is the other end speaking this protocol?`);
  return length;
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
