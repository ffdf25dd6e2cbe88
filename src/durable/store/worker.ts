/**
 * Durable execution: coroutines recorded in a store (`start`), run by workers
 * (`runWorker`) that checkpoint each one's task tree at its suspensions, and
 * resumed from the last checkpoint — on any worker, after a crash or a deploy
 * — at the cost of its live state, never of its history. Side effects go in
 * `step(fn)`: its result is recorded before the coroutine goes on, and a
 * recorded step is never run again.
 *
 * A worker runs each claimed coroutine as a task tree under a runner task:
 *
 * ```
 * runWorker ─┬─ checkpointer   (takes snapshot(root) of each tree that parked, writes them in one transaction)
 *            ├─ heartbeat      (renews leases; cancels the trees whose cancellation was requested)
 *            └─ runner <id> ─── root (the coroutine: started from its function, or restored from its checkpoint)
 * ```
 *
 * A probe marks a tree dirty when one of its tasks parks; the checkpointer
 * saves the dirty ones when it next runs (every task of those trees is then
 * parked or queued, so each snapshot is a consistent suspension). A tree that
 * cannot be saved at that moment (a step's promise is pending) is saved at its
 * next suspension.
 *
 * When the worker stops (it is cancelled), its trees are abandoned, not
 * unwound: no `finally` block of a durable coroutine runs because a worker
 * stopped; they are handed back to the store and resume elsewhere from their
 * last checkpoint.
 */
import { randomUUID } from "node:crypto";
import { call } from "../../interop.js";
import { sleep } from "../../time.js";
import { suspend } from "../../scheduling.js";
import { spawn } from "../../spawn.js";
import { select, onTimeout } from "../../select.js";
import { retry, type RetryOptions } from "../../retry.js";
import { channel } from "../../channel/channel.js";
import { operation, type Operation } from "../../core/operation.js";
import type { Instruction } from "../../core/instructions.js";
import { requireCurrent } from "../../core/runtime.js";
import { BOUNDARY, createTask, ended, onHalt, setContext, TaskRecord, wasCancelled } from "../../core/task.js";
import { wakesAt } from "../saving.js";
import { abandon, requestCancel } from "../../core/lifecycle.js";
import { addProbe } from "../../core/probes.js";
import { encode, decode } from "../serialize.js";
import { entryByFunction, KIND_FUNCTION } from "../registry.js";
import { functionInfo } from "../compiled.js";
import { describeTree, snapshot, restore } from "../tasks.js";
import { SnapshotError } from "../errors.js";
import { show } from "../../validate.js";
import { openSqlite } from "./sqlite.js";
import { openPostgres } from "./postgres.js";
import type { Checkpoint, Claimed, CoroutineRow, Driver } from "./driver.js";
import { RUNNING_KEY, deliverChildren, deliverSignals, runningOf, type Running } from "./running.js";

export type { CoroutineRow, Status } from "./driver.js";

/** A store of durable coroutines: open one with `openStore(url)`. */
export class Store {
  /** @internal */
  constructor(
    /** Where it is, as given to `openStore`. */
    readonly url: string,
    /** @internal */ readonly driver: Driver,
  ) {}

  /** Closes the connection. */
  close(): Promise<void> {
    return this.driver.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Opens a store: `sqlite:<path>` (the embedded default: a file, created if
 * needed) or `postgres://user:password@host:port/database` (many workers on
 * many machines), with its schema brought up to date. Drivers are optional
 * peer dependencies: better-sqlite3 12 on Node 20 (or Node's built-in
 * `node:sqlite` on Node ≥ 22.5), and `pg` for PostgreSQL.
 *
 * ```ts
 * const store = await openStore("sqlite:./orders.db");
 * ```
 */
export async function openStore(url: string): Promise<Store> {
  if (typeof url !== "string") throw new TypeError(`openStore(url): url must be a string such as "sqlite:./app.db", got ${show(url)}`);
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path === "") throw new TypeError(`openStore(url): a sqlite: url names a file, as in "sqlite:./app.db" (or "sqlite::memory:"), got ${JSON.stringify(url)}`);
    return new Store(url, openSqlite(path));
  }
  if (/^postgres(ql)?:\/\//.test(url)) return new Store(url, await openPostgres(url));
  throw new TypeError(`openStore(url): unknown kind of store ${JSON.stringify(url)}; use "sqlite:<path>" or "postgres://user:password@host:port/database"`);
}

// ---------------------------------------------------------------------------
// Recording, awaiting and cancelling coroutines

/** What `start` records: the function (saved by id) and its arguments. */
interface Start {
  fn: (...args: unknown[]) => Operation<unknown>;
  args: unknown[];
}

export interface StartOptions {
  /** The coroutine's id, an idempotency key: starting an id that exists changes nothing and returns it. Default: a random UUID. */
  id?: string;
}

/**
 * Records a new durable coroutine — `fn(...args)`, where `fn` is a generator
 * function of a `"use durable"` module (loaded compiled) and `args` can be
 * saved by the serializer — for a worker to run. Returns its id.
 *
 * ```ts
 * const id = await start(store, placeOrder, [{ sku: "A1", qty: 2 }], { id: "order-17" });
 * ```
 */
export async function start<A extends unknown[]>(store: Store, fn: (...args: A) => Operation<unknown>, args: A, options?: StartOptions): Promise<string> {
  const what = "start(store, fn, args, options)";
  checkStore(what, store);
  if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError(`${what}: options must be an object, got ${show(options)}`);
  const id = options?.id ?? randomUUID();
  if (typeof id !== "string" || id === "") throw new TypeError(`${what}: options.id must be a non-empty string, got ${show(id)}`);
  await record(what, store.driver, fn, args, id);
  return id;
}

/** Records `fn(...args)` under `id` (nothing if `id` exists). */
export async function record(what: string, driver: Driver, fn: unknown, args: unknown, id: string, parent?: string): Promise<void> {
  if (typeof fn !== "function") throw new TypeError(`${what}: fn must be a generator function of a "use durable" module, got ${show(fn)}`);
  const entry = entryByFunction(fn);
  if (entry === undefined || entry.kind !== KIND_FUNCTION || functionInfo(entry.id) === undefined) {
    throw new TypeError(`${what}: fn (${fn.name || "anonymous"}) is not a generator function of a "use durable" module loaded compiled: a worker could not find it by id`);
  }
  if (!Array.isArray(args)) throw new TypeError(`${what}: args must be an array, got ${show(args)}`);
  const start: Start = { fn: fn as Start["fn"], args };
  await driver.insert(id, entry.id, encode(start), Date.now(), parent);
}

/** Thrown by `result` for a coroutine that was cancelled. */
export class CoroutineCancelled extends Error {
  override readonly name = "CoroutineCancelled";
  constructor(readonly id: string) {
    super(`durable coroutine ${JSON.stringify(id)} was cancelled`);
  }
}

export interface ResultOptions {
  /** How often to look, in milliseconds. Default 50. */
  poll?: number;
}

/**
 * Waits for a coroutine to end: returns its result, or throws its error
 * (`CoroutineCancelled` if it was cancelled). A stuck coroutine (its code
 * changed) is waited for: it ends once code that can resume it runs it.
 */
export async function result<T = unknown>(store: Store, id: string, options?: ResultOptions): Promise<T> {
  const what = "result(store, id, options)";
  checkStore(what, store);
  if (typeof id !== "string") throw new TypeError(`${what}: id must be a string, got ${show(id)}`);
  const poll = options?.poll ?? 50;
  if (typeof poll !== "number" || !(poll > 0)) throw new TypeError(`${what}: options.poll must be a positive number of milliseconds, got ${show(poll)}`);
  for (;;) {
    const row = await store.driver.outcome(id);
    if (row === null) throw new Error(`${what}: there is no durable coroutine ${JSON.stringify(id)} in ${store.url}`);
    if (row.status === "completed") return decode(row.outcome!) as T;
    if (row.status === "failed") throw decode(row.outcome!);
    if (row.status === "cancelled") throw new CoroutineCancelled(id);
    await new Promise((resolve) => setTimeout(resolve, poll));
  }
}

/**
 * Cancels a coroutine. One that has run (it has a checkpoint) is unwound by a
 * worker, its `finally` blocks run there: a running one by its worker within a
 * lease renewal, one evicted or handed back by the next worker to claim it (at
 * once). One that never ran, or is stuck (its code changed), ends at once.
 * False if it had ended already.
 */
export async function cancel(store: Store, id: string): Promise<boolean> {
  checkStore("cancel(store, id)", store);
  if (typeof id !== "string") throw new TypeError(`cancel(store, id): id must be a string, got ${show(id)}`);
  return store.driver.requestCancel(id, Date.now());
}

/**
 * Sends `value` (anything the serializer saves) to a coroutine: queued in the
 * store, in order, until the coroutine takes it with `receiveSignal()` or an
 * `onSignal()` clause; taking it is part of the coroutine's next checkpoint.
 * False if the coroutine has ended (or does not exist).
 */
export async function signal(store: Store, id: string, value: unknown): Promise<boolean> {
  checkStore("signal(store, id, value)", store);
  if (typeof id !== "string") throw new TypeError(`signal(store, id, value): id must be a string, got ${show(id)}`);
  return store.driver.signal(id, encode(value), Date.now());
}

/** Makes a stuck coroutine (its code had changed) runnable again, for a worker running code that can resume it; false if it is not stuck. */
export async function retryStuck(store: Store, id: string): Promise<boolean> {
  checkStore("retryStuck(store, id)", store);
  if (typeof id !== "string") throw new TypeError(`retryStuck(store, id): id must be a string, got ${show(id)}`);
  return store.driver.retry(id, Date.now());
}

/** The store's coroutines (or the one with `id`): status, worker, checkpoints, snapshot size, and any problem. */
export async function inspect(store: Store, id?: string): Promise<CoroutineRow[]> {
  checkStore("inspect(store, id)", store);
  if (id !== undefined && typeof id !== "string") throw new TypeError(`inspect(store, id): id must be a string, got ${show(id)}`);
  return store.driver.list(id);
}

function checkStore(what: string, store: unknown): asserts store is Store {
  if (!(store instanceof Store)) throw new TypeError(`${what}: store must be a Store (from openStore), got ${show(store)}`);
}

// ---------------------------------------------------------------------------
// Workers

export interface WorkerOptions {
  store: Store;
  /** Coroutines run at once. Default 16. */
  concurrency?: number;
  /** Lease of a claimed coroutine, in milliseconds (real time): renewed every third of it. Default 30 000. */
  lease?: number;
  /** How often to look for runnable coroutines when idle, in milliseconds. Default 200. */
  poll?: number;
  /**
   * The worker's name in the store (`inspect` shows it): unique among the
   * workers running at once. A worker that starts under a name hands back what
   * an earlier worker of that name left running (it stopped without doing so).
   * Default: a random one.
   */
  name?: string;
  /**
   * A coroutine whose whole tree waits at least this long (milliseconds) on
   * timers, signals or child coroutines only is handed back to the store after
   * its checkpoint, to be claimed again when due, signalled, or when a child it
   * waits for ends: a sleep of a month costs a row, not a process. Default
   * 60 000; Infinity keeps every coroutine loaded.
   */
  evictAfter?: number;
}

/**
 * Runs durable coroutines from a store until cancelled: claims runnable ones
 * (up to `concurrency` at once), runs each as a task tree, checkpoints each
 * tree at its suspensions, records its outcome, and hands the ones still
 * running back to the store when it stops (they resume from their last
 * checkpoint on the next worker).
 *
 * ```ts
 * await main(() => runWorker({ store: await openStore("sqlite:./orders.db") }));
 * ```
 */
export function runWorker(options: WorkerOptions): Operation<never> {
  const what = "runWorker(options)";
  if (typeof options !== "object" || options === null) throw new TypeError(`${what}: options must be an object { store, concurrency?, lease?, poll?, name? }, got ${show(options)}`);
  checkStore(what, options.store);
  const concurrency = options.concurrency ?? 16;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new TypeError(`${what}: options.concurrency must be an integer ≥ 1, got ${show(concurrency)}`);
  const lease = options.lease ?? 30_000;
  if (typeof lease !== "number" || !(lease >= 10) || !Number.isFinite(lease)) throw new TypeError(`${what}: options.lease must be a number of milliseconds ≥ 10, got ${show(lease)}`);
  const poll = options.poll ?? 200;
  if (typeof poll !== "number" || !(poll > 0) || !Number.isFinite(poll)) throw new TypeError(`${what}: options.poll must be a positive number of milliseconds, got ${show(poll)}`);
  const name = options.name ?? `worker-${randomUUID()}`;
  if (typeof name !== "string" || name === "") throw new TypeError(`${what}: options.name must be a non-empty string, got ${show(name)}`);
  const evictAfter = options.evictAfter ?? 60_000;
  if (typeof evictAfter !== "number" || !(evictAfter >= 0)) throw new TypeError(`${what}: options.evictAfter must be a number of milliseconds ≥ 0 (or Infinity), got ${show(evictAfter)}`);
  return operation(working, options.store.driver, { concurrency, lease, poll, name, evictAfter });
}

interface Settings {
  concurrency: number;
  lease: number;
  poll: number;
  name: string;
  evictAfter: number;
}

function* working(driver: Driver, settings: Settings): Iterator<Instruction, never, unknown> {
  const me = requireCurrent("runWorker()");
  const { concurrency, lease, poll, name: owner, evictAfter } = settings;
  const byId = new Map<string, Running>();
  const byRoot = new Map<TaskRecord<unknown>, Running>();
  const kicks = channel<void>("conflated");
  const freed = channel<void>("conflated");

  const runningOf = (task: TaskRecord<unknown>): Running | undefined => {
    for (let at: TaskRecord<unknown> | null = task; at !== null && at !== me; at = at.parent) {
      const found = byRoot.get(at);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const removeProbe = addProbe({
    parked(task) {
      const running = runningOf(task as TaskRecord<unknown>);
      if (running !== undefined && !running.dirty) {
        running.dirty = true;
        kicks.trySend(undefined);
      }
    },
  });
  // A cancellation the store asks for: the tree is cancelled here, once, and its finally blocks run.
  const unwind = (running: Running): void => {
    if (running.cancelling || running.root === null || ended(running.root)) return;
    running.cancelling = true;
    requestCancel(running.root);
  };
  // Stopping: the trees are abandoned before any teardown reaches them (no finally of theirs runs here).
  const drop = (running: Running): void => {
    running.gone = true;
    if (running.root !== null && !ended(running.root)) abandon(running.root);
  };
  onHalt(me, () => {
    for (const running of byId.values()) drop(running);
  });

  function* checkpointer(): Generator<Instruction, never, unknown> {
    for (;;) {
      yield* kicks.receive();
      const batch: Checkpoint[] = [];
      const included = new Map<Running, number>();
      const notes: Array<[Running, string]> = [];
      for (const running of byId.values()) {
        const root = running.root;
        if (!running.dirty || running.gone || root === null || root.state !== "running") continue;
        running.dirty = false;
        // A step under way cannot be saved (its promise is pending): the tree is saved at its next suspension after it.
        if (running.inStep > 0) continue;
        try {
          batch.push({ id: running.id, fence: running.fence, snapshot: yield* snapshot(root), steps: running.steps, where: describeTree(root), taken: [...running.taken] });
          included.set(running, running.taken.length);
        } catch (error) {
          if (!(error instanceof SnapshotError)) throw error;
          // Not now (a step's promise is pending, or its tree holds what cannot be saved): at its next suspension.
          if (running.inStep === 0 && running.problem !== error.message) notes.push([running, error.message]);
        }
      }
      for (const [running, problem] of notes) {
        running.problem = problem;
        yield* call(() => driver.note(owner, running.id, running.fence, problem));
      }
      if (batch.length === 0) continue;
      const now = Date.now();
      const refused = yield* call(() => driver.checkpoint(owner, batch, now, now + lease));
      for (const [running, count] of included) running.taken.splice(0, count); // marked taken with its checkpoint
      for (const id of refused) {
        const running = byId.get(id);
        if (running !== undefined) drop(running);
      }
      // A tree that sleeps long, unchanged since its checkpoint, goes back to the store until it is due
      // (none with evictAfter Infinity: not even those with no timer, whose `left` is Infinity too).
      if (evictAfter === Infinity) continue;
      for (const running of included.keys()) {
        if (running.gone || running.dirty || running.root === null || refused.includes(running.id)) continue;
        // A child it waits for may have ended already: delivered here, it runs on (not evicted, made due and claimed again).
        // Parked again since (dirty), it is not evicted either: its last checkpoint is behind it.
        if (running.joins.length > 0) {
          yield* call(() => deliverChildren(running));
          if (running.gone || running.dirty || running.root === null) continue;
        }
        const due = asleepUntil(running.root);
        if (due === null) continue;
        const clock = running.root.runtime.clock;
        const left = due - clock.now();
        if (!(left >= evictAfter)) continue;
        const wakeAt = left === Infinity ? Number.MAX_SAFE_INTEGER : Math.ceil(Date.now() + left);
        const children = [...new Set(running.joins.map((join) => join.child))];
        drop(running);
        yield* call(() => driver.evict(owner, running.id, running.fence, wakeAt, Date.now(), children));
      }
    }
  }

  function* heartbeat(): Generator<Instruction, never, unknown> {
    // Claims the store says this worker holds with no copy running here, at the last renewal (id → fence).
    let stranded = new Map<string, number>();
    for (;;) {
      yield* sleep(lease / 3);
      const now = Date.now();
      const known = [...byId.values()];
      const { held, cancelled } = yield* call(() => driver.renew(owner, now, now + lease));
      const holding = new Map(held.map(({ id, fence }) => [id, fence]));
      for (const running of known) {
        if (holding.get(running.id) === running.fence) running.leaseUntil = now + lease;
        else if (byId.get(running.id) === running && !running.gone) drop(running); // another worker claimed it while this one was away (its lease lapsed)
      }
      // A claim with no copy here is renewed above like the others, so no worker would ever take it again:
      // still so at the next renewal (not a claim whose copy is just starting, or being handed back), it goes back to the store.
      const unheld = new Map<string, number>();
      for (const { id, fence } of held) {
        const running = byId.get(id);
        if (running !== undefined && running.fence === fence && !running.gone) continue;
        if (stranded.get(id) !== fence) unheld.set(id, fence);
        else if (yield* call(() => driver.evict(owner, id, fence, 0, Date.now(), []))) wakeLoop();
      }
      stranded = unheld;
      for (const id of cancelled) {
        const running = byId.get(id);
        if (running !== undefined) unwind(running);
      }
    }
  }

  /** This worker's copy of a coroutine it has just claimed (at `at`), known by id from now on: a copy left from an earlier claim is stale. */
  const claimedCopy = (claimed: Claimed, at: number): Running => {
    const stale = byId.get(claimed.id);
    if (stale !== undefined) drop(stale);
    const running: Running = {
      id: claimed.id,
      fence: claimed.fence,
      leaseUntil: at + lease,
      owner,
      driver,
      steps: claimed.steps,
      recorded: claimed.recorded,
      inStep: 0,
      root: null,
      dirty: false,
      gone: false,
      cancelling: false,
      problem: null,
      receivers: [],
      lastSignal: 0,
      taken: [],
      lapsed: false,
      wake: wakeLoop,
      joins: [],
    };
    byId.set(running.id, running);
    return running;
  };

  function* runner(running: Running, claimed: Claimed): Generator<Instruction, void, unknown> {
    const task = requireCurrent("runWorker()");
    setContext(task, RUNNING_KEY, running);
    try {
      if (running.gone) return; // dropped before it began (the worker stops, or the claim is not this worker's any more): nothing of it runs here
      let root: TaskRecord<unknown>;
      try {
        if (claimed.snapshot !== null) {
          root = (yield* restore(claimed.snapshot)) as TaskRecord<unknown>;
        } else {
          const { fn, args } = decode(claimed.start) as Start;
          root = createTask(fn(...args), task, task.runtime, fn.name || "coroutine", task.priority, BOUNDARY);
        }
      } catch (error) {
        // Its code changed (VersionMismatch), or its record cannot be read here: it stays in the store, never run on the wrong code.
        if (!(error instanceof SnapshotError)) throw error;
        yield* call(() => driver.finish(owner, running.id, running.fence, "stuck", null, error.message, Date.now()));
        return;
      }
      running.root = root;
      byRoot.set(root, running);
      // Cancelled while no worker held it (evicted, or handed back): unwound here, its finally blocks run.
      if (claimed.cancelRequested) unwind(running);
      let status: "completed" | "failed" | "cancelled";
      let outcome: Uint8Array | null = null;
      try {
        outcome = encodeOutcome(yield* root);
        status = "completed";
      } catch (error) {
        if (running.gone) return;
        status = wasCancelled(root) ? "cancelled" : "failed";
        if (status === "failed") outcome = encodeOutcome(error);
      }
      if (running.gone) return;
      yield* call(() => driver.finish(owner, running.id, running.fence, status, outcome, null, Date.now()));
    } finally {
      if (byId.get(running.id) === running) byId.delete(running.id);
      if (running.root !== null) byRoot.delete(running.root);
      freed.trySend(undefined);
    }
  }

  const stopWaking = driver.onWork?.(() => freed.trySend(undefined));
  const wakeLoop = (): void => void freed.trySend(undefined);
  try {
    // An earlier worker of this name that stopped without handing its coroutines back (it was killed): they are runnable again.
    yield* call(() => driver.release(owner, Date.now()));
    yield* spawn(checkpointer, { name: "checkpointer" });
    yield* spawn(heartbeat, { name: "heartbeat" });
    for (;;) {
      const free = concurrency - byId.size;
      if (free > 0) {
        const now = Date.now();
        const claimed = yield* call(() => driver.claim(owner, free, now, now + lease));
        for (const one of claimed) {
          const running = claimedCopy(one, now);
          yield* spawn(() => runner(running, one), { name: `coroutine ${one.id}` });
        }
        if (claimed.length === free) continue; // there may be more
      }
      for (const running of [...byId.values()]) {
        if (!running.lapsed || running.gone) continue;
        drop(running);
        // Handed back (unless another worker holds it now), to be claimed again from its checkpoint —
        // by this worker too: a copy stranded here until another worker came along would never end.
        yield* call(() => driver.evict(owner, running.id, running.fence, 0, Date.now(), []));
      }
      for (const running of byId.values()) if (running.receivers.length > 0) yield* call(() => deliverSignals(running));
      for (const running of byId.values()) if (running.joins.length > 0) yield* call(() => deliverChildren(running));
      yield* select(freed.onReceive(), onTimeout(poll));
    }
  } finally {
    removeProbe();
    stopWaking?.();
    yield* call(() => driver.release(owner, Date.now()));
  }
}

/**
 * When the tree under `root` would next wake by itself, on its runtime's
 * clock — every task parked, each on a wait that only a timer, the tree itself
 * or the store can end (Infinity: no timer) — or null when it cannot be left
 * alone (a task is ready, or waits on something from outside).
 */
function asleepUntil(root: TaskRecord<unknown>): number | null {
  let due = Infinity;
  const pending: TaskRecord<unknown>[] = [root];
  for (let task = pending.pop(); task !== undefined; task = pending.pop()) {
    const wait = task.suspension;
    if (wait === null || task.resumeKind !== 0 /* NONE */ || task.status !== 1 /* RUNNING */) return null;
    const at = wakesAt(wait);
    if (at === null) return null;
    due = Math.min(due, at);
    pending.push(...task.children);
  }
  return due;
}

/** A result or error as the store keeps it; a value the serializer cannot save is kept as a description. */
function encodeOutcome(value: unknown): Uint8Array {
  try {
    return encode(value);
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    const description = value instanceof Error ? new Error(`${value.name}: ${value.message}`, { cause: error.message }) : new Error(`the outcome could not be saved: ${error.message}`);
    return encode(description);
  }
}

// ---------------------------------------------------------------------------
// Steps

export interface StepOptions {
  /** Tries again on failure, as `retry()` does (cancellation is never retried). */
  retry?: RetryOptions;
}

/**
 * Runs a side effect — a function returning a value or a promise — at least
 * once, records its result (or its error) in the store before the coroutine
 * goes on, and never runs it again once recorded: after a crash, the coroutine
 * resumes from its last checkpoint and a step it had recorded returns the
 * recorded result. Only inside a durable coroutine run by `runWorker`.
 *
 * Steps are numbered in the order they start in the coroutine's tree: run them
 * from one task at a time (steps started concurrently by sibling tasks could
 * be numbered differently when the tree resumes after a crash).
 *
 * ```ts
 * const charge = yield* step(() => payments.charge(order.total), { retry: { attempts: 5 } });
 * ```
 */
export function step<T>(fn: () => T | PromiseLike<T>, options?: StepOptions): Operation<T> {
  if (typeof fn !== "function") throw new TypeError(`step(fn, options): fn must be a function, got ${show(fn)}`);
  if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError(`step(fn, options): options must be an object, got ${show(options)}`);
  return operation(stepping<T>, fn, options?.retry);
}

function* stepping<T>(fn: () => T | PromiseLike<T>, retrying: RetryOptions | undefined): Iterator<Instruction, T, unknown> {
  const running = runningOf(requireCurrent("step()"), "step(fn)");
  return yield* recordedStep(running, () => (retrying === undefined ? call(() => fn()) : retry(() => call(() => fn()), retrying)));
}

/**
 * Step number `n` of `running` (the next one): its recorded outcome if it has
 * one, else `effect(n)`'s, recorded before it is returned (or thrown). A copy
 * whose lease lapsed, or whose record is refused (another worker claimed the
 * coroutine), runs nothing more: it parks until the worker drops it.
 */
export function* recordedStep<T>(running: Running, effect: (seq: number) => Operation<T>): Generator<Instruction, T, unknown> {
  const seq = running.steps++;
  running.inStep++;
  try {
    const recorded = seq < running.recorded ? yield* call(() => running.driver.step(running.id, seq)) : null;
    if (recorded !== null) {
      const value = decode(recorded.value);
      if (!recorded.ok) throw value;
      return value as T;
    }
    if (Date.now() >= running.leaseUntil) yield* lapsed(running); // stopped or starved: another worker may hold it now
    let ok = true;
    let value: unknown;
    try {
      value = yield* effect(seq);
    } catch (error) {
      ok = false;
      value = error;
    }
    const accepted = yield* call(() => running.driver.recordStep(running.owner, running.id, running.fence, seq, ok, encodeOutcome(value)));
    if (!accepted) yield* lapsed(running);
    if (!ok) throw value;
    return value as T;
  } finally {
    running.inStep--;
  }
}

/** This copy of the coroutine is stale: it waits, running nothing, until the worker drops it. */
function* lapsed(running: Running): Generator<Instruction, never, unknown> {
  running.lapsed = true;
  running.wake();
  return yield* suspend();
}
