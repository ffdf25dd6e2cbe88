import type { Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { addCleanup, onHalt } from "./core/task.js";
import { awaitable } from "./interop.js";
import type { Operation } from "./types.js";
import { checkFunction } from "./validate.js";

/**
 * Registers a cleanup that runs when the current task ends, however it ends:
 * after its body (and its `finally` blocks) and its children are done, newest
 * cleanup first. The cleanup may return an operation or a promise (an async
 * function); the task waits for it, and its failure fails the task.
 *
 * ```ts
 * const socket = yield* connect(address);
 * yield* ensure(() => socket.close());
 * ```
 */
export function ensure(cleanup: () => void | Operation<unknown> | PromiseLike<unknown>): Operation<void> {
  checkFunction("ensure(cleanup)", "cleanup", cleanup);
  return operation(ensuring, cleanup);
}

// eslint-disable-next-line require-yield
function* ensuring(cleanup: () => unknown): Iterator<Instruction, void, unknown> {
  addCleanup(requireCurrent("ensure()"), () => awaitable(cleanup()));
}

/**
 * Registers a handler called synchronously the moment the current task is
 * cancelled (or starts failing), before any teardown — kotlinx's
 * `invokeOnCancellation`. Returns a function that unregisters it. If the task is
 * already being cancelled, the handler runs at once.
 */
export function onCancel(handler: () => void): Operation<() => void> {
  checkFunction("onCancel(handler)", "handler", handler);
  return operation(registering, handler);
}

// eslint-disable-next-line require-yield
function* registering(handler: () => void): Iterator<Instruction, () => void, unknown> {
  return onHalt(requireCurrent("onCancel()"), handler);
}
