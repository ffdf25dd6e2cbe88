/**
 * A pool's worker thread: loads the pool's module, then runs one Strand
 * runtime whose root task takes messages from the pool (protocol.ts) and runs
 * each START as a child task named for its function. A task ends by posting
 * DONE, FAILED or CANCELLED — after its `finally` blocks and children, since
 * the runner's own frames unwind last. CLOSE cancels what runs and ends the
 * thread.
 */
import { parentPort, threadId, workerData, type TransferListItem } from "node:worker_threads";
import { setThreadTag } from "../core/ids.js";
import { isOperation } from "../core/operation.js";
import { channel } from "../channel/channel.js";
import { run } from "../run.js";
import { spawn, current } from "../spawn.js";
import { scoped } from "../scope.js";
import { call, hold } from "../interop.js";
import type { Task } from "../core/task.js";
import type { Operation } from "../types.js";
import { unwrapTransfer } from "./transfer.js";
import { attachChannel, isSharedChannelHandle } from "./shared-channel.js";
import { CANCEL, CANCELLED, CLAIM_CELLS, CLOSE, DONE, FAILED, LOAD_FAILED, READY, START, TAKEN, type ErrorData, type FromWorker, type ToWorker, type WorkerSetup } from "./protocol.js";

const port = parentPort!;
const tag = `w${threadId}`;
setThreadTag(tag); // before the thread creates any task, so every id here reads `w3.7`
const setup = workerData as WorkerSetup;
const claims = new Int32Array(setup.claims);

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

/** Calls the exported function and runs what it returns: an operation, a promise, or a plain value. */
function* invoke(fnName: string, args: unknown[]): Operation<unknown> {
  const fn = exports[fnName];
  if (typeof fn !== "function") {
    throw new TypeError(`spawnOn(pool, "${fnName}"): the pool's module ${setup.module} exports no function named "${fnName}" (it exports: ${Object.keys(exports).join(", ") || "nothing"})`);
  }
  // A shared channel among the arguments crossed as its handle: open it here (one with a custom codec stays a handle, for attachChannel).
  const opened = args.map((arg) => (isSharedChannelHandle(arg) && arg.codec !== "custom" ? attachChannel(arg) : arg));
  const result: unknown = fn(...opened);
  if (isOperation(result) && typeof result !== "string" && !Array.isArray(result)) return yield* result;
  if (typeof (result as PromiseLike<unknown> | null)?.then === "function") return yield* call(() => result as PromiseLike<unknown>);
  return result;
}

function* runner(id: number, fnName: string, args: unknown[], running: Map<number, Task<unknown>>): Operation<void> {
  const me = yield* current();
  running.set(id, me);
  let reported = false;
  try {
    // A scope of its own (named for the function): a failure of a task it spawns is thrown here, not at the worker's root.
    const body = { [fnName]: () => invoke(fnName, args) }[fnName]!;
    const { value, transfer } = unwrapTransfer(yield* scoped(body));
    reported = true;
    try {
      post({ t: DONE, id, value }, transfer);
    } catch (error) {
      post({ t: FAILED, id, error: errorData(new TypeError(`${fnName}() returned a value that cannot be posted back: ${(error as Error).message}`), me.path) });
    }
  } catch (error) {
    reported = true;
    post({ t: FAILED, id, error: errorData(error, me.path) });
  } finally {
    running.delete(id);
    if (!reported) post({ t: CANCELLED, id });
  }
}

post({ t: READY, tag });

await run(function* worker() {
  const release = yield* hold(); // the port: the pool may always send more
  const inbox = channel<ToWorker>("unlimited", { name: "pool messages" });
  const onMessage = (message: ToWorker): void => void inbox.trySend(message);
  port.on("message", onMessage);
  const running = new Map<number, Task<unknown>>();
  try {
    for (;;) {
      const message = yield* inbox.receive();
      if (message.t === START) {
        const { seq } = message;
        // Lost the claim: the pool moved the task to another worker before this one took it.
        if (Atomics.compareExchange(claims, seq % CLAIM_CELLS, seq + 1, TAKEN) !== seq + 1) continue;
        yield* spawn(() => runner(message.id, message.fn, message.args, running), { name: message.fn });
      } else if (message.t === CANCEL) {
        void running.get(message.id)?.cancel();
      } else if (message.t === CLOSE) {
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
