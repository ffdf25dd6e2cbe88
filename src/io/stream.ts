/**
 * Node streams as waits, and streams ↔ channels.
 *
 * `ReadableSource` takes a Readable's chunks into a queue and pauses the
 * stream when the queue reaches the stream's high-water mark, resuming it as
 * tasks read: what a task does not read stops the reading from the OS — so a
 * slow reader holds back the writer at the other end (back-pressure).
 * `WritableTarget` writes a chunk only while the stream does not need a
 * drain, and otherwise waits for `drain`. Both are level-triggered I/O
 * clauses (wait.ts): a wait polls again when the stream says something
 * changed.
 *
 * `fromReadable`/`toWritable` join a stream to a channel through a pump task
 * that belongs to a `resource()` of the caller: the stream is destroyed when
 * the caller's task ends, however it ends.
 */
import type { Readable, Writable } from "node:stream";
import { NOT_READY, type SelectClause } from "../core/clause.js";
import { ChannelClosed } from "../errors.js";
import { channel, channelSettings, ChannelImpl, type Capacity, type Channel, type ChannelOptions, type ReceiveChannel } from "../channel/channel.js";
import { operation } from "../core/operation.js";
import type { Instruction } from "../core/instructions.js";
import { resource } from "../resource.js";
import { spawn } from "../spawn.js";
import type { Operation } from "../types.js";
import type { Task } from "../core/task.js";
import { checkOptions, show } from "../validate.js";
import { HandleClosed } from "./errors.js";
import { IoClause, Notifier, PollTrap, waitFor } from "./wait.js";
import { enterHost, leaveHost } from "../core/runtime.js";
import { Deque } from "../core/deque.js";

/**
 * A Readable read on demand: see the file header. `null` is the end of the
 * stream. The stream flows into a queue of at most its high-water mark (bytes,
 * or objects in object mode) and is paused beyond it, resumed as the queue is
 * read: the usual pause/resume back-pressure, cheaper per chunk than the
 * stream's `readable` protocol.
 */
export class ReadableSource<T = Buffer> {
  readonly readable = new Notifier();
  private error: unknown = undefined;
  private failed = false;
  private ended = false;
  private readonly queue = new Deque<T>();
  /** What is queued, in the stream's units (bytes, or objects in object mode). */
  private queued = 0;
  private readonly limit: number;
  private readonly objectMode: boolean;

  constructor(
    readonly raw: Readable,
    readonly description: string,
    /** Checked before every read: throws if the handle that owns the stream was closed. */
    private readonly check?: (what: string) => void,
  ) {
    this.objectMode = raw.readableObjectMode;
    this.limit = Math.max(1, raw.readableHighWaterMark);
    const notify = () => this.notifyAll();
    raw.on("data", (chunk: T) => {
      const reader = this.reader;
      if (reader !== null && this.queue.length === 0) {
        // A read is parked waiting: the chunk is its result, handed over (no queue, no poll again).
        this.reader = null;
        enterHost();
        try {
          reader.deliver(chunk);
          this.readable.notify(); // select clauses waiting too poll, and find nothing
        } finally {
          leaveHost();
        }
        return;
      }
      this.queue.push(chunk);
      this.queued += this.objectMode ? 1 : (chunk as { length: number }).length;
      if (this.queued >= this.limit) raw.pause();
      notify();
    });
    raw.on("end", () => {
      this.ended = true;
      notify();
    });
    raw.on("error", (error) => {
      if (!this.failed) {
        this.failed = true;
        this.error = error;
      }
      notify();
    });
    raw.on("close", notify);
  }

  /** A parked `read()` the next chunk is handed to directly (see ReadTrap), or null. */
  reader: ReadTrap<T> | null = null;

  /** Tells every waiting read that something changed (the end, an error): each polls again. */
  private notifyAll(): void {
    const reader = this.reader;
    enterHost();
    try {
      if (reader !== null) {
        this.reader = null;
        reader.notified();
      }
      this.readable.notify();
    } finally {
      leaveHost();
    }
  }

  /** @internal A chunk handed to a read that was cancelled before it ran: it is read first next time. */
  unread(chunk: T): void {
    this.queue.unshift(chunk);
    this.queued += this.objectMode ? 1 : (chunk as { length: number }).length;
    if (this.queued >= this.limit && !this.raw.isPaused()) this.raw.pause();
    this.readable.notify();
  }

  /** The next chunk, `null` at the end, or NOT_READY. Throws the stream's error once its buffer is read. */
  poll(what: string): T | null | typeof NOT_READY {
    this.check?.(what);
    if (this.queue.length > 0) {
      const chunk = this.queue.shift();
      this.queued -= this.objectMode ? 1 : (chunk as { length: number }).length;
      if (this.queued < this.limit && this.raw.isPaused() && !this.ended) this.raw.resume();
      return chunk;
    }
    if (this.failed) throw this.error;
    const errored = this.raw.errored; // destroyed with an error whose event is still to come
    if (errored !== null && errored !== undefined) throw errored;
    if (this.ended || this.raw.destroyed) return null;
    return NOT_READY;
  }

  /** A clause that reads the next chunk (`null` at the end). */
  onRead<R>(what: string, handler: ((chunk: T | null) => R) | undefined): SelectClause<R> {
    return new ReadClause(this, what, handler);
  }

  /** Reads the next chunk, waiting for one; `null` at the end of the stream. */
  read(what: string): Operation<T | null> {
    return new ReadTrap(this, what);
  }
}

/**
 * `read()`'s trap: one object per read. Parked, it is the stream's direct
 * reader if no other read is (the usual case: one task reads a socket), and
 * the next chunk is handed to it; other reads listen on the notifier.
 */
class ReadTrap<T> extends PollTrap<T | null> {
  // Plain stores in the constructor (not parameter properties, which are class fields): on the hot path.
  private declare readonly stream: ReadableSource<T>;
  private declare readonly name: string;

  constructor(stream: ReadableSource<T>, name: string) {
    super();
    this.stream = stream;
    this.name = name;
  }
  protected override register(): void {
    if (this.stream.reader === null) this.stream.reader = this;
    else super.register();
  }
  protected override unregister(): void {
    if (this.stream.reader === this) this.stream.reader = null;
    else super.unregister();
  }
  protected override giveBack(chunk: T | null): void {
    if (chunk !== null) this.stream.unread(chunk);
  }
  /** @internal The stream hands it the chunk that arrived. */
  deliver(chunk: T): void {
    this.handOver(chunk);
  }
  protected get what(): string {
    return `${this.name} on ${this.stream.description}`;
  }
  protected get source(): Notifier {
    return this.stream.readable;
  }
  protected poll(): T | null | typeof NOT_READY {
    return this.stream.poll(this.name);
  }
  protected again(): ReadTrap<T> {
    return new ReadTrap(this.stream, this.name);
  }
}

/** `write()`'s trap: one object per write. */
class WriteTrap<T> extends PollTrap<void> {
  // Plain stores, as ReadTrap's.
  private declare readonly stream: WritableTarget<T>;
  private declare readonly name: string;
  private declare readonly chunk: T;
  private declare readonly done: (() => void) | undefined;

  constructor(stream: WritableTarget<T>, name: string, chunk: T, done: (() => void) | undefined) {
    super();
    this.stream = stream;
    this.name = name;
    this.chunk = chunk;
    this.done = done;
  }
  protected get what(): string {
    return `${this.name} on ${this.stream.description}`;
  }
  protected get source(): Notifier {
    return this.stream.writable;
  }
  protected poll(): void | typeof NOT_READY {
    return this.stream.pollWrite(this.name, this.chunk, this.done);
  }
  protected again(): WriteTrap<T> {
    return new WriteTrap(this.stream, this.name, this.chunk, this.done);
  }
}

class ReadClause<T, R> extends IoClause<R> {
  constructor(
    private readonly stream: ReadableSource<T>,
    private readonly what: string,
    private readonly handler: ((chunk: T | null) => R) | undefined,
  ) {
    super();
  }
  describe(): string {
    return `${this.what} on ${this.stream.description}`;
  }
  protected get source(): Notifier {
    return this.stream.readable;
  }
  protected poll(): R | typeof NOT_READY {
    const chunk = this.stream.poll(this.what);
    if (chunk === NOT_READY) return NOT_READY;
    return this.handler === undefined ? (chunk as R) : this.handler(chunk);
  }
}

/** A Writable written with back-pressure: see the file header. */
export class WritableTarget<T = Uint8Array | string> {
  readonly writable = new Notifier();
  private error: unknown = undefined;
  private failed = false;
  /** Told as each write completes (only with a `window`): a write waiting for room looks again. */
  private readonly written: (() => void) | undefined;

  constructor(
    readonly raw: Writable,
    readonly description: string,
    private readonly check?: (what: string) => void,
    /**
     * Bytes the stream may hold unwritten before a write waits. Default: the
     * stream's own high-water mark (a write waits for `drain` once it is
     * reached). A larger window suits a writer that bounds what it writes
     * otherwise (the IPC bridge's credits): large chunks then queue in the
     * stream and go out without a wait for each.
     */
    private readonly window?: number,
  ) {
    if (window !== undefined) this.written = () => this.writable.notifyFromHost();
    const notify = () => this.writable.notifyFromHost();
    raw.on("drain", notify);
    raw.on("finish", notify);
    raw.on("close", notify);
    raw.on("error", (error) => {
      if (!this.failed) {
        this.failed = true;
        this.error = error;
      }
      notify();
    });
  }

  private usable(what: string): void {
    this.check?.(what);
    if (this.failed) throw this.error;
    const errored = this.raw.errored;
    if (errored !== null && errored !== undefined) throw errored;
    if (this.raw.destroyed) throw new HandleClosed(`${what}: ${this.description} is closed`);
  }

  /**
   * Writes `chunk` if the stream takes more now (undefined), else NOT_READY
   * having written nothing. `done` is called once the stream has written it
   * (or failed to).
   */
  pollWrite(what: string, chunk: T, done?: () => void): undefined | typeof NOT_READY {
    this.usable(what);
    if (this.raw.writableEnded) throw new HandleClosed(`${what}: ${this.description} was ended; nothing more can be written`);
    if (this.window === undefined) {
      if (this.raw.writableNeedDrain) return NOT_READY;
      this.raw.write(chunk, done);
    } else {
      if (this.raw.writableLength >= this.window) return NOT_READY;
      const written = this.written!;
      this.raw.write(chunk, done === undefined ? written : () => (done(), written()));
    }
    return undefined;
  }

  onWrite<R>(what: string, chunk: T, handler: (() => R) | undefined): SelectClause<R> {
    return new WriteClause(this, what, chunk, handler);
  }

  /**
   * Writes `chunk`, first waiting while the stream's buffer is full. `done`
   * is called once the stream has written it (or failed to): the chunk's
   * memory may be reused from then on.
   */
  write(what: string, chunk: T, done?: () => void): Operation<void> {
    return new WriteTrap(this, what, chunk, done);
  }

  /** Ends the stream and waits until everything written has been flushed. */
  end(what: string): Operation<void> {
    return waitFor(new EndClause(this, what));
  }

  /** @internal EndClause's poll. */
  pollEnd(what: string): undefined | typeof NOT_READY {
    if (this.raw.writableFinished) return undefined;
    this.usable(what);
    if (!this.raw.writableEnded) this.raw.end();
    return this.raw.writableFinished ? undefined : NOT_READY;
  }
}

class WriteClause<T, R> extends IoClause<R> {
  constructor(
    private readonly stream: WritableTarget<T>,
    private readonly what: string,
    private readonly chunk: T,
    private readonly handler: (() => R) | undefined,
  ) {
    super();
  }
  describe(): string {
    return `${this.what} on ${this.stream.description}`;
  }
  protected get source(): Notifier {
    return this.stream.writable;
  }
  protected poll(): R | typeof NOT_READY {
    if (this.stream.pollWrite(this.what, this.chunk) === NOT_READY) return NOT_READY;
    return this.handler === undefined ? (undefined as R) : this.handler();
  }
}

class EndClause extends IoClause<void> {
  constructor(
    private readonly stream: WritableTarget<never>,
    private readonly what: string,
  ) {
    super();
  }
  describe(): string {
    return `${this.what} on ${this.stream.description}`;
  }
  protected get source(): Notifier {
    return this.stream.writable;
  }
  protected poll(): void | typeof NOT_READY {
    return this.stream.pollEnd(this.what);
  }
}

/** Options of `fromReadable` and `toWritable`: the channel's. */
export interface StreamChannelOptions<T> extends ChannelOptions<T> {
  /** The channel's capacity, in chunks. Default 1: the stream's own buffer is the rest of the back-pressure window. */
  capacity?: Capacity;
}

function checkStream(what: string, stream: unknown, kind: "read" | "write"): void {
  const s = stream as { on?: unknown; destroy?: unknown; read?: unknown; write?: unknown } | null;
  const ok = typeof s === "object" && s !== null && typeof s.on === "function" && typeof s.destroy === "function" && typeof (kind === "read" ? s.read : s.write) === "function";
  if (!ok) throw new TypeError(`${what}: ${kind === "read" ? "readable" : "writable"} must be a Node ${kind === "read" ? "Readable" : "Writable"} stream, got ${show(stream)}`);
}

/**
 * A channel of a Readable's chunks, read with back-pressure: the stream is
 * read only as fast as the channel is received from. The channel closes at
 * the end of the stream (with the stream's error as its cause, if it fails).
 * The stream is destroyed when the caller's task ends, however it ends;
 * cancelling the channel stops the reading.
 *
 * ```ts
 * const chunks = yield* fromReadable(createReadStream(path));
 * for (let r; (r = yield* chunks.receiveCatching()).ok; ) hash.update(r.value);
 * ```
 */
export function fromReadable<T = Buffer>(readable: Readable, options?: StreamChannelOptions<T>): Operation<ReceiveChannel<T>> {
  const what = "fromReadable(readable, options)";
  checkStream(what, readable, "read");
  checkOptions(what, options);
  const capacity = options?.capacity ?? 1;
  channelSettings(what, capacity, options);
  return feed<T, ReadableSource<T>>(
    "fromReadable",
    () => channel<T>(capacity, options),
    () => just(new ReadableSource<T>(readable, "a readable stream")),
    (out, source) => pumpReadable(source, out, "fromReadable"),
    () => readable.destroy(),
  );
}

/**
 * @internal A `resource()` of the caller that feeds a channel from a pump
 * task and provides the channel. `setUp` runs first, in the resource's task
 * (what it opens belongs to the resource; its failure is thrown at the
 * caller); then the pump runs `body(out, state)`. The channel closes when the
 * body returns (with its error as the cause, if it fails); `teardown(state)`
 * runs when the pump ends, however it ends — the end of the input, the
 * receiver's cancel (at its next send), or the caller's task ending (the
 * resource's teardown cancels the channel and the pump).
 */
export function feed<T, S>(
  name: string,
  makeChannel: () => Channel<T>,
  setUp: () => Operation<S>,
  body: (out: Channel<T>, state: S) => Operation<void>,
  teardown: (state: S) => void,
): Operation<ReceiveChannel<T>> {
  return resource<ReceiveChannel<T>>(function* feeding(provide) {
    const state = yield* setUp();
    const out = makeChannel();
    yield* spawn(() => operation(pumping<T>, out, () => body(out, state), () => teardown(state)), { name: `${name} pump` });
    try {
      yield* provide(out);
    } finally {
      out.cancel();
    }
  });
}

/** @internal A pump task's body: `body()` feeds `out`; see `feed`. */
export function* pumping<T>(out: Channel<T>, body: () => Operation<void>, teardown: () => void): Iterator<Instruction, void, unknown> {
  try {
    yield* body();
    out.close();
  } catch (error) {
    if (out.isClosedForSend && error instanceof ChannelClosed) return; // the receiver cancelled: stop
    out.close(error);
  } finally {
    out.close(); // cancelled: receivers see the channel closed (no-op if it is already)
    teardown();
  }
}

/** An operation that returns `value` at once. */
export function* just<S>(value: S): Generator<Instruction, S, unknown> {
  return value;
}

/** @internal Reads `source` into `out` until the end of the stream. */
export function* pumpReadable<T>(source: ReadableSource<T>, out: Channel<T>, what: string): Generator<Instruction, void, unknown> {
  for (;;) {
    const chunk = yield* source.read(what);
    if (chunk === null) return;
    yield* out.send(chunk);
  }
}

/** A channel whose elements are written to a stream: `finish()` closes it and waits until all is written and the stream ended. */
export interface WritableChannel<T> extends Channel<T> {
  /** Closes the channel, waits until every element sent has been written and the stream ended and flushed. Throws the stream's error, if writing failed. */
  finish(): Operation<void>;
}

class WritableChannelImpl<T> extends ChannelImpl<T> implements WritableChannel<T> {
  pump: Task<void> | null = null;
  failed = false;
  error: unknown = undefined;
  finish(): Operation<void> {
    return operation(finishing, this as WritableChannelImpl<unknown>);
  }
}

function* finishing(channel: WritableChannelImpl<unknown>): Iterator<Instruction, void, unknown> {
  channel.close();
  yield* channel.pump!;
  if (channel.failed) throw channel.error;
}

/**
 * A channel whose elements are written to a Writable, with back-pressure: a
 * send waits while the stream's buffer is full (beyond the channel's
 * capacity). `finish()` closes the channel and waits until everything is
 * written and the stream has ended; a write error cancels the channel with
 * the error as its cause (a send then throws `ChannelClosed`) and `finish()`
 * throws it. The stream is destroyed when the caller's task ends, however it
 * ends, if it has not finished by then.
 *
 * ```ts
 * const out = yield* toWritable(createWriteStream(path));
 * for (const line of lines) yield* out.send(`${line}\n`);
 * yield* out.finish();
 * ```
 */
export function toWritable<T = Uint8Array | string>(writable: Writable, options?: StreamChannelOptions<T>): Operation<WritableChannel<T>> {
  const what = "toWritable(writable, options)";
  checkStream(what, writable, "write");
  checkOptions(what, options);
  const { size, overflow } = channelSettings(what, options?.capacity ?? 1, options);
  return resource<WritableChannel<T>>(function* toWritable(provide) {
    const target = new WritableTarget<T>(writable, "a writable stream");
    const input = new WritableChannelImpl<T>(size, overflow, options);
    input.pump = yield* spawn(
      function* () {
        try {
          for (;;) {
            const next = yield* input.receiveCatching();
            if (!next.ok) break;
            yield* target.write("toWritable", next.value);
          }
          yield* target.end("toWritable");
        } catch (error) {
          // finish() reports it; senders see the channel cancelled with it as the cause.
          input.failed = true;
          input.error = error;
          input.cancel(error);
        }
      },
      { name: "toWritable pump" },
    );
    try {
      yield* provide(input);
    } finally {
      input.cancel();
      if (!writable.writableFinished) writable.destroy();
    }
  });
}
