/**
 * The messages between a pool (main thread) and its workers, and the claim
 * cells that let an idle worker take a task queued on a busy one.
 *
 * A task is posted to one worker's port (its ready queue) with a sequence
 * number `seq`, unique per worker. Before posting, the pool writes `seq + 1`
 * into the worker's claim cell `seq % CLAIM_CELLS` (a SharedArrayBuffer). The
 * first of these two compare-and-swaps on that cell wins, and the other side
 * leaves the task alone:
 *
 * | who            | CAS                     | meaning                              |
 * |----------------|-------------------------|--------------------------------------|
 * | the worker     | `seq + 1` → `TAKEN`     | it starts the task                   |
 * | the pool       | `seq + 1` → `STOLEN`    | the task moves to an idle worker, or |
 * |                |                         | to a replacement of a dead one       |
 *
 * Invariant: a worker has fewer than CLAIM_CELLS tasks posted and not yet
 * ended or stolen, so a cell is reused only after its last task settled.
 */
import type { SharedChannelHandle } from "./shared-channel.js";

export const CLAIM_CELLS = 1024;
export const TAKEN = 0;
export const STOLEN = -1;

// Main → worker.
export const START = 1;
export const CANCEL = 2;
export const CLOSE = 3;

// Worker → main.
export const READY = 10;
export const LOAD_FAILED = 11;
export const DONE = 12;
export const FAILED = 13;
export const CANCELLED = 14;
/**
 * The worker took a call from the inject queue: posted before the call runs
 * as a task. A call that ends at once (a plain function's result, or a
 * failure to start) sends no TOOK: its DONE or FAILED says `took` instead,
 * one message where there would be two (each wakes the main thread, which on
 * a machine with as many workers as cores takes a core from a worker).
 */
export const TOOK = 15;

/**
 * The inject queue: a shared channel every worker of the pool receives from
 * while it has nothing to run. Its claim cells (`id % INJECT_CELLS`) hold
 * `id + 1` while the call is queued; a worker that takes it swaps in
 * `taker(index)`, the pool that withdraws it (a cancellation) swaps in
 * STOLEN. So whoever the cell names owns the call — also when the worker
 * dies before its TOOK arrives. One call holds a cell at a time: until the
 * pool hears that it was taken (or withdraws it), a call whose id falls on
 * the same cell goes to a port instead (ids also advance for calls posted to
 * ports, so calls 4096 ids apart can be queued at once).
 */
export const INJECT_CELLS = 4096;
export const taker = (index: number): number => -2 - index;

/** A call as it waits in the inject queue. */
export interface Injected {
  id: number;
  fn: string;
  args: unknown[];
}

export type ToWorker =
  | { t: typeof START; id: number; seq: number; fn: string; args: unknown[] }
  | { t: typeof CANCEL; id: number }
  | { t: typeof CLOSE };

export type FromWorker =
  | { t: typeof READY; tag: string }
  | { t: typeof LOAD_FAILED; error: ErrorData }
  | { t: typeof DONE; id: number; value: unknown; took?: true }
  | { t: typeof FAILED; id: number; error: ErrorData; took?: true }
  | { t: typeof CANCELLED; id: number }
  | { t: typeof TOOK; id: number };

/** A remote failure as it crosses: its text, and the error itself when it can be cloned. */
export interface ErrorData {
  name: string;
  message: string;
  stack: string;
  /** The failed task's path on the worker, e.g. `worker#w3.1 › fib#w3.4`. */
  path: string;
  /** The thrown value, by structured clone (built-in error classes keep their class), if it could be cloned. */
  error?: unknown;
}

/** What the worker's `workerData` holds. */
export interface WorkerSetup {
  module: string;
  claims: SharedArrayBuffer;
  /** The worker's place in the pool (a replacement takes its predecessor's). */
  index: number;
  inject: SharedChannelHandle;
  injectClaims: SharedArrayBuffer;
}
