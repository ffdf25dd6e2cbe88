/**
 * `strand/durable/store` (Node-only): durable execution — coroutines recorded
 * in a store, run by workers that checkpoint them at their suspensions, and
 * resumed from the last checkpoint after a crash or a deploy. Re-exports only.
 */
export { openStore, start, result, cancel, signal, inspect, retryStuck, runWorker, step, Store, CoroutineCancelled } from "./worker.js";
export { receiveSignal, onSignal } from "./signals.js";
export { startChild, joinChild, ChildCancelled } from "./children.js";
export type { StartOptions, ResultOptions, WorkerOptions, StepOptions, CoroutineRow, Status } from "./worker.js";
