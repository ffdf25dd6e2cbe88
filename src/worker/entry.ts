/**
 * A pool's worker thread: loads the pool's module, then runs one Strand
 * runtime. Each START calls its function at once, in the port's message
 * handler (or in the inject queue's loop, which takes the port's messages
 * before each call of the queue): a plain result is posted back from there;
 * an operation (or a promise) runs as a child task of the root, named for
 * the function, and ends by posting DONE, FAILED or CANCELLED — after its
 * `finally` blocks and children, since the runner's own frames unwind last.
 * CLOSE cancels what runs and ends the thread.
 */
import { parentPort, receiveMessageOnPort, threadId, workerData, type TransferListItem } from "node:worker_threads";
import { setThreadTag } from "../core/ids.js";
import { isOperation } from "../core/operation.js";
import { channel, type Channel, type ChannelImpl } from "../channel/channel.js";
import { run } from "../run.js";
import { yieldNow } from "../scheduling.js";
import { spawn, current } from "../spawn.js";
import { scoped } from "../scope.js";
import { call, hold } from "../interop.js";
import type { Task } from "../core/task.js";
import type { Operation } from "../types.js";
import { unwrapTransfer } from "./transfer.js";
import { attachChannel, isSharedChannelHandle } from "./shared-channel.js";
import { callCodec } from "./call-codec.js";
import { CANCEL, CANCELLED, CLAIM_CELLS, CLOSE, DONE, FAILED, INJECT_CELLS, LOAD_FAILED, READY, START, TAKEN, TOOK, taker, type ErrorData, type FromWorker, type Injected, type ToWorker, type WorkerSetup } from "./protocol.js";

const port = parentPort!;
const tag = `w${threadId}`;
setThreadTag(tag); // before the thread creates any task, so every id here reads `w3.7`
const setup = workerData as WorkerSetup;
const claims = new Int32Array(setup.claims);
const injectClaims = new Int32Array(setup.injectClaims);

function post(message: FromWorker, transfer: readonly TransferListItem[] = []): void {
  port.postMessage(message, transfer);
}

function errorData(error: unknown, path: string): ErrorData {
  const data: ErrorData =
    error instanceof Error
      ? { name: error.name, message: error.message, stack: error.stack ?? `${error.name}: ${error.message}`, path, error }
      : { name: typeof error, message: String(error), stack: String(error), path, error };
  try {
    structuredClone(data.error);
  } catch {
    delete data.error; // not cloneable (a function inside): its text still crosses
  }
  return data;
}

let exports: Record<string, unknown>;
try {
  exports = (await import(setup.module)) as Record<string, unknown>;
} catch (error) {
  post({ t: LOAD_FAILED, error: errorData(error, `${tag} (loading the module)`) });
  process.exit(1);
}

/** A call whose function returned an operation or a promise: it runs as a task of the worker's runtime. */
interface Running {
  id: number;
  fnName: string;
  result: unknown;
}

/** What the root task takes from the port: calls to run as tasks, cancellations, the end. */
type Inbox = { t: typeof START; call: Running } | Exclude<ToWorker, { t: typeof START }>;

function* runResult(result: unknown): Operation<unknown> {
  if (isOperation(result)) return yield* result;
  return yield* call(() => result as PromiseLike<unknown>);
}

/** `took`: the call came from the inject queue and no TOOK was posted for it (see protocol.ts). */
function postResult(id: number, fnName: string, result: unknown, path: string, took?: true): void {
  const { value, transfer } = unwrapTransfer(result);
  try {
    post(took ? { t: DONE, id, value, took } : { t: DONE, id, value }, transfer);
  } catch (error) {
    postFailed(id, errorData(new TypeError(`${fnName}() returned a value that cannot be posted back: ${(error as Error).message}`), path), took);
  }
}

function postFailed(id: number, error: ErrorData, took?: true): void {
  post(took ? { t: FAILED, id, error, took } : { t: FAILED, id, error });
}

function* runner({ id, fnName, result }: Running, running: Map<number, Task<unknown>>, idle: Channel<true>): Operation<void> {
  const me = yield* current();
  let reported = false;
  try {
    // A scope of its own (named for the function): a failure of a task it spawns is thrown here, not at the worker's root.
    const body = { [fnName]: () => runResult(result) }[fnName]!;
    const value = yield* scoped(body);
    reported = true;
    postResult(id, fnName, value, me.path);
  } catch (error) {
    reported = true;
    postFailed(id, errorData(error, me.path));
  } finally {
    running.delete(id);
    if (running.size === 0) idle.trySend(true);
    if (!reported) post({ t: CANCELLED, id });
  }
}

/**
 * Takes a START: calls the function at once. A plain result (a synchronous
 * function: nothing to wait for, nothing to cancel) is posted back from here;
 * an operation or a promise becomes a task of the runtime (via `inbox`).
 * `took`: the call came from the inject queue, and the pool has not been told.
 */
function start(message: { id: number; fn: string; args: unknown[] }, inbox: Channel<Inbox>, took?: true): void {
  const { id, fn: fnName } = message;
  const path = `${fnName} on worker ${tag} (a plain function, outside any task)`;
  let result: unknown;
  try {
    const fn = exports[fnName];
    if (typeof fn !== "function") {
      throw new TypeError(`spawnOn(pool, "${fnName}"): the pool's module ${setup.module} exports no function named "${fnName}" (it exports: ${Object.keys(exports).join(", ") || "nothing"})`);
    }
    // A shared channel among the arguments crossed as its handle: open it here (one with a custom codec stays a handle, for attachChannel).
    const args = message.args.map((arg) => (isSharedChannelHandle(arg) && arg.codec !== "custom" ? attachChannel(arg) : arg));
    result = fn(...args);
  } catch (error) {
    postFailed(id, errorData(error, path), took);
    return;
  }
  if ((isOperation(result) && typeof result !== "string" && !Array.isArray(result)) || typeof (result as PromiseLike<unknown> | null)?.then === "function") {
    if (took) post({ t: TOOK, id }); // it runs on here, and may be cancelled: the pool must know where
    inbox.trySend({ t: START, call: { id, fnName, result } });
  } else {
    postResult(id, fnName, result, path, took);
  }
}

/**
 * Takes calls from the pool's inject queue while this worker has nothing
 * running (a plain function's call runs to its end here, so it waits for it),
 * claiming each by its cell (protocol.ts) and telling the pool (protocol.ts's TOOK).
 */
function* injecting(inbox: ChannelImpl<Inbox>, running: Map<number, Task<unknown>>, idle: Channel<true>, onMessage: (message: ToWorker) => void): Operation<void> {
  const inject = attachChannel<Injected>(setup.inject, { codec: callCodec });
  for (;;) {
    if (running.size > 0) {
      yield* idle.receive(); // conflated: a stale signal only means one more look
      continue;
    }
    // Calls posted to this worker come first. A run of queued plain calls never
    // returns to the event loop, so they are taken from the port here: else a
    // call posted to this worker waits behind the whole queue while the others,
    // queue drained, have nothing to do.
    const posted = receiveMessageOnPort(port);
    if (posted !== undefined) {
      onMessage(posted.message as ToWorker);
      continue;
    }
    if (inbox.buffer.length > 0) {
      yield* yieldNow(); // calls from the port come first
      continue;
    }
    const result = yield* inject.receiveCatching();
    if (!result.ok) return; // the pool closed it
    const call = result.value;
    const cell = call.id % INJECT_CELLS;
    if (Atomics.compareExchange(injectClaims, cell, call.id + 1, taker(setup.index)) !== call.id + 1) continue; // withdrawn
    start(call, inbox, true); // tells the pool it took the call (TOOK, or `took` on the result)
  }
}

post({ t: READY, tag });

await run(function* worker() {
  const release = yield* hold(); // the port: the pool may always send more
  const inbox = channel<Inbox>("unlimited", { name: "pool messages" }) as ChannelImpl<Inbox>; // the inject loop looks at its buffer
  const onMessage = (message: ToWorker): void => {
    if (message.t !== START) inbox.trySend(message);
    // Lost the claim: the pool moved the task to another worker before this one took it.
    else if (Atomics.compareExchange(claims, message.seq % CLAIM_CELLS, message.seq + 1, TAKEN) === message.seq + 1) start(message, inbox);
  };
  port.on("message", onMessage);
  const running = new Map<number, Task<unknown>>();
  /** Told when the last running task ended: the injector may take more. */
  const idle = channel<true>("conflated", { name: "idle" });
  const injector = yield* spawn(() => injecting(inbox, running, idle, onMessage), { name: "inject queue" });
  try {
    for (;;) {
      const message = yield* inbox.receive();
      if (message.t === START) {
        const { call } = message;
        running.set(call.id, yield* spawn(() => runner(call, running, idle), { name: call.fnName }));
      } else if (message.t === CANCEL) {
        void running.get(message.id)?.cancel();
      } else if (message.t === CLOSE) {
        void injector.cancel();
        for (const task of running.values()) void task.cancel();
        return;
      }
    }
  } finally {
    port.off("message", onMessage);
    release();
  }
});
port.close();
