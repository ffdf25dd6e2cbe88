/**
 * Files: `open` a file as a handle, read and write it; `chunks(path)` and
 * `lines(path)` stream one through a channel with back-pressure.
 *
 * A `File` keeps its own position: a sequential `read`/`write` advances it
 * only when the operation completes, so one cancelled mid-way (whose libuv
 * request still finishes in the thread pool) leaves the position as it was.
 * Closing waits for the requests still in flight before it closes the
 * descriptor, so a late request can never touch a descriptor number the OS
 * has given to another file meanwhile.
 */
import * as fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Instruction } from "../core/instructions.js";
import { operation } from "../core/operation.js";
import { channel, channelSettings, type Capacity, type Channel, type ChannelOptions, type ReceiveChannel } from "../channel/channel.js";
import type { Operation } from "../types.js";
import { checkOptions, show } from "../validate.js";
import { Handle, own } from "./handle.js";
import { HandleClosed } from "./errors.js";
import { keep } from "../core/keep.js";
import { feed } from "./stream.js";
import { Pending, waitFor } from "./wait.js";

/** The default size of a read: 64 KiB, as Node's file streams. */
const CHUNK = 64 * 1024;

export interface OpenOptions {
  /** The mode bits a created file gets. Default 0o666 (less the umask). */
  mode?: number;
}

function checkPath(what: string, path: unknown): string {
  if (typeof path !== "string" || path === "") throw new TypeError(`${what}: path must be a non-empty string, got ${show(path)}`);
  return path;
}

function checkFlags(what: string, flags: unknown): string {
  if (typeof flags !== "string" || !/^(r|r\+|rs\+|w|wx|w\+|wx\+|a|ax|a\+|ax\+|as|as\+)$/.test(flags)) {
    throw new TypeError(`${what}: flags must be one of "r", "r+", "w", "w+", "wx", "a", "a+", ... (as fs.open), got ${show(flags)}`);
  }
  return flags;
}

function checkSize(what: string, name: string, size: unknown): number {
  if (typeof size !== "number" || !Number.isInteger(size) || size <= 0 || size > 0x7fffffff) throw new TypeError(`${what}: ${name} must be a positive integer, got ${show(size)}`);
  return size;
}

function checkPosition(what: string, position: unknown): number {
  if (typeof position !== "number" || !Number.isSafeInteger(position) || position < 0) throw new TypeError(`${what}: position must be a non-negative integer, got ${show(position)}`);
  return position;
}

/** An open file: reads and writes at its own position (or at one given); closed when its owner ends. */
export class File extends Handle {
  /** Where the next sequential `read` or `write` starts. */
  position = 0;
  private inflight = 0;
  private idle: (() => void) | null = null;

  /** @internal */
  constructor(
    readonly fd: number,
    readonly path: string,
    private readonly appending: boolean,
  ) {
    super();
    if (!keptFile) keepFile();
  }

  get description(): string {
    return `file ${JSON.stringify(this.path)}`;
  }

  /** Reads up to `size` bytes at the file's position and advances it; `null` at the end of the file. */
  read(size = CHUNK): Operation<Buffer | null> {
    checkSize("file.read(size)", "size", size);
    return operation(reading, this, size);
  }

  /** The set-up form of a read: starts reading `size` bytes at `position` (default: the file's position, which it does not advance) and returns at once. */
  startRead(size = CHUNK, position = this.position): Pending<Buffer | null> {
    const what = "file.startRead(size, position)";
    checkSize(what, "size", size);
    checkPosition(what, position);
    this.checkOpen(what);
    const pending = new Pending<Buffer | null>(`read of ${this.description}`);
    const buffer = Buffer.allocUnsafe(size);
    this.begun();
    fs.read(this.fd, buffer, 0, size, position, (error, n) => {
      this.finished();
      if (error !== null) pending.reject(error);
      else pending.resolve(n === 0 ? null : n === size ? buffer : buffer.subarray(0, n));
    });
    return pending;
  }

  /** Writes all of `data` at the file's position (at the end, if opened for appending) and advances it. */
  write(data: Uint8Array | string): Operation<void> {
    checkData("file.write(data)", data);
    return operation(writing, this, typeof data === "string" ? Buffer.from(data) : data);
  }

  /** The set-up form of a write: starts writing all of `data` at `position` (default: the file's position, which it does not advance) and returns at once. */
  startWrite(data: Uint8Array | string, position = this.position): Pending<void> {
    const what = "file.startWrite(data, position)";
    checkData(what, data);
    checkPosition(what, position);
    this.checkOpen(what);
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    const pending = new Pending<void>(`write to ${this.description}`);
    this.begun();
    const step = (offset: number): void => {
      fs.write(this.fd, bytes, offset, bytes.length - offset, this.appending ? null : position + offset, (error, n) => {
        if (error !== null) {
          this.finished();
          pending.reject(error);
        } else if (offset + n < bytes.length) {
          step(offset + n);
        } else {
          this.finished();
          pending.resolve(undefined);
        }
      });
    };
    step(0);
    return pending;
  }

  private begun(): void {
    this.inflight++;
  }

  private finished(): void {
    if (--this.inflight === 0 && this.idle !== null) this.idle();
  }

  protected release(): Promise<void> {
    return new Promise((resolve) => {
      const close = () => fs.close(this.fd, () => resolve());
      if (this.inflight === 0) close();
      else this.idle = close;
    });
  }
}

let keptFile = false;

/**
 * Keeps a file's hidden classes alive (core/keep.ts), as for sockets
 * (socket.ts `keepSocket`); the waits on its reads and writes are kept by
 * wait.ts, the operations that run them by the core. The sample holds no
 * descriptor (-1): it is never read, written or closed.
 */
function keepFile(): void {
  keptFile = true;
  keep(new File(-1, "a sample", false));
}

function* reading(file: File, size: number): Iterator<Instruction, Buffer | null, unknown> {
  const chunk = yield* waitFor(file.startRead(size).onDone());
  if (chunk !== null) file.position += chunk.length;
  return chunk;
}

function* writing(file: File, data: Uint8Array): Iterator<Instruction, void, unknown> {
  yield* waitFor(file.startWrite(data).onDone());
  file.position += data.length;
}

function checkData(what: string, data: unknown): void {
  if (typeof data !== "string" && !(data instanceof Uint8Array)) throw new TypeError(`${what}: data must be a string or a Uint8Array (Buffer), got ${show(data)}`);
}

/**
 * Opens a file (`flags` as `fs.open`: "r" reads, "w" truncates or creates,
 * "a" appends, ...) and returns it, owned by the current task: it is closed
 * when the task ends, however it ends.
 *
 * ```ts
 * const file = yield* open(path, "w");
 * yield* file.write("hello\n");
 * yield* file.close();
 * ```
 */
export function open(path: string, flags = "r", options?: OpenOptions): Operation<File> {
  const what = "open(path, flags, options)";
  checkPath(what, path);
  checkFlags(what, flags);
  checkOpenOptions(what, options);
  return operation(opening, path, flags, options);
}

function checkOpenOptions(what: string, options: OpenOptions | undefined): void {
  checkOptions(what, options);
  const mode = options?.mode;
  if (mode !== undefined && (typeof mode !== "number" || !Number.isInteger(mode) || mode < 0 || mode > 0o7777)) throw new TypeError(`${what}: options.mode must be file mode bits (0 to 0o7777), got ${show(mode)}`);
}

function* opening(path: string, flags: string, options: OpenOptions | undefined): Iterator<Instruction, File, unknown> {
  const pending = startOpen(path, flags, options);
  let taken = false;
  try {
    const file = yield* waitFor(pending.onDone());
    taken = true;
    return file;
  } finally {
    // Nobody can take the file now: it closes (the task's end waits for that; a finally that suspends would not unwind right).
    if (!taken) void pending.discard();
  }
}

/** The set-up form of `open`: starts opening and returns at once (see `Pending`); the file is the current task's. */
export function startOpen(path: string, flags = "r", options?: OpenOptions): Pending<File> {
  const what = "startOpen(path, flags, options)";
  checkPath(what, path);
  checkFlags(what, flags);
  checkOpenOptions(what, options);
  // The file exists only once the OS answers; it is owned from then, by the task that started it.
  const owner = own(what, new Opening(path));
  const pending = new Pending<File>(`open ${JSON.stringify(path)}`, () => owner.startClose());
  fs.open(path, flags, options?.mode ?? 0o666, (error, fd) => {
    if (error !== null) {
      owner.settle();
      void owner.startClose();
      pending.reject(error);
      return;
    }
    const file = new File(fd, path, flags.startsWith("a"));
    if (!owner.replaceWith(file)) {
      // The wait was abandoned, or its task ended, meanwhile: nobody can take the file.
      void file.startClose().then(owner.settle);
      pending.reject(new HandleClosed(`open ${JSON.stringify(path)}: closed before it opened`));
      return;
    }
    owner.settle();
    pending.resolve(file);
  });
  return pending;
}

/** A file being opened: stands in its owner's set until the descriptor exists, then the File takes its place. */
class Opening extends Handle {
  /** Settles once the OS has answered and a descriptor nobody took is closed again: closing an opening file waits for that. */
  readonly answered: Promise<void>;
  settle!: () => void;
  constructor(private readonly path: string) {
    super();
    this.answered = new Promise((resolve) => (this.settle = resolve));
  }
  get description(): string {
    return `file ${JSON.stringify(this.path)} (opening)`;
  }
  protected release(): Promise<void> {
    return this.answered;
  }
}

export interface ChunksOptions<T> extends ChannelOptions<T> {
  /** The size of each read, in bytes. Default 64 KiB. */
  size?: number;
  /** The channel's capacity, in chunks: how far reading runs ahead of the receiver. Default 4. */
  capacity?: Capacity;
}

/**
 * Streams a file through a channel in chunks, with back-pressure: reading
 * stays at most `capacity` chunks ahead of the receiver. The channel closes
 * at the end of the file (with the error as its cause, if reading fails);
 * the file is closed when the caller's task ends, however it ends, or when
 * the receiver cancels the channel. Opening errors are thrown here.
 *
 * ```ts
 * const hash = createHash("sha256");
 * yield* consumeEach(yield* chunks(path), (chunk) => void hash.update(chunk));
 * ```
 */
export function chunks(path: string, options?: ChunksOptions<Buffer>): Operation<ReceiveChannel<Buffer>> {
  const what = "chunks(path, options)";
  checkPath(what, path);
  checkOptions(what, options);
  const size = options?.size === undefined ? CHUNK : checkSize(what, "options.size", options.size);
  const capacity = options?.capacity ?? 4;
  channelSettings(what, capacity, options);
  return fileFeed<Buffer>("chunks", path, () => channel<Buffer>(capacity, options), function* (file, out) {
    for (;;) {
      const chunk = yield* file.read(size);
      if (chunk === null) return;
      yield* out.send(chunk);
    }
  });
}

export interface LinesOptions<T> extends ChannelOptions<T> {
  /** The channel's capacity, in lines. Default 64. */
  capacity?: Capacity;
}

/**
 * Streams a UTF-8 text file through a channel one line at a time (without
 * the "\n" or "\r\n"; a last line without one is still a line), with
 * back-pressure. Closing and errors as `chunks`.
 *
 * ```ts
 * const rows = yield* lines("data.csv");
 * for (let r; (r = yield* rows.receiveCatching()).ok; ) console.log(r.value);
 * ```
 */
export function lines(path: string, options?: LinesOptions<string>): Operation<ReceiveChannel<string>> {
  const what = "lines(path, options)";
  checkPath(what, path);
  checkOptions(what, options);
  const capacity = options?.capacity ?? 64;
  channelSettings(what, capacity, options);
  return fileFeed<string>("lines", path, () => channel<string>(capacity, options), function* (file, out) {
    const decoder = new StringDecoder("utf8");
    let partial = "";
    for (;;) {
      const chunk = yield* file.read();
      const text = chunk === null ? partial + decoder.end() : partial + decoder.write(chunk);
      const parts = text.split("\n");
      partial = chunk === null ? "" : parts.pop()!;
      if (chunk === null && parts.at(-1) === "") parts.pop(); // the file ended with "\n"
      for (const line of parts) yield* out.send(line.endsWith("\r") ? line.slice(0, -1) : line);
      if (chunk === null) return;
    }
  });
}

/** Opens `path` in the caller's resource, then feeds a channel from it in a pump task; the file closes when the pump ends. */
function fileFeed<T>(name: string, path: string, makeChannel: () => Channel<T>, body: (file: File, out: Channel<T>) => Operation<void>): Operation<ReceiveChannel<T>> {
  return feed<T, File>(
    name,
    makeChannel,
    () => open(path, "r"),
    (out, file) => body(file, out),
    (file) => void file.startClose(),
  );
}
