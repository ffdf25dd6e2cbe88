/**
 * A durable coroutine claimed by this process's worker, as the worker
 * (worker.ts), its steps and its signals (signals.ts) share it. A runner task
 * keeps it under `RUNNING_KEY` in its context; the coroutine's tree runs under
 * that runner, so its operations find it with `lookupContext`.
 */
import { lookupContext, type TaskRecord } from "../../core/task.js";
import type { Driver } from "./driver.js";
import { decode } from "../serialize.js";

/** Something in the coroutine's tree waiting for a signal: told the next one, it takes it (true) or declines (false: a select chose another clause). */
export interface SignalReceiver {
  deliver(value: unknown, seq: number): boolean;
}

/** A task of the coroutine's tree waiting for a child coroutine to end. */
export interface ChildWaiter {
  readonly child: string;
  /** The child ended: resumes the waiting task with its outcome; false if it no longer waits. */
  ended(status: string, value: unknown): boolean;
}

/** A claimed coroutine on this worker. */
export interface Running {
  readonly id: string;
  readonly fence: number;
  /** Until when this worker's lease on it lasts (real time), as far as it knows. */
  leaseUntil: number;
  /** A step found the lease lapsed: the worker drops this copy when it next looks. */
  lapsed: boolean;
  /** Wakes the worker's loop (to drop a lapsed copy at once). */
  readonly wake: () => void;
  readonly owner: string;
  readonly driver: Driver;
  /** Steps taken: the next step's number. */
  steps: number;
  /** Steps numbered below this may be recorded in the store already (see `Claimed.recorded`); the rest are not looked up. */
  readonly recorded: number;
  /** Steps under way (their promises pending: no checkpoint now). */
  inStep: number;
  root: TaskRecord<unknown> | null;
  /** A task of its tree parked since the last checkpoint. */
  dirty: boolean;
  /** Abandoned (the worker stops) or refused (another worker claimed it): nothing more is written for it. */
  gone: boolean;
  cancelling: boolean;
  /** The last problem noted in the store. */
  problem: string | null;
  /** Who waits for a signal, oldest first. */
  receivers: SignalReceiver[];
  /** The last signal handed to the tree (signals after it are delivered next). */
  lastSignal: number;
  /** Signals taken since the last checkpoint: the next checkpoint marks them taken. */
  taken: number[];
  /** Who waits for a child coroutine to end. */
  joins: ChildWaiter[];
}

/** The context key under which a runner task keeps its `Running` (steps find it). */
export const RUNNING_KEY = {};


/** The coroutine `task` belongs to on this worker; `what` (the operation) fails outside one. */
export function runningOf(task: TaskRecord<unknown>, what: string): Running {
  const found = lookupContext(task, RUNNING_KEY);
  if (!found.found) throw new Error(`${what}: runs only inside a durable coroutine run by runWorker() (a coroutine recorded with start())`);
  return found.value as Running;
}

/**
 * Hands each waiting receiver of `running` the next signal in the store, in
 * order, while there are both (the worker calls it as it polls).
 */
export async function deliverSignals(running: Running): Promise<void> {
  while (running.receivers.length > 0 && !running.gone) {
    const next = await running.driver.nextSignal(running.id, running.lastSignal);
    if (next === null) return;
    const value = decode(next.value);
    let taken = false;
    while (!taken && running.receivers.length > 0) taken = running.receivers.shift()!.deliver(value, next.seq);
    if (!taken) return;
    running.lastSignal = next.seq;
    running.taken.push(next.seq);
  }
}

/** A receiver gave back a signal it had taken (its select was cancelled before it ran): it is delivered again. */
export function returnSignal(running: Running, seq: number): void {
  const at = running.taken.indexOf(seq);
  if (at >= 0) running.taken.splice(at, 1);
  running.lastSignal = Math.min(running.lastSignal, seq - 1);
}

/** Wakes the waiters of children that have ended (the worker calls it as it polls). */
export async function deliverChildren(running: Running): Promise<void> {
  for (const waiter of [...running.joins]) {
    if (running.gone) return;
    const row = await running.driver.outcome(waiter.child);
    let status: string;
    let value: unknown;
    if (row === null) {
      status = "failed";
      value = new Error(`joinChild(${JSON.stringify(waiter.child)}): there is no such coroutine in the store`);
    } else if (row.status === "completed" || row.status === "failed" || row.status === "cancelled") {
      status = row.status;
      value = row.outcome === null ? undefined : decode(row.outcome);
    } else {
      continue;
    }
    const at = running.joins.indexOf(waiter);
    if (at < 0) continue; // withdrawn meanwhile
    running.joins.splice(at, 1);
    waiter.ended(status, value);
  }
}
