/**
 * Child processes: `spawnProcess` starts one owned by the current task. Its
 * stdout and stderr are channels of chunks (read with back-pressure: a
 * receiver that falls behind makes the child wait at its writes), its stdin
 * a writer, and its exit a set-up handle (`exit`, `wait()`, `onExit()`).
 *
 * It is a `resource()` of the caller: when the caller's task ends, however
 * it ends, a child still running is sent `killSignal`, its pipes are
 * destroyed, and the task waits until the OS has reaped it.
 */
import * as cp from "node:child_process";
import type { SelectClause } from "../core/clause.js";
import { operation } from "../core/operation.js";
import { channel, type Channel, type ReceiveChannel } from "../channel/channel.js";
import { call } from "../interop.js";
import { resource } from "../resource.js";
import { spawn } from "../spawn.js";
import type { Operation } from "../types.js";
import { checkOptions, show } from "../validate.js";
import { pumping, pumpReadable, ReadableSource, WritableTarget } from "./stream.js";
import { Pending, waitWithin, type WaitOptions } from "./wait.js";

export interface ProcessOptions {
  /** The child's working directory. */
  cwd?: string;
  /** The child's environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** "pipe" (default): a writer, `stdin`; "ignore"; or "inherit" this process's. */
  stdin?: "pipe" | "ignore" | "inherit";
  /** "pipe" (default): a channel, `stdout`; "ignore"; or "inherit" this process's. */
  stdout?: "pipe" | "ignore" | "inherit";
  /** As `stdout`. */
  stderr?: "pipe" | "ignore" | "inherit";
  /** Capacity of the stdout and stderr channels, in chunks. Default 4. */
  capacity?: number;
  /** The signal that stops a child still running when its owner ends. Default "SIGTERM". */
  killSignal?: NodeJS.Signals;
}

/** How a child process ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child's stdin: writes with back-pressure. */
export class ProcessInput {
  /** @internal */
  constructor(private readonly target: WritableTarget<Uint8Array | string>) {}
  /** Writes `data`, first waiting while the pipe's buffer is full. */
  write(data: Uint8Array | string, options?: WaitOptions): Operation<void> {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) throw new TypeError(`stdin.write(data): data must be a string or a Uint8Array, got ${show(data)}`);
    return waitWithin("stdin.write(data, options)", this.target.onWrite<void>("stdin.write()", data, undefined), options);
  }
  /** A select clause that writes `data` once the pipe takes more. */
  onWrite<const R = void>(data: Uint8Array | string, handler?: () => R): SelectClause<R> {
    return this.target.onWrite("stdin.onWrite()", data, handler);
  }
  /** Closes stdin (the child reads its end) once everything written is flushed. */
  end(): Operation<void> {
    return this.target.end("stdin.end()");
  }
}

/** A running (or exited) child process: see `spawnProcess`. It is also a transport for `strand/ipc` (a remote channel over its stdin and stdout). */
export class ChildProcess {
  /** The child's stdout as a channel of chunks; closed at its end (an empty closed channel unless "pipe"). */
  readonly stdout: ReceiveChannel<Buffer>;
  /** As `stdout`. */
  readonly stderr: ReceiveChannel<Buffer>;
  /** The child's stdin, or null unless "pipe". */
  readonly stdin: ProcessInput | null;
  /** Its exit, as a set-up handle: `yield* child.exit`, `child.exit.onDone()`, `child.exit.tryResult()`. */
  readonly exit: Pending<ExitStatus>;

  /** @internal */
  constructor(
    readonly raw: cp.ChildProcess,
    readonly command: string,
    stdout: ReceiveChannel<Buffer>,
    stderr: ReceiveChannel<Buffer>,
    stdin: ProcessInput | null,
    exit: Pending<ExitStatus>,
  ) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.stdin = stdin;
    this.exit = exit;
  }

  get pid(): number {
    return this.raw.pid!;
  }

  /** Waits for the child to exit and returns how it ended (it does not read its output: receive that meanwhile, or a child blocked writing never exits). */
  wait(options?: WaitOptions): Operation<ExitStatus> {
    return waitWithin("child.wait(options)", this.exit.onDone(), options);
  }

  /** A select clause that wins when the child exits; `handler(status)`'s result becomes the select's. */
  onExit<const R = ExitStatus>(handler?: (status: ExitStatus) => R): SelectClause<R> {
    return this.exit.onDone(handler);
  }

  /** Sends the child a signal (default SIGTERM); false if it could not be sent (it has exited). */
  kill(signal: NodeJS.Signals | number = "SIGTERM"): boolean {
    return this.raw.kill(signal);
  }
}

const STDIO = ["pipe", "ignore", "inherit"];

function checkProcessOptions(what: string, options: ProcessOptions | undefined): void {
  checkOptions(what, options);
  if (options === undefined) return;
  for (const name of ["stdin", "stdout", "stderr"] as const) {
    const value = options[name];
    if (value !== undefined && !STDIO.includes(value)) throw new TypeError(`${what}: options.${name} must be "pipe", "ignore" or "inherit", got ${show(value)}`);
  }
  if (options.cwd !== undefined && typeof options.cwd !== "string") throw new TypeError(`${what}: options.cwd must be a string, got ${show(options.cwd)}`);
  const capacity = options.capacity;
  if (capacity !== undefined && (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1)) throw new TypeError(`${what}: options.capacity must be a positive integer, got ${show(capacity)}`);
}

/**
 * Starts `command` with `args` (no shell) as a child process owned by the
 * current task, once the OS has started it (a command that cannot be
 * started throws here). When the task ends, however it ends, a child still
 * running gets `killSignal` and the task waits until it is gone.
 *
 * ```ts
 * const child = yield* spawnProcess("ls", ["-1"]);
 * for (let r; (r = yield* child.stdout.receiveCatching()).ok; ) process.stdout.write(r.value);
 * const { code } = yield* child.wait();
 * ```
 */
export function spawnProcess(command: string, args: readonly string[] = [], options?: ProcessOptions): Operation<ChildProcess> {
  const what = "spawnProcess(command, args, options)";
  if (typeof command !== "string" || command === "") throw new TypeError(`${what}: command must be a non-empty string, got ${show(command)}`);
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) throw new TypeError(`${what}: args must be an array of strings, got ${show(args)}`);
  checkProcessOptions(what, options);
  const argv = [...args];
  const settings = options ?? {};
  // One generator, the resource task's own frames: its finally may suspend (waiting for the child to be reaped).
  return resource<ChildProcess>(function* spawnProcess(provide) {
    const options = settings;
    const args = argv;
    const raw = cp.spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.stdin ?? "pipe", options.stdout ?? "pipe", options.stderr ?? "pipe"],
    });
    const name = `${command} (child process)`;
    const started = new Pending<void>(`start of ${name}`);
    const exit = new Pending<ExitStatus>(`exit of ${name}`);
    const closed = new Promise<void>((resolve) => raw.once("close", () => resolve()));
    raw.once("spawn", () => started.resolve(undefined));
    raw.on("error", (error) => started.reject(error)); // later errors (a failed kill) are ignored
    raw.once("exit", (code, signal) => exit.resolve({ code, signal }));
    try {
      yield* started; // throws, e.g. ENOENT: nothing was started
      const capacity = options.capacity ?? 4;
      const output = (stream: NodeJS.ReadableStream | null, label: string): Channel<Buffer> => {
        const out = channel<Buffer>(capacity, { name: `${label} of ${command}` });
        if (stream === null) out.close();
        return out;
      };
      const stdout = output(raw.stdout, "stdout");
      const stderr = output(raw.stderr, "stderr");
      for (const [stream, out, label] of [
        [raw.stdout, stdout, "stdout"],
        [raw.stderr, stderr, "stderr"],
      ] as const) {
        if (stream === null) continue;
        const source = new ReadableSource<Buffer>(stream, `${label} of ${name}`);
        yield* spawn(() => operation(pumping<Buffer>, out, () => pumpReadable(source, out, `${label} read`), () => {}), { name: `${label} pump of ${command}` });
      }
      const stdin = raw.stdin === null ? null : new ProcessInput(new WritableTarget(raw.stdin, `stdin of ${name}`));
      yield* provide(new ChildProcess(raw, command, stdout, stderr, stdin, exit));
    } finally {
      if (raw.exitCode === null && raw.signalCode === null && raw.pid !== undefined) raw.kill(options.killSignal ?? "SIGTERM");
      raw.stdin?.destroy();
      raw.stdout?.destroy();
      raw.stderr?.destroy();
      if (raw.pid !== undefined) yield* call(() => closed);
    }
  });
}
