/**
 * The IPC bridge: a channel whose other end is in another process, over any
 * byte stream (a Unix or TCP socket, a child's stdio). Frames: frames.ts.
 *
 * Each end is a real local channel (so `send`, `receive`, `select` and
 * iteration work as on any channel) plus pump tasks that move elements over
 * the wire, in a `resource()` of the task that opened the end:
 *
 * - **Sender end** (`remoteSender`): a rendezvous channel the caller sends
 *   into. Its pump takes an element only while it holds a credit (room in the
 *   receiver's buffer), so a full remote buffer suspends the local sender.
 *   Elements written but not yet acknowledged (received on the other side)
 *   are kept; if the link ends without acknowledging them — the peer died,
 *   or cancelled — they go to `onUndelivered`, exactly once.
 * - **Receiver end** (`remoteReceiver`): its capacity (≥ 1) is the room it
 *   grants the sender. Its pump hands each element to a local receiver and
 *   then acknowledges it (in batches), giving the credit back.
 *
 * Link states, as each end sees them:
 *
 * | state    | meaning                                                      |
 * |----------|--------------------------------------------------------------|
 * | OPEN     | elements flow                                                 |
 * | CLOSING  | CLOSE sent/received: what is in flight still delivers         |
 * | DONE     | closed, everything acknowledged; the stream is ended          |
 * | CANCELLED| either side cancelled: the other is told (CANCEL)             |
 * | LOST     | the stream ended or failed without CLOSE/CANCEL: the local    |
 * |          | channel closes with a `PeerLost` cause                        |
 *
 * OPEN → CLOSING → DONE; OPEN/CLOSING → CANCELLED | LOST.
 */
import * as v8 from "node:v8";
import { PassThrough, type Duplex, type Readable, type Writable } from "node:stream";
import { NOT_READY } from "../core/clause.js";
import type { Instruction } from "../core/instructions.js";
import { operation } from "../core/operation.js";
import { channel, ChannelImpl, channelSettings, type Channel, type ReceiveChannel, type SendResult } from "../channel/channel.js";
import type { SelectClause } from "../core/clause.js";
import { ChannelClosed } from "../errors.js";
import { keep } from "../core/keep.js";
import { resource } from "../resource.js";
import { spawn } from "../spawn.js";
import type { Operation } from "../types.js";
import { checkOptions, show } from "../validate.js";
import { ReadableSource, WritableTarget } from "../io/stream.js";
import { Socket } from "../io/socket.js";
import { ChildProcess } from "../io/process.js";
import { IoClause, Notifier, waitFor } from "../io/wait.js";
import { ACK, BYTES, CANCEL, CLOSE, CREDIT, DATA, FrameReader, causeFrame, countFrame, dataHeader, elementFrame, joinFrames, readBytes, readCause, readCount, whenWritten, type Frame } from "./frames.js";

/**
 * How elements become bytes and back. The default is structured clone
 * (`node:v8` serialize). The bytes `encode` returns are written as they are,
 * without a copy: they must not change afterwards.
 */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** Structured clone: what `postMessage` can send (no functions, no class identity beyond built-ins). */
export const structuredCodec: Codec<any> = {
  encode: (value) => v8.serialize(value),
  decode: (bytes) => v8.deserialize(bytes),
};

/**
 * The stream an IPC end talks over: a Duplex (a socket), a strand/io
 * `Socket`, a strand/io `ChildProcess` (its stdout and stdin, which the end
 * then owns), or a readable and a writable (a child's stdout and stdin).
 */
export type Transport = Duplex | Socket | ChildProcess | { readable: Readable; writable: Writable };

/** The cause of a remote channel's closing when the other process went away without closing or cancelling it. */
export class PeerLost extends Error {
  override readonly name = "PeerLost";
}

export interface RemoteSenderOptions<T> {
  /** Names the channel in errors and stats. */
  name?: string;
  /** Called exactly once for every element sent that the other side never received. */
  onUndelivered?: (element: T) => void;
  /** Default: structured clone. */
  codec?: Codec<T>;
}

export interface RemoteReceiverOptions<T> {
  /** The remote buffer: how many elements may be in flight to this end. ≥ 1; default 64. */
  capacity?: number;
  name?: string;
  codec?: Codec<T>;
}

/** The sending end of a remote channel. */
export interface RemoteSender<T> {
  readonly name: string;
  /**
   * Sends `value`, waiting while the remote buffer is full. `value` is
   * encoded when this runs (by `trySend` and `onSend` when they are called):
   * what crosses is the value as it was then; a value the codec cannot
   * encode throws the codec's error here. Throws `ChannelClosed` once closed,
   * cancelled or lost.
   */
  send(value: T): Operation<void>;
  trySend(value: T): SendResult;
  onSend<const R = void>(value: T, handler?: () => R): SelectClause<R>;
  /** Stops new sends; what was sent still delivers, then the other end sees closed. */
  close(cause?: unknown): boolean;
  /** Drops what is not yet received (to `onUndelivered`) and tells the other end. */
  cancel(cause?: unknown): boolean;
  readonly isClosedForSend: boolean;
  /** Closes, then waits until the other end has received every element. Throws `ChannelClosed` (with the cause) if it cannot: the link was lost or cancelled. */
  finish(): Operation<void>;
}

/** What a wire reads its bytes from: a stream's reader, or a channel of chunks. */
interface Chunks {
  /** The next chunk; null at the end. Throws if the stream failed. */
  read(what: string): Operation<Buffer | null>;
}

interface Streams {
  readable: Readable;
  writable: Writable;
  /** What already reads `readable` (a strand/io Socket's reader, a child's stdout channel), to read through. */
  source?: Chunks;
  destroy(): void;
}

/** A channel of chunks read as a stream (a strand/io child's stdout, which its pump fills): null once closed; the cause it closed with is thrown. */
class ChannelChunks implements Chunks {
  constructor(private readonly chunks: ReceiveChannel<Buffer>) {}
  read(): Operation<Buffer | null> {
    return operation(readChunk, this.chunks);
  }
}

function* readChunk(chunks: ReceiveChannel<Buffer>): Iterator<Instruction, Buffer | null, unknown> {
  const result = yield* chunks.receiveCatching();
  if (result.ok) return result.value;
  if (result.cause !== undefined) throw result.cause;
  return null;
}

function parts(transport: Transport): Streams {
  if (transport instanceof Socket) return { readable: transport.raw, writable: transport.raw, source: transport.source, destroy: () => void transport.startClose() };
  if (transport instanceof ChildProcess) {
    const { stdout, stdin } = transport.raw; // both piped: checkTransport
    return {
      readable: stdout!,
      writable: stdin!,
      source: new ChannelChunks(transport.stdout),
      destroy: () => {
        stdin!.destroy();
        stdout!.destroy();
      },
    };
  }
  const pair = transport as { readable?: unknown; writable?: unknown };
  if (typeof pair === "object" && pair !== null && isStream(pair.readable) && isStream(pair.writable)) {
    const { readable, writable } = pair as { readable: Readable; writable: Writable };
    return {
      readable,
      writable,
      destroy: () => {
        readable.destroy();
        writable.destroy();
      },
    };
  }
  const duplex = transport as Duplex;
  return { readable: duplex, writable: duplex, destroy: () => duplex.destroy() };
}

function isStream(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { on?: unknown }).on === "function";
}

function checkTransport(what: string, transport: unknown): void {
  if (transport instanceof Socket) return;
  if (transport instanceof ChildProcess) {
    if (transport.raw.stdout === null || transport.raw.stdin === null) {
      throw new TypeError(`${what}: transport is a child process without piped stdout and stdin (start it with spawnProcess(command, args) and stdio "pipe", the default), got ${transport.command}`);
    }
    return;
  }
  const t = transport as { read?: unknown; write?: unknown; readable?: unknown; writable?: unknown } | null;
  const duplex = typeof t === "object" && t !== null && typeof t.read === "function" && typeof t.write === "function";
  const pair = typeof t === "object" && t !== null && isStream(t.readable) && isStream(t.writable);
  if (!duplex && !pair) throw new TypeError(`${what}: transport must be a Duplex stream, a strand/io Socket, or { readable, writable }, got ${show(transport)}`);
}

function checkCodec(what: string, codec: unknown): void {
  if (codec === undefined) return;
  const c = codec as Partial<Codec<unknown>> | null;
  if (typeof c !== "object" || c === null || typeof c.encode !== "function" || typeof c.decode !== "function") throw new TypeError(`${what}: options.codec must be { encode(value), decode(bytes) }, got ${show(codec)}`);
}

/** One end's wire: frames in, frames out, and a notifier for whoever waits on its state. */
class Wire {
  readonly changed = new Notifier();
  readonly input: Chunks;
  readonly output: WritableTarget<Uint8Array>;
  private readonly reader = new FrameReader();
  private readonly frames: Frame[] = [];

  constructor(
    readonly streams: Streams,
    readonly name: string,
  ) {
    if (!keptLink) keepLink();
    this.input = streams.source ?? new ReadableSource<Buffer>(streams.readable, name);
    // Credits bound what is in flight, so the stream may queue up to a window of frames:
    // large frames go out as the OS takes them, without a wait for `drain` after each.
    this.output = new WritableTarget<Uint8Array>(streams.writable, name, undefined, WRITE_WINDOW);
  }

  /** The next frame, or null at the end of the stream. Throws if the stream fails or is not this protocol. */
  *next(): Generator<Instruction, Frame | null, unknown> {
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      const chunk = yield* this.input.read("IPC read");
      if (chunk === null) {
        if (this.reader.partial) throw new Error(`${this.name}: the stream ended in the middle of a frame`);
        return null;
      }
      this.reader.push(chunk, this.frames);
    }
  }

  write(bytes: Uint8Array): Operation<void> {
    return this.output.write("IPC write", bytes);
  }

  private corked = false;
  private readonly uncork = (): void => {
    if (!this.corked) return; // flushed already, by a large write
    this.corked = false;
    this.streams.writable.uncork();
  };

  /**
   * Writes `pieces` (frames, or a header and its payload) as one write,
   * first waiting while the stream holds a window unwritten (back-pressure).
   * Small ones are corked until the end of this tick, so what the pumps write
   * meanwhile goes out in one system call (a batch of small frames). A large
   * write goes to the OS at once, with whatever is corked before it: held to
   * the end of the tick — which is the end of the whole drain of the run loop
   * — the other process would wait idle while this one serializes the next
   * frames. A large payload is written after its header without a copy.
   */
  *writeAll(pieces: Uint8Array[], total: number): Generator<Instruction, void, unknown> {
    const writable = this.streams.writable;
    if (!this.corked && !writable.writableEnded && !writable.destroyed) {
      this.corked = true;
      writable.cork();
      process.nextTick(this.uncork);
    }
    if (pieces.length === 1 || total <= SMALL_WRITE) {
      const bytes = pieces.length === 1 ? pieces[0]! : joinFrames(pieces, total);
      yield* this.output.write("IPC write", bytes, whenWritten(bytes));
    } else {
      yield* this.output.write("IPC write", pieces[0]!, whenWritten(pieces[0]!)); // waits while the window is full; the rest follows it at once
      for (let i = 1; i < pieces.length; i++) writable.write(pieces[i]!, whenWritten(pieces[i]!));
    }
    if (total > SMALL_WRITE) this.uncork(); // large: to the OS now
  }

  /** Writes a last frame without waiting, if the stream can still take it (a teardown cannot wait). */
  tell(bytes: Uint8Array): void {
    const writable = this.streams.writable;
    if (!writable.writableEnded && !writable.destroyed) writable.write(bytes);
  }
}

/**
 * What a link's stream may hold unwritten before a write waits (see
 * `WritableTarget`): a few large frames. The writer pump returns to the
 * event loop — which is what moves the queue into the OS — once this much
 * waits, so the OS's buffer (about 200 KiB for a socket on Linux) is topped
 * up before it runs dry; a larger window lets one drain serialize frames for
 * long while the other end, having read all the OS held, waits.
 */
const WRITE_WINDOW = 128 * 1024;

/** Frames smaller than this, together, are copied into one buffer for writing; larger ones are written as they are. */
const SMALL_WRITE = 16 * 1024;

/** Waits until `ready()` holds, polling it whenever `source` is told. */
class UntilClause extends IoClause<void> {
  constructor(
    protected readonly source: Notifier,
    private readonly ready: () => boolean,
    private readonly what: string,
  ) {
    super();
  }
  describe(): string {
    return this.what;
  }
  protected poll(): void | typeof NOT_READY {
    return this.ready() ? undefined : NOT_READY;
  }
}

function until(source: Notifier, ready: () => boolean, what: string): Operation<void> {
  return waitFor(new UntilClause(source, ready, what));
}

/** How long a receiver waits, idle, before it acknowledges fewer than a batch of elements. */
const ACK_DELAY_MS = 1;


// Sender end states.
const OPEN = 0;
const CLOSING = 1;
const DONE = 2;
const CANCELLED = 3;
const LOST = 4;

/**
 * An element on its way to the writer pump: the value (for `onUndelivered`)
 * and its bytes, encoded when it was sent — so what crosses is the value as
 * it was then, whatever the sender does with it after (structured clone's
 * rule). The bytes are the whole frame with the structured clone codec, the
 * payload with a codec of the caller's.
 */
interface Outgoing<T> {
  readonly value: T;
  readonly bytes: Uint8Array;
}

class SenderEnd<T> implements RemoteSender<T> {
  state = OPEN;
  credits = 0;
  /** Written, not yet acknowledged, oldest first. */
  readonly unacked: T[] = [];
  cause: unknown = undefined;
  /** A rendezvous with the writer pump. */
  readonly local: ChannelImpl<Outgoing<T>>;

  constructor(
    readonly wire: Wire,
    readonly codec: Codec<T>,
    private readonly onUndelivered: ((element: T) => void) | undefined,
    name: string,
  ) {
    this.local = channel<Outgoing<T>>(0, {
      name,
      onUndelivered: (out) => {
        whenWritten(out.bytes)?.(); // never written: its memory can go back
        onUndelivered?.(out.value);
      },
    }) as ChannelImpl<Outgoing<T>>;
  }

  /** `value` encoded now. A pooled frame only for `send`: each run of it encodes afresh, so the frame is written once. */
  outgoing(value: T, pooled: boolean): Outgoing<T> {
    return { value, bytes: this.encode(value, pooled) };
  }
  encode(value: T, pooled: boolean): Uint8Array {
    return this.codec === structuredCodec ? elementFrame(value, pooled) : this.codec.encode(value);
  }

  get name(): string {
    return this.local.name;
  }
  send(value: T): Operation<void> {
    return new RemoteSend(this, value);
  }
  trySend(value: T): SendResult {
    return this.local.trySend(this.outgoing(value, false));
  }
  onSend<const R = void>(value: T, handler?: () => R): SelectClause<R> {
    return this.local.onSend(this.outgoing(value, false), handler);
  }
  close(cause?: unknown): boolean {
    const closed = this.local.close(cause);
    this.wire.changed.notify(); // a writer waiting for credit may be done
    return closed;
  }
  cancel(cause?: unknown): boolean {
    const cancelled = this.local.cancel(cause);
    this.wire.changed.notify(); // the pump tells the other end
    return cancelled;
  }
  get isClosedForSend(): boolean {
    return this.local.isClosedForSend;
  }
  finish(): Operation<void> {
    return operation(finishing<T>, this);
  }

  /** The link is over without every element received: they go to onUndelivered, once; the local channel is cancelled with the cause. */
  fail(state: number, cause: unknown): void {
    if (this.state === DONE || this.state === CANCELLED || this.state === LOST) return;
    this.state = state;
    this.cause = cause;
    this.local.cancel(cause);
    const lost = this.unacked.splice(0);
    if (this.onUndelivered !== undefined) for (const element of lost) this.onUndelivered(element);
    this.wire.changed.notify();
  }
}

/**
 * A remote channel's `send(value)`: `value` is encoded each time it runs (see
 * Outgoing). Its first run sends the operation itself as the Outgoing (one
 * object per send, not two); a run after that, a fresh one.
 */
class RemoteSend<T> implements Operation<void>, Outgoing<T> {
  bytes: Uint8Array = EMPTY;
  private ran = false;
  constructor(
    private readonly end: SenderEnd<T>,
    readonly value: T,
  ) {}
  [Symbol.iterator](): Iterator<Instruction, void, unknown> {
    const end = this.end;
    let out: Outgoing<T> = this;
    if (this.ran) out = end.outgoing(this.value, true);
    else {
      this.ran = true;
      this.bytes = end.encode(this.value, true);
    }
    return end.local.send(out)[Symbol.iterator]();
  }
}

const EMPTY = new Uint8Array(0);

function* finishing<T>(end: SenderEnd<T>): Iterator<Instruction, void, unknown> {
  end.close();
  yield* until(end.wire.changed, () => end.state !== OPEN && end.state !== CLOSING, `finish() of ${end.name}`);
  if (end.state !== DONE) throw new ChannelClosed(end.name, true, end.cause);
}

/** Reads CREDIT, ACK and CANCEL frames until the stream ends. */
function* senderReads<T>(end: SenderEnd<T>): Iterator<Instruction, void, unknown> {
  const wire = end.wire;
  try {
    for (;;) {
      const next = yield* wire.next();
      if (next === null) break;
      switch (next.kind) {
        case CREDIT:
          end.credits += readCount(next.payload);
          break;
        case ACK: {
          const n = readCount(next.payload);
          if (n > end.unacked.length) throw new Error(`${wire.name}: the other end acknowledged ${n} elements, but only ${end.unacked.length} are in flight`);
          end.unacked.splice(0, n);
          end.credits += n;
          break;
        }
        case CANCEL:
          end.fail(CANCELLED, readCause(next.payload) ?? new ChannelClosed(`the other end of ${end.name}`, true));
          return;
        default:
          throw new Error(`${wire.name}: an unexpected frame (kind ${next.kind}) at the sending end`);
      }
      wire.changed.notify();
    }
    // The other end ended the stream: after our CLOSE, with everything received, that is the end.
    if (end.state === CLOSING && end.unacked.length === 0) {
      end.state = DONE;
      wire.changed.notify();
    } else {
      end.fail(LOST, new PeerLost(`${end.name}: the other process went away with ${end.unacked.length} elements not yet received`));
    }
  } catch (error) {
    end.fail(LOST, new PeerLost(`${end.name}: the link failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
  }
}

/** Takes elements while it holds credits and writes them; CLOSE or CANCEL when the local channel is closed. */
function* senderWrites<T>(end: SenderEnd<T>): Iterator<Instruction, void, unknown> {
  const { wire, local, codec } = end;
  try {
    for (;;) {
      // Take an element only with a credit (room at the other end); a closed channel with no sender left needs none.
      yield* until(wire.changed, () => end.credits > 0 || end.state >= DONE || local.isClosedForReceive, `credit for ${end.name}`);
      if (end.state >= DONE) return;
      const first = yield* local.receiveCatching();
      if (!first.ok) {
        if (end.state >= DONE) return;
        const cancelled = local.stats().cancelled;
        const cause = local.stats().closed ? closedCause(local) : undefined;
        yield* wire.write(causeFrame(cancelled ? CANCEL : CLOSE, cause));
        if (cancelled) {
          end.fail(CANCELLED, cause ?? new ChannelClosed(end.name, true));
        } else {
          end.state = CLOSING;
          wire.changed.notify();
          wire.streams.writable.end();
        }
        return;
      }
      // Batch what is ready now, as far as the credits go: one write for many small elements.
      const batch: Uint8Array[] = [];
      let total = 0;
      let out = first.value;
      for (;;) {
        end.credits--;
        end.unacked.push(out.value);
        if (codec === structuredCodec) {
          batch.push(out.bytes); // the whole frame
          total += out.bytes.length;
        } else {
          batch.push(dataHeader(out.bytes.length), out.bytes);
          total += 5 + out.bytes.length;
        }
        if (end.credits === 0) break;
        const more = local.tryReceive();
        if (!more.ok) break;
        out = more.value;
      }
      yield* wire.writeAll(batch, total);
    }
  } catch (error) {
    end.fail(LOST, new PeerLost(`${end.name}: the link failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
  }
}

/** The cause the local channel was closed with (what receivers there would see). */
function closedCause<T>(local: ChannelImpl<T>): unknown {
  const result = local.tryReceive();
  return !result.ok && result.reason === "closed" ? result.cause : undefined;
}

/**
 * The sending end of a channel whose receiving end (`remoteReceiver`) is in
 * another process, over `transport`. Sends wait while the remote buffer is
 * full; `close` and `cancel` reach the other end; if the other process goes
 * away, the channel is cancelled with a `PeerLost` cause and every element it
 * had not received goes to `onUndelivered`. Closed (and the transport
 * destroyed) when the caller's task ends; call `finish()` first to wait until
 * everything sent was received.
 *
 * ```ts
 * const socket = yield* connect({ path });
 * const jobs = yield* remoteSender<Job>(socket);
 * for (const job of batch) yield* jobs.send(job);
 * yield* jobs.finish();
 * ```
 */
export function remoteSender<T>(transport: Transport, options?: RemoteSenderOptions<T>): Operation<RemoteSender<T>> {
  const what = "remoteSender(transport, options)";
  checkTransport(what, transport);
  checkOptions(what, options);
  checkCodec(what, options?.codec);
  channelSettings(what, 0, { name: options?.name, onUndelivered: options?.onUndelivered });
  return resource<RemoteSender<T>>(function* remoteSender(provide) {
    const name = options?.name ?? "remote channel";
    const wire = new Wire(parts(transport), `IPC link of ${name}`);
    const end = new SenderEnd<T>(wire, options?.codec ?? structuredCodec, options?.onUndelivered, options?.name ?? name);
    yield* spawn(() => operation(senderReads<T>, end), { name: `${name} reader` });
    yield* spawn(() => operation(senderWrites<T>, end), { name: `${name} writer` });
    try {
      yield* provide(end);
    } finally {
      // The caller ended before finish(): cancel, telling the other end if the link still works.
      if (end.state === OPEN) wire.tell(causeFrame(CANCEL, undefined));
      end.fail(CANCELLED, new ChannelClosed(end.name, true));
      wire.streams.destroy();
    }
  });
}

class ReceiverEnd<T> {
  state = OPEN;
  readonly queue: T[] = [];
  cause: unknown = undefined;
  readonly local: ChannelImpl<T>;
  constructor(
    readonly wire: Wire,
    readonly codec: Codec<T>,
    readonly capacity: number,
    name: string,
  ) {
    this.local = channel<T>(0, { name }) as ChannelImpl<T>;
  }
}

/** Reads DATA (and BYTES), CLOSE and CANCEL frames into the queue until the stream ends. */
function* receiverReads<T>(end: ReceiverEnd<T>): Iterator<Instruction, void, unknown> {
  const wire = end.wire;
  try {
    for (;;) {
      const next = yield* wire.next();
      if (next === null) break;
      switch (next.kind) {
        case DATA:
        case BYTES:
          if (end.queue.length >= end.capacity) throw new Error(`${wire.name}: the other end sent more than the ${end.capacity} elements it had room for`);
          if (next.kind === DATA) end.queue.push(end.codec.decode(next.payload));
          else if (end.codec === structuredCodec) end.queue.push(readBytes(next.payload) as T);
          else throw new Error(`${wire.name}: the other end sent a Uint8Array by structured clone, but this end decodes with a codec of its own`);
          break;
        case CLOSE:
          end.state = CLOSING;
          end.cause = readCause(next.payload);
          break;
        case CANCEL:
          end.state = CANCELLED;
          end.cause = readCause(next.payload);
          end.queue.length = 0; // the sender hands them to its onUndelivered
          end.local.cancel(end.cause);
          wire.changed.notify();
          return;
        default:
          throw new Error(`${wire.name}: an unexpected frame (kind ${next.kind}) at the receiving end`);
      }
      wire.changed.notify();
    }
    if (end.state === OPEN) {
      end.state = LOST;
      end.cause = new PeerLost(`${end.local.name}: the other process went away without closing it`);
    }
  } catch (error) {
    end.state = LOST;
    end.cause = new PeerLost(`${end.local.name}: the link failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  wire.changed.notify();
}

/** Hands queued elements to local receivers, acknowledging them; closes the local channel at the end. */
function* receiverDelivers<T>(end: ReceiverEnd<T>): Iterator<Instruction, void, unknown> {
  const { wire, local, queue } = end;
  const batch = Math.max(1, end.capacity >> 2);
  let acked = 0;
  // Fewer than a batch delivered and none left: more is likely on the way, so the
  // ACK waits for a batch, or for ACK_DELAY_MS from the first element it would
  // acknowledge — not one ACK (a write here, a wake-up there) per element. The
  // sender never waits for it: it runs out of credit only with a whole batch
  // unacknowledged here. One timer per delay, not per element.
  let due = false;
  let timer: ReturnType<typeof setTimeout> | undefined = undefined;
  const onDue = () => {
    due = true;
    timer = undefined;
    wire.changed.notifyFromHost();
  };
  const acknowledge = function* (): Generator<Instruction, void, unknown> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    due = false;
    yield* wire.write(countFrame(ACK, acked));
    acked = 0;
  };
  try {
    yield* wire.write(countFrame(CREDIT, end.capacity));
    for (;;) {
      if (queue.length === 0) {
        if (acked > 0 && end.state === OPEN && !due) {
          timer ??= setTimeout(onDue, ACK_DELAY_MS);
          yield* until(wire.changed, () => due || queue.length > 0 || end.state !== OPEN, `elements of ${local.name}`);
          if (queue.length > 0 && !due) continue; // deliver it; the ACK waits for the batch or the delay
        }
        if (acked > 0) yield* acknowledge();
        yield* until(wire.changed, () => queue.length > 0 || end.state !== OPEN, `elements of ${local.name}`);
        if (queue.length === 0) break;
      }
      yield* local.send(queue[0]!); // a local receiver took it
      queue.shift();
      if (++acked >= batch || due) yield* acknowledge();
    }
    if (end.state === CLOSING) {
      end.state = DONE;
      local.close(end.cause);
      wire.streams.writable.end(); // done: the sender sees the end after the last ACK
    } else if (end.state === LOST) {
      local.close(end.cause);
    }
  } catch (error) {
    if (error instanceof ChannelClosed && local.isClosedForSend && end.state !== CANCELLED) {
      // The local receiver cancelled the channel: tell the sender (what it has not had acknowledged is its to report).
      end.state = CANCELLED;
      const cause = closedCause(local);
      yield* wire.write(causeFrame(CANCEL, cause));
      wire.streams.writable.end();
      return;
    }
    if (end.state !== CANCELLED) local.close(new PeerLost(`${local.name}: the link failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * The receiving end of a channel whose sending end (`remoteSender`) is in
 * another process, over `transport`. `capacity` (≥ 1) is how many elements
 * may be in flight to it: the sender waits beyond that. It is a channel's
 * receive end (receive, `onReceive` in a select, iterate, `cancel`); it
 * closes when the sender closes (after every element in flight), and with a
 * `PeerLost` cause if the other process goes away. Closed (and the transport
 * destroyed) when the caller's task ends.
 *
 * ```ts
 * const socket = yield* server.accept();
 * const jobs = yield* remoteReceiver<Job>(socket, { capacity: 16 });
 * yield* consumeEach(jobs, (job) => handle(job));
 * ```
 */
export function remoteReceiver<T>(transport: Transport, options?: RemoteReceiverOptions<T>): Operation<ReceiveChannel<T>> {
  const what = "remoteReceiver(transport, options)";
  checkTransport(what, transport);
  checkOptions(what, options);
  checkCodec(what, options?.codec);
  const capacity = options?.capacity ?? 64;
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1 || capacity > 0xffffffff) {
    throw new TypeError(`${what}: options.capacity must be an integer ≥ 1 (a remote channel cannot be a rendezvous), got ${show(capacity)}`);
  }
  return resource<ReceiveChannel<T>>(function* remoteReceiver(provide) {
    const name = options?.name ?? "remote channel";
    const wire = new Wire(parts(transport), `IPC link of ${name}`);
    const end = new ReceiverEnd<T>(wire, options?.codec ?? structuredCodec, capacity, name);
    yield* spawn(() => operation(receiverReads<T>, end), { name: `${name} reader` });
    yield* spawn(() => operation(receiverDelivers<T>, end), { name: `${name} deliverer` });
    try {
      yield* provide(end.local);
    } finally {
      // The caller ended while the link was open: cancel, telling the sender if the link still works.
      if (end.state === OPEN || end.state === CLOSING) wire.tell(causeFrame(CANCEL, undefined));
      end.local.cancel();
      wire.streams.destroy();
    }
  });
}

let keptLink = false;

/**
 * Keeps the hidden classes of a link's objects alive (core/keep.ts): its
 * wire, both ends and their channels, a send, and a wait for credit. A
 * program whose links have all closed when a full GC runs would otherwise
 * lose them, and run its next link in code V8 has thrown away ("weak
 * objects" in `--trace-deopt`). The sample's stream is a PassThrough that
 * nothing writes: no descriptor, no libuv handle, no task.
 */
function keepLink(): void {
  keptLink = true;
  const stream = new PassThrough();
  const wire = new Wire({ readable: stream, writable: stream, destroy: () => stream.destroy() }, "sample link");
  const sender = new SenderEnd<unknown>(wire, structuredCodec, undefined, "sample link");
  const receiver = new ReceiverEnd<unknown>(wire, structuredCodec, 1, "sample link");
  // A send that has run once (its frame encoded, its channel send made), as every send has when it waits.
  const send = new RemoteSend<unknown>(sender, 0);
  const sending = send[Symbol.iterator]();
  whenWritten(send.bytes)?.(); // never written: its pooled memory goes back (the sample never touches its bytes)
  for (const sample of [wire, sender, sender.local, send, sending, receiver, receiver.local, until(wire.changed, () => false, "sample link")]) keep(sample);
}

export type { Channel };
