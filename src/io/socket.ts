/**
 * TCP and Unix-domain sockets: `listen` and `connect`, a `Server` that
 * accepts, and a `Socket` that reads and writes with back-pressure and
 * deadlines. Both are handles (handle.ts), closed when their owner ends.
 *
 * A server queues the connections the OS hands it until a task accepts them
 * (queued ones belong to the server and close with it); an accepted socket
 * belongs to the accepting task (`adopt` hands it to another).
 */
import * as net from "node:net";
import { NOT_READY, type SelectClause } from "../core/clause.js";
import type { Instruction } from "../core/instructions.js";
import { operation } from "../core/operation.js";
import type { Operation } from "../types.js";
import { show } from "../validate.js";
import { keep } from "../core/keep.js";
import { HandleClosed } from "./errors.js";
import { Handle, own } from "./handle.js";
import { ReadableSource, WritableTarget } from "./stream.js";
import { IoClause, Notifier, Pending, checkWaitOptions, waitWithin, type PollResult, type WaitOptions } from "./wait.js";

/** Where to connect or listen: a TCP port (and host), or a Unix socket's path. */
export type SocketAddress = { port: number; host?: string } | { path: string };

export interface ListenOptions {
  /** The TCP port (0: any free one; read it back from `server.port`), or… */
  port?: number;
  /** …the Unix socket's path. */
  path?: string;
  /** The address to bind (TCP). Default: Node's (every interface). */
  host?: string;
  /** The OS's queue of connections not yet taken by the server. */
  backlog?: number;
}

function checkAddress(what: string, options: unknown): { port?: number; host?: string; path?: string } {
  if (typeof options !== "object" || options === null) throw new TypeError(`${what}: options must be an object { port, host } or { path }, got ${show(options)}`);
  const { port, host, path } = options as { port?: unknown; host?: unknown; path?: unknown };
  if (path !== undefined) {
    if (typeof path !== "string" || path === "") throw new TypeError(`${what}: options.path must be a non-empty string, got ${show(path)}`);
    if (port !== undefined) throw new TypeError(`${what}: give options.port or options.path, not both`);
    return { path };
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`${what}: options.port must be an integer from 0 to 65535 (or give options.path), got ${show(port)}`);
  }
  if (host !== undefined && typeof host !== "string") throw new TypeError(`${what}: options.host must be a string, got ${show(host)}`);
  return host === undefined ? { port } : { port, host };
}

/** A connected socket: read and write with back-pressure; closed when its owner ends. */
export class Socket extends Handle {
  private readonly input: ReadableSource<Buffer>;
  private readonly output: WritableTarget<Uint8Array | string>;
  private readonly name: string;

  /** @internal Wraps a connected `net.Socket`; the caller owns it. */
  constructor(readonly raw: net.Socket) {
    super();
    if (!keptSocket) keepSocket();
    this.name =
      raw.remotePort !== undefined ? `socket ${raw.localAddress}:${raw.localPort} → ${raw.remoteAddress}:${raw.remotePort}` : `socket ${raw.remoteAddress ?? "(unix)"}`;
    const check = (what: string) => this.checkOpen(what);
    this.input = new ReadableSource<Buffer>(raw, this.name, check);
    this.output = new WritableTarget<Uint8Array | string>(raw, this.name, check);
  }

  get description(): string {
    return this.name;
  }

  /** @internal What reads this socket's stream. Whatever else reads the socket (the IPC bridge) reads through it: a second reader of the stream would get every chunk twice. */
  get source(): ReadableSource<Buffer> {
    return this.input;
  }

  /** The next bytes received (whatever has arrived, at least one byte), waiting for some; `null` once the peer has ended its side. */
  read(options?: WaitOptions): Operation<Buffer | null> {
    if (options === undefined) return this.input.read("socket.read()"); // the hot path: one trap, no clause
    return waitWithin("socket.read(options)", this.input.onRead<Buffer | null>("socket.read()", undefined), options);
  }

  /** The bytes received so far, without waiting: `{ ok: true, value }` (`value` null at the end), or `{ ok: false }` if none yet. */
  tryRead(): PollResult<Buffer | null> {
    const chunk = this.input.poll("socket.tryRead()");
    return chunk === NOT_READY ? { ok: false } : { ok: true, value: chunk };
  }

  /** A select clause that reads, as `read()`; `handler(chunk)`'s result becomes the select's. */
  onRead<const R = Buffer | null>(handler?: (chunk: Buffer | null) => R): SelectClause<R> {
    return this.input.onRead("socket.onRead()", handler);
  }

  /** Writes `data`, first waiting while the socket's send buffer is full (back-pressure). */
  write(data: Uint8Array | string, options?: WaitOptions): Operation<void> {
    checkData("socket.write(data)", data);
    if (options === undefined) return this.output.write("socket.write()", data);
    return waitWithin("socket.write(data, options)", this.output.onWrite<void>("socket.write()", data, undefined), options);
  }

  /** A select clause that writes `data` once the socket takes more. */
  onWrite<const R = void>(data: Uint8Array | string, handler?: () => R): SelectClause<R> {
    checkData("socket.onWrite(data)", data);
    return this.output.onWrite("socket.onWrite()", data, handler);
  }

  /** Ends the sending side (the peer reads `null`) once all written data is flushed; reading goes on. */
  end(options?: WaitOptions): Operation<void> {
    return waitWithin("socket.end(options)", new EndClause(this.output), options);
  }

  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }
  get localPort(): number | undefined {
    return this.raw.localPort;
  }

  protected release(): Promise<void> {
    return destroyed(this.raw);
  }
}

let keptSocket = false;

/**
 * Keeps the hidden classes of a socket and of its reads and writes alive
 * (core/keep.ts): a server whose connections have all closed when a full GC
 * runs would otherwise lose them, and serve the next ones in code V8 has
 * thrown away ("weak objects" in `--trace-deopt`). The sample wraps a socket
 * that never connects: it holds no descriptor and no libuv handle.
 */
function keepSocket(): void {
  keptSocket = true;
  const sample = new Socket(new net.Socket());
  keep(sample);
  keep(sample.read());
  keep(sample.write(Buffer.alloc(0)));
}

class EndClause extends IoClause<void> {
  constructor(private readonly output: WritableTarget<Uint8Array | string>) {
    super();
  }
  describe(): string {
    return `socket.end() on ${this.output.description}`;
  }
  protected get source(): Notifier {
    return this.output.writable;
  }
  protected poll(): void | typeof NOT_READY {
    return this.output.pollEnd("socket.end()");
  }
}

function checkData(what: string, data: unknown): void {
  if (typeof data !== "string" && !(data instanceof Uint8Array)) throw new TypeError(`${what}: data must be a string or a Uint8Array (Buffer), got ${show(data)}`);
}

/** Destroys a socket; settles once it has closed. */
function destroyed(raw: net.Socket): Promise<void> {
  if (raw.closed) return Promise.resolve();
  return new Promise((resolve) => {
    raw.once("close", () => resolve());
    raw.destroy();
  });
}

/** A listening server: accepts connections, each a `Socket` owned by the accepting task. */
export class Server extends Handle {
  private readonly queue: net.Socket[] = [];
  private readonly incoming = new Notifier();
  private error: unknown = undefined;
  private failed = false;

  /** @internal Wraps a `net.Server` (listening, or about to). */
  constructor(readonly raw: net.Server) {
    super();
    raw.on("connection", (socket: net.Socket) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      socket.on("error", () => {}); // until accepted: an error surfaces at the first read or write
      this.queue.push(socket);
      this.incoming.notify();
    });
    raw.on("error", (error) => {
      if (!this.failed) {
        this.failed = true;
        this.error = error;
      }
      this.incoming.notify();
    });
    raw.on("close", () => this.incoming.notify());
  }

  get description(): string {
    const address = this.raw.address();
    return typeof address === "string" ? `server ${address}` : address !== null ? `server ${address.address}:${address.port}` : "server";
  }

  /** The address it listens on: `{ address, family, port }` for TCP, the path for a Unix socket. */
  get address(): net.AddressInfo | string {
    return this.raw.address() as net.AddressInfo | string;
  }

  /** The TCP port it listens on (the free port chosen for `port: 0`). */
  get port(): number {
    const address = this.raw.address();
    if (address === null || typeof address === "string") throw new TypeError(`${this.description} listens on a Unix socket, which has no port`);
    return address.port;
  }

  /** Waits for the next connection and returns it, owned by the current task. */
  accept(options?: WaitOptions): Operation<Socket> {
    return waitWithin("server.accept(options)", new AcceptClause<Socket>(this, "server.accept()", undefined), options);
  }

  /** A connection already waiting, without waiting: `{ ok: true, value }`, or `{ ok: false }` if none. */
  tryAccept(): PollResult<Socket> {
    const socket = this.poll("server.tryAccept()");
    return socket === NOT_READY ? { ok: false } : { ok: true, value: socket };
  }

  /** A select clause that accepts the next connection; `handler(socket)`'s result becomes the select's. */
  onAccept<const R = Socket>(handler?: (socket: Socket) => R): SelectClause<R> {
    return new AcceptClause(this, "server.onAccept()", handler);
  }

  /** @internal The next queued connection, owned by the current task, or NOT_READY. */
  poll(what: string): Socket | typeof NOT_READY {
    this.checkOpen(what);
    const raw = this.queue.shift();
    if (raw !== undefined) {
      raw.removeAllListeners("error");
      return own(what, new Socket(raw));
    }
    if (this.failed) throw this.error;
    if (!this.raw.listening) throw new HandleClosed(`${what}: ${this.description} is no longer listening`);
    return NOT_READY;
  }

  /** @internal */
  get notifier(): Notifier {
    return this.incoming;
  }

  protected release(): Promise<void> {
    const queued = this.queue.splice(0).map(destroyed);
    this.incoming.notify();
    const stopped = new Promise<void>((resolve) => {
      if (!this.raw.listening) return resolve();
      this.raw.close(() => resolve());
    });
    return Promise.all([stopped, ...queued]).then(() => {});
  }
}

class AcceptClause<R> extends IoClause<R> {
  constructor(
    private readonly server: Server,
    private readonly what: string,
    private readonly handler: ((socket: Socket) => R) | undefined,
  ) {
    super();
  }
  describe(): string {
    return `${this.what} on ${this.server.description}`;
  }
  protected get source(): Notifier {
    return this.server.notifier;
  }
  protected poll(): R | typeof NOT_READY {
    const socket = this.server.poll(this.what);
    if (socket === NOT_READY) return NOT_READY;
    return this.handler === undefined ? (socket as R) : this.handler(socket);
  }
}

/**
 * Starts listening on a TCP port (`{ port: 0 }` picks a free one) or a Unix
 * socket path, and returns the server once it listens. It belongs to the
 * current task: it stops listening when the task ends, however it ends.
 *
 * ```ts
 * const server = yield* listen({ port: 0, host: "127.0.0.1" });
 * const conn = yield* server.accept();
 * ```
 */
export function listen(options: ListenOptions): Operation<Server> {
  const what = "listen(options)";
  const address = checkAddress(what, options);
  const backlog = options.backlog;
  if (backlog !== undefined && (typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 0)) {
    throw new TypeError(`${what}: options.backlog must be a non-negative integer, got ${show(backlog)}`);
  }
  return operation(listening, address, backlog);
}

function* listening(address: { port?: number; host?: string; path?: string }, backlog: number | undefined): Iterator<Instruction, Server, unknown> {
  return yield* settle(startListen({ ...address, backlog }));
}

/** The set-up form of `listen`: starts listening and returns at once (see `Pending`). */
export function startListen(options: ListenOptions): Pending<Server> {
  const what = "startListen(options)";
  const address = checkAddress(what, options);
  const raw = net.createServer();
  const server = own(what, new Server(raw));
  const pending = new Pending<Server>(`listen on ${address.path ?? `${address.host ?? "*"}:${address.port}`}`, () => server.startClose());
  const failed = (error: unknown) => {
    pending.reject(error);
    server.startClose();
  };
  raw.once("error", failed);
  raw.once("listening", () => {
    raw.removeListener("error", failed);
    pending.resolve(server);
  });
  raw.listen({ ...address, backlog: options.backlog });
  return pending;
}

/**
 * Connects to a TCP port or a Unix socket and returns the socket, owned by
 * the current task. Cancelled while connecting, it leaves nothing open.
 *
 * ```ts
 * const socket = yield* connect({ port: 8080, host: "127.0.0.1" }, { timeout: 1_000 });
 * yield* socket.write("hello\n");
 * ```
 */
export function connect(address: SocketAddress, options?: WaitOptions): Operation<Socket> {
  const what = "connect(address, options)";
  const checked = checkAddress(what, address);
  checkWaitOptions(what, options);
  return operation(connecting, checked, options);
}

function* connecting(address: { port?: number; host?: string; path?: string }, options: WaitOptions | undefined): Iterator<Instruction, Socket, unknown> {
  return yield* settle(startConnect(address as SocketAddress), options);
}

/** The set-up form of `connect`: starts connecting and returns at once (see `Pending`). */
export function startConnect(address: SocketAddress): Pending<Socket> {
  const what = "startConnect(address)";
  const checked = checkAddress(what, address);
  const raw = checked.path !== undefined ? net.connect({ path: checked.path }) : net.connect({ port: checked.port!, host: checked.host ?? "127.0.0.1" });
  const socket = own(what, new Socket(raw));
  const pending = new Pending<Socket>(`connect to ${checked.path ?? `${checked.host ?? "127.0.0.1"}:${checked.port}`}`, () => socket.startClose());
  const failed = (error: unknown) => {
    pending.reject(error);
    socket.startClose();
  };
  raw.once("error", failed);
  raw.once("connect", () => {
    raw.removeListener("error", failed);
    pending.resolve(socket);
  });
  return pending;
}

/**
 * Waits for a set-up to settle; if the wait ends without its value (cancelled,
 * timed out), the handle it was making is closed, since nobody can take it.
 */
function* settle<T extends Handle>(pending: Pending<T>, options?: WaitOptions): Generator<Instruction, T, unknown> {
  let taken = false;
  try {
    const handle = yield* waitWithin("", pending.onDone(), options);
    taken = true;
    return handle;
  } finally {
    // Nobody can take the handle now: it closes (the task's end waits for that; a finally that suspends would not unwind right).
    if (!taken) void pending.discard();
  }
}
