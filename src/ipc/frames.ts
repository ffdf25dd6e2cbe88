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

/** Splits a byte stream into frames; keeps what is left of a partial one for the next chunk. */
export class FrameReader {
  private pending: Buffer | null = null;

  /** The whole frames in `chunk` (after what was left over). Throws on a frame too large. */
  push(chunk: Buffer, into: Frame[]): void {
    const bytes = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let at = 0;
    while (bytes.length - at >= HEADER) {
      const length = bytes.readUInt32BE(at);
      if (length > MAX_FRAME) throw new Error(`IPC: a frame of ${length} bytes is larger than the limit (${MAX_FRAME}); is the other end speaking this protocol?`);
      if (bytes.length - at - HEADER < length) break;
      into.push({ kind: bytes[at + 4]!, payload: bytes.subarray(at + HEADER, at + HEADER + length) });
      at += HEADER + length;
    }
    if (at < bytes.length) this.pending = at === 0 ? bytes : Buffer.from(bytes.subarray(at));
  }

  /** True if a partial frame is waiting for the rest. */
  get partial(): boolean {
    return this.pending !== null;
  }
}
