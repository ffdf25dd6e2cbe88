/**
 * `sharedChannel(capacity, options)`: a channel whose buffer is shared memory,
 * so that its ends work from any thread that holds them (the main thread and
 * pool workers), with the API of `channel`.
 *
 * Layout: a header of Int32 words and a slab of bytes, both on one
 * SharedArrayBuffer. The slab is a ring of records, each 8-byte aligned:
 *
 *     [length: int32][tag << 4 | state: int32][payload: length bytes, padded to 8]
 *
 * Three offsets walk the ring in order: FREE_AT ≤ READ_AT ≤ WRITE_AT (mod the
 * slab). Records between FREE_AT and READ_AT were received (their space not yet
 * reusable while a receiver reads a view of them in place); those between
 * READ_AT and WRITE_AT are buffered. A record that would not fit before the
 * slab's end leaves a PAD record there and starts again at offset 0.
 *
 * | record state | meaning                                                      |
 * |--------------|--------------------------------------------------------------|
 * | FULL         | buffered: a receiver may take it                             |
 * | TAKEN        | received; a view of its bytes is still in use (codec "bytes")|
 * | FREE         | received and done with: its space is reusable once FREE_AT   |
 * |              | reaches it                                                   |
 * | PAD          | the unused end of the slab; FREE once the reader passed it   |
 * | WRITING      | reserved by a sender copying a large payload in without the  |
 * |              | lock (or writing it in place, `sendInPlace`); receivers wait |
 * |              | for it (it keeps the channel's order)                        |
 * | DROPPED      | an in-place write that threw: not an element; the reader     |
 * |              | passes it (FREE), uncounting its send                        |
 *
 * WRITING → FULL → TAKEN → FREE (decoded at once: FULL → FREE); cancel: FULL → FREE;
 * WRITING → DROPPED → FREE.
 *
 * Invariants:
 * - Every change of the header or a record's state happens under LOCK, so
 *   each operation is atomic with respect to every thread — except the one
 *   store WRITING → FULL (or DROPPED), by the sender that reserved the
 *   record, which readers load atomically.
 * - COUNT ≤ CAPACITY and USED ≤ the slab's size; a send that would break
 *   either is refused ("full") and waits.
 * - Waking (an event count): after a send, the receivers' threads that wait
 *   (DATA_WAITERS > 0) are woken by taking the count (exchanging it for 0),
 *   adding to DATA_EPOCH and notifying it; after a receive that frees room,
 *   likewise SPACE_WAITERS / SPACE_EPOCH; close and cancel wake both. A
 *   thread about to wait first reads the epoch, then adds itself to the
 *   waiters, then waits on the epoch it read, then polls once more
 *   (EpochWatch). With sequentially consistent atomics, either a changer's
 *   load of the waiters sees it — then that changer, or another that took
 *   the count first, moves the epoch past the value it waits on, ending its
 *   wait — or the change was made before the waiter counted itself, and its
 *   last poll sees the change. Only the change that takes the count
 *   notifies: the changes after it, until the woken thread waits again,
 *   find no waiters. A change on the fast path thus pays one atomic load for
 *   waking, and a waiter costs one notification, not one per change while
 *   its wake-up is on its way.
 *
 * Waiting never blocks a thread: every thread (the main one included) waits
 * with `Atomics.waitAsync`, as a level-triggered source (io/wait.ts): woken,
 * a waiter polls again.
 */
import * as v8 from "node:v8";
import { NOT_READY, type SelectClause } from "../core/clause.js";
import type { Instruction } from "../core/instructions.js";
import { isOperation, operation, ownOperation } from "../core/operation.js";
import { showId } from "../core/ids.js";
import { awaitable } from "../interop.js";
import { ChannelClosed } from "../errors.js";
import type { Channel, ChannelStats, ClosedResult, ReceiveResult, SendResult } from "../channel/channel.js";
import { ChannelIterator } from "../channel/iterator.js";
import { IoClause, Notifier, PollTrap, type Listener } from "../io/wait.js";
import type { Operation } from "../types.js";
import { checkFunction, checkName, checkOptions, show } from "../validate.js";
import { keep } from "../core/keep.js";

// Header words.
const LOCK = 0;
const STATE = 1;
const DATA_EPOCH = 2;
const SPACE_EPOCH = 3;
const DATA_WAITERS = 4;
const SPACE_WAITERS = 5;
const COUNT = 6;
const WRITE_AT = 7;
const READ_AT = 8;
const FREE_AT = 9;
const USED = 10;
const SENT = 11;
const RECEIVED = 12;
const UNDELIVERED = 13;
const CAPACITY = 14;
const HEADER_WORDS = 16;
const HEADER_BYTES = HEADER_WORDS * 4;

// Channel states (STATE).
const OPEN = 0;
const CLOSED = 1;
const CANCELLED = 2;

// Record states.
const FULL = 1;
const TAKEN = 2;
const FREE = 3;
const PAD = 4;
const WRITING = 5;
const DROPPED = 6;

/** Payloads up to this many bytes are copied under the lock; larger ones after reserving their space. */
const SMALL = 256;

// Record tags: how the payload reads.
const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_NUMBER = 4;
const T_STRING = 5;
const T_BYTES = 6;
const T_CLONE = 7;
const T_CODEC = 8;

const RECORD_HEADER = 8;

/**
 * How a shared channel's elements become bytes and back. The bytes `encode`
 * returns are copied into the channel before the send returns, so it may
 * return a view of a buffer it reuses; `decode` gets a view of shared memory
 * that is valid only during the call.
 */
export interface SharedCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/**
 * - `"structured"` (default): numbers, booleans, null and undefined in place,
 *   strings as UTF-8, `Uint8Array`s as their bytes (received as a fresh copy),
 *   anything else by structured clone.
 * - `"bytes"`: elements are `Uint8Array`s; a receiver gets a view of the
 *   shared slab itself (no copy), valid until the next receive on the same
 *   channel object in that thread (see `sharedChannel`).
 * - `"number"`: elements are numbers, each in a fixed slot of the ring; sends
 *   and receives take no lock (see `NumberChannelImpl`): the fastest lane for
 *   numbers between threads. `options.bytes` does not apply.
 * - a `SharedCodec`: your own encoding (it cannot cross threads: attach the
 *   other end with the same codec, see `attachChannel`).
 */
export type SharedCodecOption<T> = "structured" | "bytes" | "number" | SharedCodec<T>;

export interface SharedChannelOptions<T> {
  codec?: SharedCodecOption<T>;
  /** The slab's size in bytes (a multiple of 8 is used): the most encoded bytes buffered at once. Default: max(64 KiB, capacity × 256). */
  bytes?: number;
  /** Names the channel in errors and stats. */
  name?: string;
  /** Called, in the thread that cancels the channel, for each buffered element dropped by `cancel()`. */
  onUndelivered?: (element: T) => void;
}

/** What crosses to another thread (by `postMessage` or as a `spawnOn` argument) to open the same channel there. */
export interface SharedChannelHandle {
  readonly kind: "strand.sharedChannel";
  readonly buffer: SharedArrayBuffer;
  readonly name: string;
  readonly codec: "structured" | "bytes" | "number" | "custom";
}

/** A channel in shared memory: see `sharedChannel`. */
export interface SharedChannel<T> extends Channel<T> {
  /** A plain object to post to another thread, where `attachChannel(handle)` opens this channel. `spawnOn` does it for channels among its arguments. */
  readonly handle: SharedChannelHandle;
  /** Codec "bytes": lets go of the last view received in this thread, so its space can be reused before the next receive. */
  release(): void;
  /**
   * Codec "bytes" or "structured": sends an element of `length` bytes that
   * `write` writes straight into the channel's shared memory — no copy on
   * either side with "bytes". Waits for room (as `send`); then `write(bytes)`
   * gets a view of the reserved space (its contents are left over: write
   * every byte you send) and the element is published when it returns. The
   * view is valid only during the call. `write` runs once, and only once
   * there is room: not at all if the wait is cancelled or the channel closed.
   * If it throws, nothing is sent and the error is thrown here. Keep it short
   * and synchronous (other threads' cancel waits for it), and do not cancel
   * the channel from inside it.
   */
  sendInPlace(length: number, write: (bytes: Uint8Array) => void): Operation<void>;
  /** `sendInPlace` without waiting: `{ ok: false, reason: "full" }` (and `write` not called) if there is no room now. */
  trySendInPlace(length: number, write: (bytes: Uint8Array) => void): SendResult;
  /** A select clause that sends in place (as `sendInPlace`) if it wins; `write` runs only then. */
  onSendInPlace<const R = void>(length: number, write: (bytes: Uint8Array) => void, handler?: () => R): SelectClause<R>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SENT_OK: SendResult = Object.freeze({ ok: true });
const FULL_RESULT: SendResult = Object.freeze({ ok: false, reason: "full" });
const CLOSED_SEND: SendResult = Object.freeze({ ok: false, reason: "closed" });
const EMPTY_RESULT: ReceiveResult<never> = Object.freeze({ ok: false, reason: "empty" });
const CLOSED_RESULT: ClosedResult = Object.freeze({ ok: false, reason: "closed" });

/** An element written in place (`sendInPlace`): what `offer` reserves room for and has written. */
class InPlace {
  constructor(
    readonly length: number,
    readonly write: (bytes: Uint8Array) => void,
  ) {}
}

/** Not ready: nothing taken (receives) or nothing written (sends). */
const NOTHING: unique symbol = Symbol("nothing");

let nextSharedId = 1;

/** `Atomics.waitAsync` (Node ≥ 16; not yet in the TypeScript lib this project targets). */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/**
 * Fires its listeners when the other side may have changed the channel: an
 * event count on an epoch word of the header (level-triggered: they poll again).
 *
 * Arming reads the epoch, counts this thread among the word's waiters and
 * starts `Atomics.waitAsync` on the epoch it read, and then has its listeners
 * poll once more: a change made before the count was visible to its maker
 * (who then skipped the notification) is seen by that poll; one made after
 * takes the count and moves the epoch past the value read, so the wait ends
 * (at once, if it had not started yet). Woken, a watch is no longer counted:
 * whoever woke it took the count.
 */
class EpochWatch extends Notifier {
  private armed = false;

  constructor(
    private readonly header: Int32Array,
    private readonly epoch: number,
    private readonly waiters: number,
  ) {
    super();
  }

  override add(listener: Listener): void {
    super.add(listener);
    if (this.armed) return;
    this.armed = true;
    const epoch = Atomics.load(this.header, this.epoch); // before the count: see above
    Atomics.add(this.header, this.waiters, 1);
    const wait = waitAsync(this.header, this.epoch, epoch);
    if (wait.async) void wait.value.then(this.fire);
    else queueMicrotask(this.fire);
    queueMicrotask(this.recheck);
  }

  private readonly recheck = (): void => {
    this.notify();
  };

  private readonly fire = (): void => {
    this.armed = false;
    this.notify();
  };
}

/** The shared channel as one thread holds it. */
export class SharedChannelImpl<T> implements SharedChannel<T> {
  readonly name: string;
  readonly handle: SharedChannelHandle;
  protected readonly header: Int32Array;
  private readonly data: Uint8Array;
  private readonly words: Float64Array;
  /** The slab as Int32 words: record headers. */
  private readonly slabInts: Int32Array;
  private readonly slab: number;
  private readonly mode: SharedChannelHandle["codec"];
  private readonly codec: SharedCodec<T> | null;
  private readonly onUndelivered: ((element: T) => void) | undefined;
  /** Codec "bytes": the offset of the record whose view this thread last received, or -1. */
  private held = -1;
  /** In-place writes of this channel object under way (cancel() must not wait for them from inside one). */
  private writingInPlace = 0;
  private cause: unknown = undefined;
  /** @internal */ readonly dataWatch: EpochWatch;
  /** @internal */ readonly spaceWatch: EpochWatch;

  /** @internal */
  constructor(handle: SharedChannelHandle, codec: SharedCodec<T> | null, onUndelivered: ((element: T) => void) | undefined) {
    if (!keptShared) keepShared();
    this.handle = handle;
    this.name = handle.name;
    this.mode = handle.codec;
    this.codec = codec;
    this.onUndelivered = onUndelivered;
    this.header = new Int32Array(handle.buffer, 0, HEADER_WORDS);
    this.slab = handle.buffer.byteLength - HEADER_BYTES;
    this.data = new Uint8Array(handle.buffer, HEADER_BYTES, this.slab);
    this.words = new Float64Array(handle.buffer, HEADER_BYTES, this.slab / 8);
    this.slabInts = new Int32Array(handle.buffer, HEADER_BYTES, this.slab / 4);
    this.dataWatch = new EpochWatch(this.header, DATA_EPOCH, DATA_WAITERS);
    this.spaceWatch = new EpochWatch(this.header, SPACE_EPOCH, SPACE_WAITERS);
  }

  get capacity(): number {
    return this.header[CAPACITY]!;
  }

  // --- the lock -------------------------------------------------------------

  /**
   * A futex-style lock (Drepper's "mutex2"): 0 free, 1 held, 2 held with
   * threads waiting. Critical sections copy at most a small element (large
   * ones are copied outside, see `offer`), so a short spin nearly always wins;
   * a thread that keeps losing sleeps in `Atomics.wait` until the holder's
   * `unlock` notifies it.
   */
  protected lock(): void {
    const header = this.header;
    let state = Atomics.compareExchange(header, LOCK, 0, 1);
    if (state === 0) return;
    for (let spins = 0; spins < 200; spins++) {
      state = Atomics.compareExchange(header, LOCK, 0, 1);
      if (state === 0) return;
    }
    if (state !== 2) state = Atomics.exchange(header, LOCK, 2);
    while (state !== 0) {
      Atomics.wait(header, LOCK, 2);
      state = Atomics.exchange(header, LOCK, 2);
    }
  }

  protected unlock(): void {
    const header = this.header;
    if (Atomics.sub(header, LOCK, 1) !== 1) {
      Atomics.store(header, LOCK, 0);
      Atomics.notify(header, LOCK, 1);
    }
  }

  /** After a change: wakes the other side's waiters, if it has any, taking their count (see EpochWatch for why skipping is safe). */
  protected wake(epoch: number, waiters: number): void {
    const header = this.header;
    if (Atomics.load(header, waiters) === 0) return;
    if (Atomics.exchange(header, waiters, 0) === 0) return; // another change took them: it wakes them
    Atomics.add(header, epoch, 1);
    Atomics.notify(header, epoch);
  }

  // --- sending --------------------------------------------------------------

  /** Writes `value` if there is room: SENT_OK, FULL_RESULT or CLOSED_SEND. Throws if it can never fit or cannot be encoded. */
  protected offer(value: T): SendResult {
    let tag: number;
    let bytes: Uint8Array | null = null;
    let number = 0;
    let inPlace: InPlace | null = null;
    if (value instanceof InPlace) {
      tag = T_BYTES;
      inPlace = value;
    } else if (this.mode === "bytes") {
      if (!(value instanceof Uint8Array)) throw new TypeError(`${this.name}: value must be a Uint8Array (a channel with codec "bytes" sends Uint8Arrays), got ${show(value)}`);
      tag = T_BYTES;
      bytes = value;
    } else if (this.mode === "custom") {
      tag = T_CODEC;
      bytes = this.codec!.encode(value);
      if (!(bytes instanceof Uint8Array)) throw new TypeError(`${this.name}: codec.encode must return a Uint8Array, got ${show(bytes)}`);
    } else if (typeof value === "number") {
      tag = T_NUMBER;
      number = value;
    } else if (value === undefined) tag = T_UNDEFINED;
    else if (value === null) tag = T_NULL;
    else if (value === true) tag = T_TRUE;
    else if (value === false) tag = T_FALSE;
    else if (typeof value === "string") {
      tag = T_STRING;
      bytes = encoder.encode(value);
    } else if (value instanceof Uint8Array && value.constructor === Uint8Array) {
      tag = T_BYTES;
      bytes = value;
    } else {
      tag = T_CLONE;
      bytes = v8.serialize(value);
    }
    const length = tag === T_NUMBER ? 8 : inPlace !== null ? inPlace.length : bytes === null ? 0 : bytes.byteLength;
    const size = RECORD_HEADER + ((length + 7) & ~7);
    if (size > this.slab) throw new RangeError(`${this.name}.send(value): the element takes ${size} bytes, more than the channel's slab of ${this.slab} (options.bytes)`);

    const header = this.header;
    this.lock();
    if (header[STATE] !== OPEN) {
      this.unlock();
      return CLOSED_SEND;
    }
    if (header[COUNT]! >= header[CAPACITY]!) {
      this.unlock();
      return FULL_RESULT;
    }
    let at = header[WRITE_AT]!;
    const used = header[USED]!;
    const tail = this.slab - at;
    const needed = size <= tail ? size : size + tail; // a record that does not fit before the end pads it
    if (used + needed > this.slab) {
      this.unlock();
      return FULL_RESULT;
    }
    if (size > tail) {
      this.writeRecordHeader(at, tail - RECORD_HEADER, (0 << 4) | PAD);
      at = 0;
    }
    let next = at + size;
    if (next === this.slab) next = 0;
    header[WRITE_AT] = next;
    header[USED] = used + needed;
    header[COUNT]!++;
    header[SENT]!++;
    if (inPlace !== null) {
      // In place: the space is reserved as for a large copy, and the caller's write fills it without the lock.
      this.writeRecordHeader(at, length, (tag << 4) | WRITING);
      this.unlock();
      this.writeInPlace(inPlace, at);
    } else if (length <= SMALL) {
      // Small: written under the lock, buffered at once.
      this.writeRecordHeader(at, length, (tag << 4) | FULL);
      if (tag === T_NUMBER) this.words[(at + RECORD_HEADER) >> 3] = number;
      else if (bytes !== null) this.data.set(bytes, at + RECORD_HEADER);
      this.unlock();
    } else {
      // Large: the space is reserved (WRITING) in order, the copy runs without the lock, then the record is published.
      this.writeRecordHeader(at, length, (tag << 4) | WRITING);
      this.unlock();
      this.data.set(bytes!, at + RECORD_HEADER);
      Atomics.store(this.slabInts, (at >> 2) + 1, (tag << 4) | FULL);
    }
    this.wake(DATA_EPOCH, DATA_WAITERS);
    return SENT_OK;
  }

  /** Runs an in-place write into the record reserved at `at`, then publishes it; if the write throws, drops the record and rethrows. */
  private writeInPlace(inPlace: InPlace, at: number): void {
    const from = at + RECORD_HEADER;
    const state = (at >> 2) + 1;
    this.writingInPlace++;
    try {
      inPlace.write(this.data.subarray(from, from + inPlace.length));
    } catch (error) {
      Atomics.store(this.slabInts, state, (T_BYTES << 4) | DROPPED);
      this.wake(DATA_EPOCH, DATA_WAITERS); // a receiver waiting for its publication passes it
      throw error;
    } finally {
      this.writingInPlace--;
    }
    Atomics.store(this.slabInts, state, (T_BYTES << 4) | FULL);
  }

  private writeRecordHeader(at: number, length: number, word: number): void {
    const ints = this.slabInts;
    ints[at >> 2] = length;
    ints[(at >> 2) + 1] = word;
  }

  // --- receiving ------------------------------------------------------------

  /** Takes the next element: the value, NOTHING if empty and open, or DRAINED_CLOSED. */
  protected take(): T | typeof NOTHING | typeof DRAINED_CLOSED {
    const header = this.header;
    this.lock();
    let freed = this.held >= 0 ? this.freeLocked(this.held) : false;
    this.held = -1;
    const ints = this.slabInts;
    let at: number;
    let length: number;
    let word: number;
    for (;;) {
      if (header[COUNT] === 0) {
        const state = header[STATE];
        this.unlock();
        if (freed) this.wake(SPACE_EPOCH, SPACE_WAITERS);
        return state === OPEN ? NOTHING : DRAINED_CLOSED;
      }
      at = this.passPad(header[READ_AT]!);
      length = ints[at >> 2]!;
      word = Atomics.load(ints, (at >> 2) + 1);
      if ((word & 15) !== DROPPED) break;
      // An in-place write that threw: not an element. Passed, and its send uncounted.
      header[READ_AT] = this.passDropped(at, length);
      this.freeLocked(-1);
      freed = true; // a count freed, at least
    }
    if ((word & 15) === WRITING) {
      // Its sender still copies it in: wait for the record's publication (DATA_EPOCH).
      const reclaimed = this.freeLocked(-1) || freed; // a PAD passed above
      this.unlock();
      if (reclaimed) this.wake(SPACE_EPOCH, SPACE_WAITERS);
      return NOTHING;
    }
    const tag = word >> 4;
    let next = at + RECORD_HEADER + ((length + 7) & ~7);
    if (next === this.slab) next = 0;
    header[READ_AT] = next;
    header[COUNT]!--;
    header[RECEIVED]!++;
    let value: unknown;
    const from = at + RECORD_HEADER;
    if (this.mode === "bytes") {
      ints[(at >> 2) + 1] = (tag << 4) | TAKEN;
      this.held = at;
      value = this.data.subarray(from, from + length);
      this.freeLocked(-1); // a PAD passed above
      this.unlock();
      // The count went down even though the record's bytes are held: a sender waiting on the count may go on.
      this.wake(SPACE_EPOCH, SPACE_WAITERS);
      return value as T;
    }
    try {
      value = this.decode(tag, from, length, false);
    } finally {
      ints[(at >> 2) + 1] = (tag << 4) | FREE;
      this.freeLocked(-1);
      this.unlock();
      this.wake(SPACE_EPOCH, SPACE_WAITERS);
    }
    return value as T;
  }

  /** Under the lock: the DROPPED record at `at` is passed (FREE) and its send uncounted; returns where the next record starts. */
  private passDropped(at: number, length: number): number {
    const header = this.header;
    this.slabInts[(at >> 2) + 1] = FREE;
    header[COUNT]!--;
    header[SENT]!--;
    const next = at + RECORD_HEADER + ((length + 7) & ~7);
    return next === this.slab ? 0 : next;
  }

  private decode(tag: number, from: number, length: number, copyBytes: boolean): unknown {
    switch (tag) {
      case T_NUMBER:
        return this.words[from >> 3];
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_STRING:
        return decoder.decode(this.data.slice(from, from + length)); // TextDecoder does not read shared memory
      case T_BYTES:
        return copyBytes || this.mode !== "bytes" ? this.data.slice(from, from + length) : this.data.subarray(from, from + length);
      case T_CLONE:
        return v8.deserialize(this.data.slice(from, from + length));
      case T_CODEC:
        return this.codec!.decode(this.data.subarray(from, from + length));
      default:
        throw new Error(`internal: ${this.name} has a record with an unknown tag ${tag}`);
    }
  }

  /**
   * Under the lock: the reader at `at` steps over a PAD there (the slab's end
   * a record did not fit in) to offset 0, marking the PAD free, since only
   * now may its space be reused. Returns where the next record starts.
   */
  private passPad(at: number): number {
    const ints = this.slabInts;
    if ((ints[(at >> 2) + 1]! & 15) !== PAD) return at;
    ints[(at >> 2) + 1] = FREE; // its length field already spans to the slab's end
    this.header[READ_AT] = 0;
    return 0;
  }

  /** Under the lock: marks the record at `at` free (if ≥ 0) and reclaims free records from FREE_AT on. True if space was reclaimed. */
  private freeLocked(at: number): boolean {
    const header = this.header;
    const ints = this.slabInts;
    if (at >= 0) ints[(at >> 2) + 1] = (ints[(at >> 2) + 1]! & ~15) | FREE;
    let from = header[FREE_AT]!;
    let used = header[USED]!;
    const before = used;
    while (used > 0) {
      const state = ints[(from >> 2) + 1]! & 15;
      if (state !== FREE) break; // buffered, held, being written, or a PAD the reader has not passed yet
      const size = RECORD_HEADER + ((ints[from >> 2]! + 7) & ~7);
      used -= size;
      from += size;
      if (from === this.slab) from = 0;
    }
    if (used === 0) {
      // Nothing buffered or held: start again at the slab's beginning, so large records do not wrap needlessly.
      from = 0;
      header[WRITE_AT] = 0;
      header[READ_AT] = 0;
    }
    header[FREE_AT] = from;
    header[USED] = used;
    return used !== before;
  }

  // --- the Channel API ------------------------------------------------------

  send(value: T): Operation<void> {
    return new SendTrap(this, value);
  }

  receive(): Operation<T> {
    return new ReceiveTrap<T, T>(this, RECEIVE);
  }

  receiveCatching(): Operation<{ ok: true; value: T } | ClosedResult> {
    return new ReceiveTrap<T, { ok: true; value: T } | ClosedResult>(this, RECEIVE_CATCHING);
  }

  trySend(value: T): SendResult {
    const result = this.offer(value);
    return result === CLOSED_SEND && this.cause !== undefined ? { ok: false, reason: "closed", cause: this.cause } : result;
  }

  tryReceive(): ReceiveResult<T> {
    const value = this.take();
    if (value === NOTHING) return EMPTY_RESULT;
    if (value === DRAINED_CLOSED) return this.closedResult();
    return { ok: true, value };
  }

  onSend<const R = void>(value: T, handler?: () => R): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`onSend(value, handler): handler must be a function`);
    return new SendClause<T, R>(this, value, handler);
  }

  sendInPlace(length: number, write: (bytes: Uint8Array) => void): Operation<void> {
    return new SendTrap(this, this.inPlace("sendInPlace(length, write)", length, write));
  }

  trySendInPlace(length: number, write: (bytes: Uint8Array) => void): SendResult {
    return this.trySend(this.inPlace("trySendInPlace(length, write)", length, write));
  }

  onSendInPlace<const R = void>(length: number, write: (bytes: Uint8Array) => void, handler?: () => R): SelectClause<R> {
    const element = this.inPlace("onSendInPlace(length, write, handler)", length, write);
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`${this.name}.onSendInPlace(length, write, handler): handler must be a function, got ${show(handler)}`);
    return new SendClause<T, R>(this, element, handler);
  }

  /** An in-place element, its arguments checked, passed where sends take an element (`offer` knows it). */
  private inPlace(what: string, length: number, write: (bytes: Uint8Array) => void): T {
    if (this.mode !== "bytes" && this.mode !== "structured") throw new TypeError(`${this.name}.${what}: only a channel with codec "bytes" or "structured" sends bytes in place; this one's codec is ${this.mode === "custom" ? "a custom one" : `"${this.mode}"`}`);
    if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) throw new TypeError(`${this.name}.${what}: length must be an integer ≥ 0, got ${show(length)}`);
    if (typeof write !== "function") throw new TypeError(`${this.name}.${what}: write must be a function, got ${show(write)}`);
    return new InPlace(length, write) as unknown as T;
  }

  onReceive<const R = T>(handler?: (value: T) => R): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`onReceive(handler): handler must be a function`);
    return new ReceiveClause<T, R>(this, RECEIVE, handler as ((value: unknown) => R) | undefined);
  }

  onReceiveCatching<const R = { ok: true; value: T } | ClosedResult>(handler?: (result: { ok: true; value: T } | ClosedResult) => R): SelectClause<R> {
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`onReceiveCatching(handler): handler must be a function`);
    return new ReceiveClause<T, R>(this, RECEIVE_CATCHING, handler as ((value: unknown) => R) | undefined);
  }

  close(cause?: unknown): boolean {
    this.lock();
    const open = this.header[STATE] === OPEN;
    if (open) {
      this.header[STATE] = CLOSED;
      this.shutLocked();
    }
    this.unlock();
    if (!open) return false;
    this.cause = cause;
    this.wakeAll();
    return true;
  }

  cancel(cause?: unknown): boolean {
    const header = this.header;
    const dropped: unknown[] = [];
    // It would wait for the write it is called from to end.
    if (this.writingInPlace > 0) throw new Error(`${this.name}.cancel(): called from inside a sendInPlace write of the same channel; cancel after it returns`);
    this.lock();
    if (header[STATE] === CANCELLED) {
      this.unlock();
      return false;
    }
    header[STATE] = CANCELLED;
    this.shutLocked();
    let failure = this.dropLocked(dropped);
    this.unlock();
    if (this.cause === undefined) this.cause = cause;
    this.wakeAll();
    const onUndelivered = this.onUndelivered;
    if (onUndelivered !== undefined) {
      for (const element of dropped) {
        try {
          onUndelivered(element as T);
        } catch (error) {
          failure ??= error;
        }
      }
    }
    if (failure !== null) throw new Error(`${this.name}.cancel(): handing a dropped element to onUndelivered failed`, { cause: failure });
    return true;
  }

  /** Under the lock, once the state is CLOSED or CANCELLED: whatever else stops new sends (the slab needs nothing: every send looks at the state under the lock). */
  protected shutLocked(): void {}

  /**
   * Under the lock, cancelling: moves every buffered element to `dropped`
   * (counted undelivered) and leaves the buffer empty. Returns the first
   * failure to decode one, or null.
   */
  protected dropLocked(dropped: unknown[]): unknown {
    const header = this.header;
    const ints = this.slabInts;
    let failure: unknown = null;
    let at = header[READ_AT]!;
    while (header[COUNT]! > 0) {
      at = this.passPad(at);
      while ((Atomics.load(ints, (at >> 2) + 1) & 15) === WRITING); // a sender finishing its copy (no lock needed for that)
      const length = ints[at >> 2]!;
      if ((ints[(at >> 2) + 1]! & 15) === DROPPED) {
        at = this.passDropped(at, length);
        continue;
      }
      const tag = ints[(at >> 2) + 1]! >> 4;
      try {
        dropped.push(this.decode(tag, at + RECORD_HEADER, length, true));
      } catch (error) {
        failure ??= error;
      }
      ints[(at >> 2) + 1] = (tag << 4) | FREE;
      at += RECORD_HEADER + ((length + 7) & ~7);
      if (at === this.slab) at = 0;
      header[COUNT]!--;
      header[UNDELIVERED]!++;
    }
    header[READ_AT] = at;
    this.freeLocked(-1);
    return failure;
  }

  /** Close and cancel: wakes every waiter on either side, taking both counts as `wake` does (so none is left counted once woken). */
  private wakeAll(): void {
    const header = this.header;
    Atomics.exchange(header, DATA_WAITERS, 0);
    Atomics.exchange(header, SPACE_WAITERS, 0);
    Atomics.add(header, DATA_EPOCH, 1);
    Atomics.add(header, SPACE_EPOCH, 1);
    Atomics.notify(header, DATA_EPOCH);
    Atomics.notify(header, SPACE_EPOCH);
  }

  release(): void {
    if (this.held < 0) return;
    this.lock();
    this.freeLocked(this.held);
    this.held = -1;
    this.unlock();
    this.wake(SPACE_EPOCH, SPACE_WAITERS);
  }

  get isClosedForSend(): boolean {
    return Atomics.load(this.header, STATE) !== OPEN;
  }

  get isClosedForReceive(): boolean {
    const header = this.header;
    return Atomics.load(header, STATE) === CANCELLED || (Atomics.load(header, STATE) === CLOSED && Atomics.load(header, COUNT) === 0);
  }

  /** @internal */
  closedError(): ChannelClosed {
    return new ChannelClosed(this.name, Atomics.load(this.header, STATE) === CANCELLED, this.cause);
  }

  /** @internal */
  closedResult(): ClosedResult {
    return this.cause === undefined ? CLOSED_RESULT : { ok: false, reason: "closed", cause: this.cause };
  }

  each(body: (value: T) => void | Operation<unknown> | PromiseLike<unknown>): Operation<void> {
    if (typeof body !== "function") throw new TypeError(`${this.name}.each(body): body must be a function or generator function`);
    return operation(receivingEach<T>, this, body);
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return new ChannelIterator<T>(this);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Under the lock: the counts `stats()` reports. */
  protected counts(): { capacity: number; sent: number; received: number; buffered: number } {
    const header = this.header;
    return { capacity: header[CAPACITY]!, sent: header[SENT]!, received: header[RECEIVED]!, buffered: header[COUNT]! };
  }

  stats(): ChannelStats {
    const header = this.header;
    this.lock();
    const stats: ChannelStats = {
      name: this.name,
      ...this.counts(),
      waitingSenders: this.spaceWatch.size,
      waitingReceivers: this.dataWatch.size,
      cancelledWaiters: 0,
      dropped: 0,
      undelivered: header[UNDELIVERED]!,
      closed: header[STATE] !== OPEN,
      cancelled: header[STATE] === CANCELLED,
    };
    this.unlock();
    return stats;
  }

  toString(): string {
    return this.name;
  }

  /** @internal The polls the traps and clauses use. */
  pollSend(value: T): SendResult {
    return this.offer(value);
  }

  /** @internal */
  pollReceive(): T | typeof NOTHING | typeof DRAINED_CLOSED {
    return this.take();
  }
}

const DRAINED_CLOSED: unique symbol = Symbol("drained and closed");
const RECEIVE = 0;
const RECEIVE_CATCHING = 1;

function receiveResult<T>(channel: SharedChannelImpl<T>, kind: number, value: T | typeof DRAINED_CLOSED): unknown {
  if (value === DRAINED_CLOSED) {
    if (kind === RECEIVE) throw channel.closedError();
    return channel.closedResult();
  }
  return kind === RECEIVE ? value : { ok: true, value };
}

function sendResult(channel: SharedChannelImpl<unknown>, result: SendResult): void | typeof NOT_READY {
  if (result === SENT_OK) return undefined;
  if (result === FULL_RESULT) return NOT_READY;
  throw channel.closedError();
}

class SendTrap<T> extends PollTrap<void> {
  protected get what(): string {
    return `send on ${this.channel.name}`;
  }
  // Plain stores in the constructor (not parameter properties, which are class fields): one per send, on the hot path.
  private declare readonly channel: SharedChannelImpl<T>;
  private declare readonly value: T;
  constructor(channel: SharedChannelImpl<T>, value: T) {
    super();
    this.channel = channel;
    this.value = value;
  }
  protected poll(): void | typeof NOT_READY {
    return sendResult(this.channel as SharedChannelImpl<unknown>, this.channel.pollSend(this.value));
  }
  protected get source(): Notifier {
    return this.channel.spaceWatch;
  }
  protected again(): SendTrap<T> {
    return new SendTrap(this.channel, this.value);
  }
}
ownOperation(SendTrap);

class ReceiveTrap<T, R> extends PollTrap<R> {
  protected get what(): string {
    return `receive on ${this.channel.name}`;
  }
  // Plain stores, as SendTrap's.
  private declare readonly channel: SharedChannelImpl<T>;
  private declare readonly kind: number;
  constructor(channel: SharedChannelImpl<T>, kind: number) {
    super();
    this.channel = channel;
    this.kind = kind;
  }
  protected poll(): R | typeof NOT_READY {
    const value = this.channel.pollReceive();
    if (value === NOTHING) return NOT_READY;
    return receiveResult(this.channel, this.kind, value) as R;
  }
  protected get source(): Notifier {
    return this.channel.dataWatch;
  }
  protected again(): ReceiveTrap<T, R> {
    return new ReceiveTrap(this.channel, this.kind);
  }
}
ownOperation(ReceiveTrap);

class SendClause<T, R> extends IoClause<R> {
  constructor(
    private readonly channel: SharedChannelImpl<T>,
    private readonly value: T,
    private readonly handler: (() => R) | undefined,
  ) {
    super();
  }
  describe(): string {
    return `send on ${this.channel.name}`;
  }
  protected get source(): Notifier {
    return this.channel.spaceWatch;
  }
  protected poll(): R | typeof NOT_READY {
    if (sendResult(this.channel as SharedChannelImpl<unknown>, this.channel.pollSend(this.value)) === NOT_READY) return NOT_READY;
    return (this.handler === undefined ? undefined : this.handler()) as R;
  }
}

class ReceiveClause<T, R> extends IoClause<R> {
  constructor(
    private readonly channel: SharedChannelImpl<T>,
    private readonly kind: number,
    private readonly handler: ((value: unknown) => R) | undefined,
  ) {
    super();
  }
  describe(): string {
    return `receive on ${this.channel.name}`;
  }
  protected get source(): Notifier {
    return this.channel.dataWatch;
  }
  protected poll(): R | typeof NOT_READY {
    const value = this.channel.pollReceive();
    if (value === NOTHING) return NOT_READY;
    const result = receiveResult(this.channel, this.kind, value);
    return (this.handler === undefined ? result : this.handler(result)) as R;
  }
}

function* receivingEach<T>(channel: SharedChannelImpl<T>, body: (value: T) => void | Operation<unknown> | PromiseLike<unknown>): Iterator<Instruction, void, unknown> {
  for (;;) {
    const result = yield* channel.receiveCatching();
    if (!result.ok) {
      if (result.cause !== undefined) throw channel.closedError(); // as channel's each: a close with a cause fails it
      return;
    }
    const step = awaitable(body(result.value));
    if (isOperation(step)) yield* step as Operation<unknown>;
  }
}

// --- codec "number": a lock-free ring ---------------------------------------

// Its words (Int32 indexes into the buffer), each side's on a cache line of its own.
const N_TAIL = HEADER_WORDS; // next position to send to, and CLOSED_BIT once closed
const N_TAIL_LAPS = HEADER_WORDS + 1; // times TAIL wrapped to 0 (changed under the lock)
const N_HEAD = HEADER_WORDS + 16; // next position to receive from
const N_HEAD_LAPS = HEADER_WORDS + 17; // times HEAD wrapped to 0 (changed under the lock)
const N_BASE = HEADER_WORDS + 18; // the position the counts start from (0, or where restartBeforeWrap put the ring)
const N_SLOTS_BYTES = HEADER_BYTES + 128;
/** A slot: [seq: int32][unused: int32][value: float64]. */
const N_SLOT = 16;
/** Set in N_TAIL by close and cancel: no send can take a position after it. */
const CLOSED_BIT = 1 << 30;
/** The most elements a "number" channel may buffer (its ring stays under 1 GiB). */
const N_MAX_CAPACITY = 1 << 26;

/**
 * Codec "number": a bounded multi-producer, multi-consumer ring of fixed
 * slots (Vyukov's design), one number each, with no lock on the way of a
 * send or a receive. Each slot has a sequence word that says whose turn it
 * is: at position p (slot p mod capacity) a sender may write when seq = 2p,
 * and publishes with seq = 2p + 1; a receiver may read when seq = 2p + 1,
 * and frees the slot for the next lap with seq = 2(p + capacity). (Doubled,
 * so that "published at p" and "free for p + 1" differ with capacity 1.) Senders claim
 * positions by compare-and-swap on TAIL, receivers on HEAD; those two words
 * live on cache lines of their own, so a sender and a receiver on two
 * threads share only the slots they hand over (and the read-mostly header).
 * No word is counted per element: `stats()` derives the counts from the
 * positions and the laps each has made (a claim that wraps a position to 0
 * counts its lap under the channel's lock, once every M elements, so that
 * `stats()`, which reads under the lock, sees the position and its lap together).
 *
 * Positions count modulo M, a multiple of the capacity below 2^29 (sequence
 * words modulo 2M), so that bit 30 of TAIL is free for CLOSED_BIT: close and cancel set it with a
 * compare-and-swap, after which no sender can claim a position — a send that
 * claimed one before is linearized before the close and delivers. A receiver
 * that finds the slot at HEAD not yet published looks at TAIL: equal to HEAD,
 * the ring is empty (and drained, if closed); past it, a sender is writing,
 * and its publication wakes the receiver. Cancel, under the channel's lock
 * (so close/cancel/stats stay atomic with each other), receives everything
 * published and waits out any sender mid-write. Waking is the same event
 * count as the slab's (EpochWatch).
 */
/** `d` (a difference of two values in [0, m)) modulo `m`, in [-m/2, m/2). */
function signedModulo(d: number, m: number): number {
  return d >= m / 2 ? d - m : d < -m / 2 ? d + m : d;
}

class NumberChannelImpl extends SharedChannelImpl<number> {
  private readonly ints: Int32Array;
  private readonly values: Float64Array;
  private readonly size: number;
  private readonly modulus: number;

  constructor(handle: SharedChannelHandle, onUndelivered: ((element: number) => void) | undefined) {
    super(handle, null, onUndelivered);
    this.ints = new Int32Array(handle.buffer);
    this.values = new Float64Array(handle.buffer);
    this.size = this.header[CAPACITY]!;
    this.modulus = this.size * Math.floor(CLOSED_BIT / 2 / this.size);
  }

  /** The buffer of a new "number" channel of `capacity` slots, each slot's turn set for the first lap. */
  static buffer(capacity: number): SharedArrayBuffer {
    const buffer = new SharedArrayBuffer(N_SLOTS_BYTES + capacity * N_SLOT);
    const ints = new Int32Array(buffer);
    ints[CAPACITY] = capacity;
    for (let i = 0; i < capacity; i++) ints[(N_SLOTS_BYTES + i * N_SLOT) >> 2] = 2 * i; // free for position i
    return buffer;
  }

  /** `a - b` modulo M (positions), as a signed distance. */
  private distance(a: number, b: number): number {
    return signedModulo(a - b, this.modulus);
  }

  /** `a - b` modulo 2M (sequence words), as a signed distance. */
  private turns(a: number, b: number): number {
    return signedModulo(a - b, 2 * this.modulus);
  }

  private after(position: number): number {
    return position + 1 === this.modulus ? 0 : position + 1;
  }

  private seqIndex(position: number): number {
    return (N_SLOTS_BYTES + (position % this.size) * N_SLOT) >> 2;
  }

  protected override offer(value: number): SendResult {
    if (typeof value !== "number") throw new TypeError(`${this.name}: value must be a number (a channel with codec "number" sends numbers), got ${show(value)}`);
    const ints = this.ints;
    // A plain read is enough to begin with: a stale position fails the compare-and-swap, which reads it again.
    let tail = ints[N_TAIL]!;
    for (;;) {
      if ((tail & CLOSED_BIT) !== 0) return CLOSED_SEND;
      const seq = this.seqIndex(tail);
      const d = this.turns(Atomics.load(ints, seq), 2 * tail);
      if (d === 0) {
        const next = this.after(tail);
        const seen = next !== 0 ? Atomics.compareExchange(ints, N_TAIL, tail, next) : this.wrap(N_TAIL, N_TAIL_LAPS, tail, false);
        if (seen === tail) {
          this.values[(seq >> 1) + 1] = value;
          Atomics.store(ints, seq, 2 * tail + 1); // published
          this.wake(DATA_EPOCH, DATA_WAITERS);
          return SENT_OK;
        }
        tail = seen;
      } else if (d < 0) {
        return FULL_RESULT; // the slot still holds the element of the lap before
      } else {
        tail = Atomics.load(ints, N_TAIL); // another sender took this position
      }
    }
  }

  /** Claims position `from` (M - 1) of `word`, wrapping it to 0, and counts the lap: under the lock (held already if `locked`). Returns what the word held, as a compare-and-swap does. */
  private wrap(word: number, laps: number, from: number, locked: boolean): number {
    if (!locked) this.lock();
    const seen = Atomics.compareExchange(this.ints, word, from, 0);
    if (seen === from) Atomics.add(this.ints, laps, 1);
    if (!locked) this.unlock();
    return seen;
  }

  protected override take(): number | typeof NOTHING | typeof DRAINED_CLOSED {
    const value = this.takeOne(false);
    if (value !== NOTHING && value !== DRAINED_CLOSED) this.wake(SPACE_EPOCH, SPACE_WAITERS);
    return value;
  }

  /** Receives the element at HEAD, if published: the value, NOTHING (empty, or its sender is still writing) or DRAINED_CLOSED. `locked`: the caller holds the lock. */
  private takeOne(locked: boolean): number | typeof NOTHING | typeof DRAINED_CLOSED {
    const ints = this.ints;
    let head = ints[N_HEAD]!; // plain, as in offer
    for (;;) {
      const seq = this.seqIndex(head);
      const d = this.turns(Atomics.load(ints, seq), 2 * head + 1);
      if (d === 0) {
        const next = this.after(head);
        const seen = next !== 0 ? Atomics.compareExchange(ints, N_HEAD, head, next) : this.wrap(N_HEAD, N_HEAD_LAPS, head, locked);
        if (seen === head) {
          const value = this.values[(seq >> 1) + 1]!;
          Atomics.store(ints, seq, (2 * (head + this.size)) % (2 * this.modulus)); // free for the next lap
          return value;
        }
        head = seen;
      } else if (d < 0) {
        const tail = Atomics.load(ints, N_TAIL);
        if ((tail & ~CLOSED_BIT) !== head) return NOTHING; // claimed, not yet published: its sender wakes us
        return (tail & CLOSED_BIT) !== 0 ? DRAINED_CLOSED : NOTHING;
      } else {
        head = Atomics.load(ints, N_HEAD); // another receiver took this position
      }
    }
  }

  /** Sets CLOSED_BIT: no send claims a position after this. */
  protected override shutLocked(): void {
    const ints = this.ints;
    let tail = Atomics.load(ints, N_TAIL);
    while ((tail & CLOSED_BIT) === 0) {
      const seen = Atomics.compareExchange(ints, N_TAIL, tail, tail | CLOSED_BIT);
      if (seen === tail) return;
      tail = seen;
    }
  }

  protected override dropLocked(dropped: unknown[]): unknown {
    const before = dropped.length;
    for (;;) {
      const value = this.takeOne(true); // CLOSED_BIT is set: it ends with DRAINED_CLOSED
      if (value === DRAINED_CLOSED) break;
      if (value === NOTHING) continue; // a sender between its claim and its publication: a few instructions away
      dropped.push(value);
    }
    this.header[UNDELIVERED]! += dropped.length - before; // dropped, not received (counts() subtracts them)
    return null;
  }

  /** @internal For tests of the wrap: moves this empty ring to `n` positions before its positions wrap to 0 (as if that many elements had passed). */
  restartBeforeWrap(n: number): void {
    const ints = this.ints;
    if (this.distance(Atomics.load(ints, N_TAIL), Atomics.load(ints, N_HEAD)) !== 0) throw new Error("restartBeforeWrap: the ring is not empty");
    const position = this.modulus - n;
    for (let k = 0; k < this.size; k++) {
      const p = (position + k) % this.modulus;
      ints[this.seqIndex(p)] = 2 * p;
    }
    Atomics.store(ints, N_TAIL, position);
    Atomics.store(ints, N_HEAD, position);
    Atomics.store(ints, N_TAIL_LAPS, 0);
    Atomics.store(ints, N_HEAD_LAPS, 0);
    Atomics.store(ints, N_BASE, position);
  }

  override get isClosedForSend(): boolean {
    return (Atomics.load(this.ints, N_TAIL) & CLOSED_BIT) !== 0;
  }

  override get isClosedForReceive(): boolean {
    const tail = Atomics.load(this.ints, N_TAIL);
    return Atomics.load(this.header, STATE) === CANCELLED || ((tail & CLOSED_BIT) !== 0 && (tail & ~CLOSED_BIT) === Atomics.load(this.ints, N_HEAD));
  }

  protected override counts(): { capacity: number; sent: number; received: number; buffered: number } {
    const ints = this.ints;
    const tail = Atomics.load(ints, N_TAIL) & ~CLOSED_BIT;
    const head = Atomics.load(ints, N_HEAD);
    const base = Atomics.load(ints, N_BASE);
    const sent = Atomics.load(ints, N_TAIL_LAPS) * this.modulus + tail - base;
    const passed = Atomics.load(ints, N_HEAD_LAPS) * this.modulus + head - base;
    // Under the lock: no position wraps meanwhile (see the class comment), and cancel's drops are counted.
    return { capacity: this.size, sent, received: passed - this.header[UNDELIVERED]!, buffered: this.distance(tail, head) };
  }
}

function checkCodec<T>(what: string, codec: unknown): SharedCodecOption<T> {
  if (codec === undefined) return "structured";
  if (codec === "structured" || codec === "bytes" || codec === "number") return codec;
  const custom = codec as Partial<SharedCodec<T>> | null;
  if (typeof custom === "object" && custom !== null && typeof custom.encode === "function" && typeof custom.decode === "function") return custom as SharedCodec<T>;
  throw new TypeError(`${what}: options.codec must be "structured", "bytes", "number" or an object with encode and decode, got ${show(codec)}`);
}

/**
 * A channel whose buffer lives in shared memory, so its ends can be used from
 * other threads: pass it among `spawnOn`'s arguments (or post its `handle`
 * and `attachChannel` it there). The API is `channel`'s — send, receive, the
 * `try…` and `on…` (select) forms, close, cancel, `each`, `for await` — and a
 * wait never blocks a thread (`Atomics.waitAsync`). `capacity` (≥ 1) bounds
 * the elements buffered, `options.bytes` the bytes they take. Elements cross
 * by `options.codec`; with `"bytes"`, a receiver reads the sender's bytes in
 * the shared slab without a copy, and **a received view stays valid until
 * the next receive on that channel object in the same thread** (or
 * `release()`): copy what you keep longer. With `"number"`, elements are
 * numbers in fixed slots of a ring that sends and receives use without a
 * lock: the fast lane for numbers between threads. `onUndelivered` runs in the thread
 * that calls `cancel()`, for every buffered element it drops. The cause given
 * to `close`/`cancel` is seen in the thread that gave it. Node only.
 *
 * ```ts
 * const results = sharedChannel<number>(1024);
 * const producer = yield* spawnOn(pool, "produce", [results]); // the worker sends
 * for (const n of [1, 2, 3]) console.log(yield* results.receive());
 * ```
 */
export function sharedChannel<T>(capacity: number, options?: SharedChannelOptions<T>): SharedChannel<T> {
  const what = "sharedChannel(capacity, options)";
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x3fffffff) {
    throw new TypeError(`${what}: capacity must be a whole number of elements ≥ 1, got ${show(capacity)} (a shared channel always buffers)`);
  }
  checkOptions(what, options);
  checkName(what, options?.name);
  const codec = checkCodec<T>(what, options?.codec);
  if (options?.onUndelivered !== undefined) checkFunction(what, "options.onUndelivered", options.onUndelivered);
  if (codec === "number") {
    if (capacity > N_MAX_CAPACITY) throw new TypeError(`${what}: capacity must be at most ${N_MAX_CAPACITY} with codec "number", got ${show(capacity)}`);
    if (options?.bytes !== undefined) throw new TypeError(`${what}: options.bytes does not apply to codec "number" (each element takes a slot of ${N_SLOT} bytes), got ${show(options.bytes)}`);
    const name = channelName(options?.name);
    const handle: SharedChannelHandle = { kind: "strand.sharedChannel", buffer: NumberChannelImpl.buffer(capacity), name, codec };
    return new NumberChannelImpl(handle, options?.onUndelivered as ((element: number) => void) | undefined) as unknown as SharedChannel<T>;
  }
  let bytes = options?.bytes ?? Math.max(65_536, capacity * 256);
  if (!Number.isInteger(bytes) || bytes < 64 || bytes > 0x3ffffff8) throw new TypeError(`${what}: options.bytes must be a whole number of bytes from 64 to 1 GiB, got ${show(options?.bytes)}`);
  bytes = (bytes + 7) & ~7;
  const buffer = new SharedArrayBuffer(HEADER_BYTES + bytes);
  new Int32Array(buffer)[CAPACITY] = capacity;
  const handle: SharedChannelHandle = { kind: "strand.sharedChannel", buffer, name: channelName(options?.name), codec: typeof codec === "string" ? codec : "custom" };
  return new SharedChannelImpl<T>(handle, typeof codec === "string" ? null : codec, options?.onUndelivered);
}

let keptShared = false;

/**
 * Keeps the hidden classes of shared channels (both kinds), their sends and
 * receives alive (core/keep.ts): a program whose shared channels have all been
 * dropped when a full GC runs (a pool's inject queue, channels made per job)
 * would otherwise run the next ones in code V8 has thrown away ("weak objects"
 * in `--trace-deopt`). The samples are named, so they take no channel number,
 * and their buffers are small (64 bytes of slab, one slot).
 */
function keepShared(): void {
  keptShared = true;
  const objects = sharedChannel<unknown>(1, { name: "sample", bytes: 64 });
  const numbers = sharedChannel<number>(1, { name: "sample", codec: "number" });
  // A send of an object first, then of a number: the sends' element field holds any element from the start,
  // so a program's first send of either kind makes V8 neither generalise it nor give the trap a new class.
  for (const [sample, element] of [[objects, objects], [numbers, 0]] as const) {
    keep(sample);
    keep((sample as SharedChannel<unknown>).send(element));
    keep(sample.receive());
    keep(sample.receiveCatching());
  }
  keep(new InPlace(0, () => {}));
}

function channelName(name: string | undefined): string {
  return name !== undefined ? `shared channel "${name}"` : `shared channel #${showId(nextSharedId++)}`;
}

/** True if `value` is a shared channel's handle. */
export function isSharedChannelHandle(value: unknown): value is SharedChannelHandle {
  const handle = value as Partial<SharedChannelHandle> | null;
  return typeof handle === "object" && handle !== null && handle.kind === "strand.sharedChannel" && handle.buffer instanceof SharedArrayBuffer;
}

/**
 * Opens, in this thread, the shared channel whose `handle` another thread
 * posted. A channel with a custom codec needs the same codec here
 * (`options.codec`); `onUndelivered` is this thread's.
 */
export function attachChannel<T>(handle: SharedChannelHandle, options?: { codec?: SharedCodec<T>; onUndelivered?: (element: T) => void }): SharedChannel<T> {
  const what = "attachChannel(handle, options)";
  if (!isSharedChannelHandle(handle)) throw new TypeError(`${what}: handle must be a shared channel's handle (channel.handle), got ${show(handle)}`);
  checkOptions(what, options);
  if (options?.onUndelivered !== undefined) checkFunction(what, "options.onUndelivered", options.onUndelivered);
  if (handle.codec === "number") return new NumberChannelImpl(handle, options?.onUndelivered as ((element: number) => void) | undefined) as unknown as SharedChannel<T>;
  let codec: SharedCodec<T> | null = null;
  if (handle.codec === "custom") {
    const given = checkCodec<T>(what, options?.codec);
    if (typeof given === "string") throw new TypeError(`${what}: ${handle.name} uses a custom codec; pass the same one as options.codec`);
    codec = given;
  }
  return new SharedChannelImpl<T>(handle, codec, options?.onUndelivered);
}
