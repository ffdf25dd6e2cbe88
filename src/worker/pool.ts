/**
 * A pool of worker threads (`createPool`) and tasks run on them (`spawnOn`).
 *
 * Each worker runs its own Strand runtime (entry.ts) with the pool's module
 * loaded. `spawnOn` makes a local task in the caller's tree whose body posts
 * the call to a worker and parks on its outcome (a `Pending`, which counts as
 * outside work of the caller's run while it waits). The local task is the
 * remote one's proxy:
 *
 * | local task            | remote task                                        |
 * |-----------------------|----------------------------------------------------|
 * | waits                 | queued on a worker (claimable, see protocol.ts),   |
 * |                       | then running                                       |
 * | returns / throws      | ended: its value (structured clone or transfer),   |
 * |                       | or its failure as `WorkerTaskError`                |
 * | cancelled             | told CANCEL; its `finally` blocks run there, and   |
 * |                       | the local teardown waits for them — at most        |
 * |                       | `cancelGrace` ms, then the worker is terminated    |
 * |                       | and replaced                                       |
 * | fails `WorkerCrashed` | its worker died after taking it                    |
 *
 * Scheduling: a new task goes to an idle worker's port; with none idle, into
 * the inject queue (a shared channel every worker takes from while it has
 * nothing running); a task the queue cannot hold (shared or transferred
 * arguments) to the least busy worker's port, or, every port full, into a
 * backlog that waits for room. A worker takes the calls posted to its port
 * before those of the inject queue (entry.ts). When a worker's last task ends
 * and another worker has tasks queued on its port but not started, the idle
 * one steals the oldest of them. The claim cells of protocol.ts decide every
 * race between a worker taking a task and the pool withdrawing or moving it.
 * A dead worker's queued tasks move to the others; only those it had started
 * (or taken from the inject queue) fail.
 */
import { Worker, type TransferListItem } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { isAbsolute } from "node:path";
import { resource } from "../resource.js";
import { spawn } from "../spawn.js";
import { call } from "../interop.js";
import { onTimeout, selectBiased } from "../select.js";
import type { Task } from "../core/task.js";
import type { Operation } from "../types.js";
import { Pending } from "../io/wait.js";
import { checkMs, checkName, checkOptions, show } from "../validate.js";
import { CANCEL, CANCELLED, CLAIM_CELLS, CLOSE, DONE, FAILED, INJECT_CELLS, LOAD_FAILED, READY, START, STOLEN, TOOK, taker, type ErrorData, type FromWorker, type Injected, type WorkerSetup } from "./protocol.js";
import { PoolClosed, WorkerCrashed, WorkerTaskError } from "./errors.js";
import { SharedChannelImpl, sharedChannel } from "./shared-channel.js";
import { callCodec } from "./call-codec.js";

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const ENTRY = new URL(FROM_SOURCE ? "./entry.ts" : "./entry.js", import.meta.url);

/**
 * The worker's bootstrap: imports the entry. Run from TypeScript sources
 * (under tsx, as the tests are), it first registers tsx in the thread: the
 * loader hooks of `--import tsx` reach worker threads only from Node 22.
 */
function bootstrap(): string {
  const entry = `import(${JSON.stringify(ENTRY.href)})`;
  if (!FROM_SOURCE) return entry;
  const tsx = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(tsx)}).then((tsx) => tsx.register()).then(() => ${entry})`;
}

export interface PoolOptions {
  /** The module whose exported functions `spawnOn` runs: a path (absolute, or relative to the working directory) or a `file:` URL. */
  module: string | URL;
  /** How many worker threads. Default: `os.availableParallelism()`. */
  size?: number;
  /** Names the pool in errors and stats. Default "pool". */
  name?: string;
  /**
   * How long a cancelled remote task may take to reach a suspension and end
   * (its `finally` blocks) before its worker is terminated and replaced, in
   * ms. Default 1,000.
   */
  cancelGrace?: number;
}

export interface SpawnOnOptions {
  /** `ArrayBuffer`s (and other transferables) in `args` to move to the worker instead of copying; they detach here. */
  transfer?: readonly TransferListItem[];
  /** The local task's name. Default: `fnName`. */
  name?: string;
}

/** A snapshot of a pool's counters. */
export interface PoolStats {
  name: string;
  /** Live workers. */
  workers: number;
  /** Tasks posted and not yet ended. */
  pending: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Queued tasks moved from a busy or dead worker to another. */
  stolen: number;
  /** Workers that died or were terminated, and replaced. */
  replaced: number;
}

/** A pool of worker threads: see `createPool`. */
export class Pool {
  /** @internal */ readonly slots: WorkerSlot[] = [];
  /** @internal */ closed = false;
  /** @internal */ nextId = 1;
  /** @internal */ readonly counts = { completed: 0, failed: 0, cancelled: 0, stolen: 0, replaced: 0 };
  /** @internal The inject queue (protocol.ts): calls no idle worker was there to take, for the first worker that runs out of work. */
  readonly inject = sharedChannel<Injected>(INJECT_CELLS - 1, { name: "inject queue", bytes: 1 << 20, codec: callCodec }) as SharedChannelImpl<Injected>;
  /** @internal */ readonly injectClaims = new Int32Array(new SharedArrayBuffer(INJECT_CELLS * 4));
  /** @internal Calls in the inject queue whose TOOK has not arrived, by id. */
  readonly injected = new Map<number, RemoteCall>();
  /**
   * 1 for a claim cell that a call of `injected` holds. One call per cell: a
   * call whose cell is held goes to a port instead, else its claim would
   * overwrite the waiting call's and the worker that takes that one would drop
   * it as withdrawn. (Ids advance for calls posted to ports too, so calls
   * 4096 ids apart can be in the queue at once.)
   */
  private readonly cellHeld = new Uint8Array(INJECT_CELLS);
  /** @internal Calls waiting for room: every live worker has CLAIM_CELLS - 1 posted (oldest first, from `backlogHead`). */
  readonly backlog: (RemoteCall | null)[] = [];
  private backlogHead = 0;

  /** @internal */
  constructor(
    readonly name: string,
    readonly size: number,
    /** The module's URL. */
    readonly module: string,
    readonly cancelGrace: number,
  ) {}

  stats(): PoolStats {
    let pending = this.injected.size;
    for (const slot of this.slots) pending += slot.calls.size;
    return { name: this.name, workers: this.slots.filter((slot) => !slot.dead).length, pending, ...this.counts };
  }

  toString(): string {
    return `pool "${this.name}"`;
  }

  /**
   * @internal Places a call: on an idle worker's port if there is one, else in
   * the inject queue (for the first worker to run out of work), else — a
   * call with transferred or shared arguments, or a full queue — on the
   * least busy worker's port.
   */
  dispatch(call: RemoteCall): void {
    if (this.closed) throw new PoolClosed(`spawnOn(${call.fnName}): ${this} is closed (the scope that created it has ended)`);
    for (const slot of this.slots) if (!slot.dead && slot.calls.size === 0) return slot.post(call);
    if (call.stealable && this.injected.size < INJECT_CELLS - 1 && this.injectCall(call)) return;
    let best: WorkerSlot | null = null;
    for (const slot of this.slots) {
      if (slot.dead || slot.calls.size >= CLAIM_CELLS - 1) continue;
      if (best === null || slot.calls.size < best.calls.size) best = slot;
    }
    if (best !== null) return best.post(call);
    if (!this.slots.some((slot) => !slot.dead)) throw new WorkerCrashed(`spawnOn(${call.fnName}): ${this} has no live worker that can take it`);
    this.backlog.push(call);
  }

  private injectCall(call: RemoteCall): boolean {
    const cell = call.id % INJECT_CELLS;
    if (this.cellHeld[cell] === 1) return false;
    Atomics.store(this.injectClaims, cell, call.id + 1);
    let sent = false;
    try {
      sent = this.inject.trySend({ id: call.id, fn: call.fnName, args: call.args }).ok;
    } catch {
      // Arguments structured clone cannot encode in shared memory (a SharedArrayBuffer): the port takes them.
    }
    if (!sent) {
      Atomics.store(this.injectClaims, cell, STOLEN);
      return false;
    }
    call.queued = true;
    this.injected.set(call.id, call);
    this.cellHeld[cell] = 1;
    if (this.injected.size === 1) this.holdWorkers();
    return true;
  }

  /**
   * The workers are referenced (they keep the process alive) while a call is
   * anywhere: posted to one, or in the inject queue. A call in the queue
   * belongs to no worker until one takes it, so while any is there every
   * worker stays referenced: else, between a worker's last result and its
   * TOOK message for the next queued call, no handle would hold the event loop
   * and the process could exit with the caller still waiting.
   */
  private holdWorkers(): void {
    for (const slot of this.slots) if (!slot.dead) slot.worker.ref();
  }

  /** The inject queue emptied: a worker with nothing posted is referenced no more. */
  private injectedDrained(): void {
    if (this.injected.size > 0) return;
    for (const slot of this.slots) slot.idle();
  }

  /** `id` leaves `injected` (taken, withdrawn, or its worker died): its claim cell may serve another call. */
  private forgetInjected(id: number): void {
    this.injected.delete(id);
    this.cellHeld[id % INJECT_CELLS] = 0;
  }

  /** @internal Withdraws a queued call from the inject queue; false if a worker took it (then returns that worker). */
  uninject(call: RemoteCall): WorkerSlot | null | true {
    const cell = call.id % INJECT_CELLS;
    const was = Atomics.compareExchange(this.injectClaims, cell, call.id + 1, STOLEN);
    if (was === call.id + 1) {
      this.forgetInjected(call.id);
      this.injectedDrained();
      return true;
    }
    return this.slots[-2 - was] ?? null;
  }

  /** @internal Worker `slot` said it took `id` from the inject queue. */
  took(slot: WorkerSlot, id: number): RemoteCall | undefined {
    const call = this.injected.get(id);
    if (call === undefined) return undefined;
    this.forgetInjected(id);
    this.injectedDrained();
    call.slot = slot;
    call.stealable = false; // started: nothing to claim
    return call;
  }

  /**
   * @internal A call of `slot` ended: if that left room on its port, it takes
   * the oldest call waiting for room, if any. (The call that ended may have
   * come from the inject queue, leaving the port as full as it was.)
   */
  next(slot: WorkerSlot): boolean {
    if (slot.calls.size >= CLAIM_CELLS - 1) return false;
    const backlog = this.backlog;
    while (this.backlogHead < backlog.length) {
      const call = backlog[this.backlogHead]!;
      backlog[this.backlogHead++] = null;
      if (this.backlogHead === backlog.length) {
        backlog.length = 0;
        this.backlogHead = 0;
      }
      if (call === null) continue; // cancelled while it waited
      slot.post(call);
      return true;
    }
    return false;
  }

  /** @internal Removes a call that waits for room (its task was cancelled); true if it was waiting. */
  withdraw(call: RemoteCall): boolean {
    const at = this.backlog.indexOf(call, this.backlogHead);
    if (at < 0) return false;
    this.backlog[at] = null;
    return true;
  }

  /** @internal `idle` has nothing left to do: it takes the oldest queued task of the busiest worker. */
  steal(idle: WorkerSlot): void {
    let victim: WorkerSlot | null = null;
    for (const slot of this.slots) {
      if (slot === idle || slot.calls.size < 2) continue;
      if (victim === null || slot.calls.size > victim.calls.size) victim = slot;
    }
    if (victim === null) return;
    for (const call of victim.calls.values()) {
      if (!call.stealable) continue;
      if (victim.claim(call)) {
        this.counts.stolen++;
        idle.post(call);
        return;
      }
    }
  }

  /** @internal A slot died: a fresh worker takes its place, and its queued tasks move. */
  replace(dead: WorkerSlot, reason: string): void {
    const index = this.slots.indexOf(dead);
    const calls = [...dead.calls.values()];
    dead.calls.clear();
    // Calls it took from the inject queue whose TOOK never arrived: the claim cells name it.
    for (const call of this.injected.values()) {
      if (Atomics.load(this.injectClaims, call.id % INJECT_CELLS) === taker(index)) {
        this.forgetInjected(call.id);
        call.slot = dead;
        calls.push(call);
      }
    }
    this.injectedDrained();
    let fresh: WorkerSlot | null = null;
    if (!this.closed && dead.loaded) {
      fresh = new WorkerSlot(this, index);
      this.slots[index] = fresh;
      this.counts.replaced++;
    }
    for (const call of calls) {
      if (!this.closed && call.stealable && call.seq >= 0 && dead.claim(call)) {
        this.counts.stolen++;
        try {
          this.dispatch(call);
        } catch (error) {
          call.fail(error as Error);
        }
      } else {
        call.fail(new WorkerCrashed(`${call.describe()} failed: ${reason}${fresh === null ? "" : "; the worker was replaced"}`));
      }
    }
  }

  /** @internal Asks every worker to cancel its tasks and exit; terminates those that do not within the grace period. */
  async close(): Promise<void> {
    this.closed = true;
    for (const call of [...this.injected.values()]) {
      if (this.uninject(call) === true) call.fail(new PoolClosed(`${call.describe()} was still queued when ${this} closed`));
    }
    this.inject.close();
    await Promise.all(this.slots.map((slot) => slot.close()));
    for (const call of this.injected.values()) call.fail(new PoolClosed(`${call.describe()} was still running when ${this} closed`));
    this.injected.clear();
    this.cellHeld.fill(0);
  }
}

/** One worker thread of a pool, and the calls posted to it. */
class WorkerSlot {
  readonly worker: Worker;
  readonly claims: Int32Array;
  readonly calls = new Map<number, RemoteCall>();
  /** Loaded the module and said READY. */
  loaded = false;
  tag = "";
  dead = false;
  private seq = 0;
  private exiting = false;
  private readonly ready = deferred();
  private readonly exited = deferred();

  constructor(
    readonly pool: Pool,
    readonly index: number,
  ) {
    const claims = new SharedArrayBuffer(CLAIM_CELLS * 4);
    this.claims = new Int32Array(claims);
    this.ready.promise.catch(() => {}); // observed through started()
    const setup: WorkerSetup = { module: pool.module, claims, index, inject: pool.inject.handle, injectClaims: pool.injectClaims.buffer as SharedArrayBuffer };
    this.worker = new Worker(bootstrap(), { eval: true, workerData: setup, name: `${pool.name} worker` });
    this.worker.unref(); // referenced only while it has tasks: an idle pool does not keep the process alive
    this.worker.on("message", (message: FromWorker) => this.received(message));
    this.worker.on("error", (error) => this.died(`threw ${error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : show(error)}`));
    this.worker.on("exit", (code) => {
      this.exited.resolve();
      this.died(`exited with code ${code}`);
    });
  }

  /** Settles once the module is loaded; rejects with the load error. */
  started(): Promise<void> {
    return this.ready.promise;
  }

  post(call: RemoteCall): void {
    const seq = this.seq++;
    call.slot = this;
    call.seq = seq;
    Atomics.store(this.claims, seq % CLAIM_CELLS, seq + 1);
    if (this.calls.size === 0) this.worker.ref();
    this.calls.set(call.id, call);
    this.worker.postMessage({ t: START, id: call.id, seq, fn: call.fnName, args: call.args }, call.transfer);
    call.posted = true;
    if (call.transfer.length > 0) call.stealable = false; // its buffers moved with the first post
  }

  /** Takes `call` back if the worker has not started it (protocol.ts); true if taken. */
  claim(call: RemoteCall): boolean {
    const seq = call.seq;
    if (seq < 0) return false; // not posted to this port (taken from the inject queue)
    if (Atomics.compareExchange(this.claims, seq % CLAIM_CELLS, seq + 1, STOLEN) !== seq + 1) return false;
    this.forget(call);
    return true;
  }

  cancel(call: RemoteCall): void {
    if (this.claim(call)) {
      call.end(); // never started: nothing runs there
      return;
    }
    this.worker.postMessage({ t: CANCEL, id: call.id });
  }

  private forget(call: RemoteCall): void {
    this.calls.delete(call.id);
    this.idle();
  }

  /** Unreferences the worker if it has nothing to do: no call posted to it, none in the inject queue, not closing. */
  idle(): void {
    if (this.calls.size === 0 && !this.exiting && !this.dead && this.pool.injected.size === 0) this.worker.unref();
  }

  /** The worker took call `id` from the inject queue: it is this worker's now. */
  private tookCall(id: number): void {
    const call = this.pool.took(this, id);
    if (call === undefined) return;
    if (this.calls.size === 0) this.worker.ref();
    this.calls.set(call.id, call);
  }

  private received(message: FromWorker): void {
    switch (message.t) {
      case READY:
        this.loaded = true;
        this.tag = message.tag;
        this.ready.resolve();
        return;
      case TOOK:
        this.tookCall(message.id);
        return;
      case LOAD_FAILED:
        this.ready.reject(remoteError(`${this.pool}: loading ${this.pool.module} on a worker failed: ${message.error.name}: ${message.error.message}`, message.error));
        return;
    }
    if ((message.t === DONE || message.t === FAILED) && message.took) this.tookCall(message.id); // its TOOK, folded in
    const call = this.calls.get(message.id);
    if (call === undefined) return;
    this.forget(call);
    switch (message.t) {
      case DONE:
        this.pool.counts.completed++;
        call.result.resolve(message.value);
        break;
      case FAILED:
        this.pool.counts.failed++;
        call.result.reject(remoteError(`${call.describe()} failed: ${message.error.name}: ${message.error.message}`, message.error));
        break;
      case CANCELLED:
        this.pool.counts.cancelled++;
        call.result.reject(new PoolClosed(`${call.describe()} was cancelled on its worker`));
        break;
    }
    call.end();
    if (this.pool.closed) return;
    if (!this.pool.next(this) && this.calls.size === 0) this.pool.steal(this);
  }

  /** The worker is gone (or going): fail what it started, move what it had queued, replace it. */
  private died(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    const what = `worker ${this.tag || "(starting)"} of ${this.pool}`;
    if (!this.loaded) this.ready.reject(new WorkerCrashed(`${what} died before loading ${this.pool.module}: ${reason}`));
    if (this.exiting) {
      for (const call of this.calls.values()) call.fail(new PoolClosed(`${call.describe()} was still running when ${this.pool} closed`));
      this.calls.clear();
      return;
    }
    void this.worker.terminate();
    this.pool.replace(this, `${what} ${reason}`);
  }

  /** Terminates the worker now: a cancelled task on it did not end within the grace period. */
  terminate(reason: string): void {
    this.died(reason);
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.exiting = true;
    this.worker.ref();
    this.worker.postMessage({ t: CLOSE });
    const timer = setTimeout(() => void this.worker.terminate(), this.pool.cancelGrace);
    await this.exited.promise;
    clearTimeout(timer);
  }
}

/** A call posted to a worker, from the local task's side. */
class RemoteCall {
  slot: WorkerSlot | null = null;
  seq = -1;
  /** In the inject queue (until a worker takes it, `slot` is null). */
  queued = false;
  posted = false;
  stealable: boolean;
  /** The remote task's outcome. */
  readonly result: Pending<unknown>;
  /** Nothing of the call runs on a worker any more (ended, cancelled there, or its worker died). */
  over = false;
  /** Made only when a cancelled call's teardown is waited for: settles when it is `over`. */
  private endWait: Pending<undefined> | null = null;

  constructor(
    readonly id: number,
    readonly fnName: string,
    readonly args: unknown[],
    readonly transfer: TransferListItem[],
    readonly pool: Pool,
  ) {
    this.stealable = transfer.length === 0;
    this.result = new Pending(`${this.describe()}: its result`);
  }

  describe(): string {
    return `${this.fnName}() on ${this.slot?.tag ? `worker ${this.slot.tag} of ` : ""}${this.pool}`;
  }

  /** Settles once it is over, for a wait on the remote teardown. */
  get ended(): Pending<undefined> {
    if (this.endWait === null) {
      this.endWait = new Pending(`${this.describe()}: its end`);
      if (this.over) this.endWait.resolve(undefined);
    }
    return this.endWait;
  }

  end(): void {
    this.over = true;
    this.endWait?.resolve(undefined);
  }

  fail(error: Error): void {
    this.result.reject(error);
    this.end();
  }
}

function remoteError(message: string, data: ErrorData): WorkerTaskError {
  return new WorkerTaskError(message, data.name, data.path, data.stack, data.error);
}

function moduleUrl(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== "string" || module === "") {
    throw new TypeError(`createPool(options): options.module must be a path or a file: URL of the module to load on each worker, got ${show(module)}`);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !isAbsolute(module)) return module;
  return pathToFileURL(module).href;
}

/**
 * A pool of `size` worker threads, each running its own Strand runtime with
 * `module` loaded, torn down when the calling task ends (it is a `resource`):
 * tasks still running there are cancelled, and workers that do not exit
 * within `cancelGrace` are terminated. Run work on it with `spawnOn`.
 * Node only (`strand/worker`). Fails at once if the module cannot be loaded.
 *
 * ```ts
 * // fib.ts: export function* fib(n: number) { ... }
 * const pool = yield* createPool({ module: new URL("./fib.js", import.meta.url), size: 2 });
 * const task = yield* spawnOn<number>(pool, "fib", [30]);
 * console.log(yield* task);
 * ```
 */
export function createPool(options: PoolOptions): Operation<Pool> {
  const what = "createPool(options)";
  checkOptions(what, options);
  if (options === undefined) throw new TypeError(`${what}: options is required ({ module })`);
  const module = moduleUrl(options.module);
  const size = options.size ?? availableParallelism();
  if (!Number.isInteger(size) || size < 1) throw new TypeError(`${what}: options.size must be a positive integer, got ${show(size)}`);
  checkName(what, options.name);
  const grace = options.cancelGrace === undefined ? 1_000 : checkMs(what, "options.cancelGrace", options.cancelGrace, false);
  return resource<Pool>(function* pool(provide) {
    const pool = new Pool(options.name ?? "pool", size, module, grace);
    for (let i = 0; i < size; i++) pool.slots.push(new WorkerSlot(pool, i));
    try {
      yield* call(() => Promise.all(pool.slots.map((slot) => slot.started())));
      yield* provide(pool);
    } finally {
      yield* call(() => pool.close());
    }
  });
}

/**
 * Runs the function `fnName` exported by the pool's module on one of its
 * workers, with `args` (by structured clone; `options.transfer` moves
 * buffers instead; a shared channel among them arrives as the same channel),
 * and returns a task in the caller's tree that stands for
 * it. The function may be a generator function (an operation, run as a task
 * of the worker's runtime), an async function or a plain one. Joining the
 * task gives its result (structured clone, or moved: see `transferring`);
 * a failure there is thrown here as `WorkerTaskError` with the remote stack
 * and task path; cancelling the task cancels the remote one and waits for its
 * `finally` blocks. A worker that does not reach a suspension within the
 * pool's `cancelGrace` is terminated and replaced; one that crashes fails
 * the tasks it had started with `WorkerCrashed`, and its queued ones move to
 * other workers.
 *
 * ```ts
 * const tasks = [];
 * for (const n of [30, 31, 32]) tasks.push(yield* spawnOn<number>(pool, "fib", [n]));
 * const results = yield* all(tasks);
 * ```
 */
export function spawnOn<T = unknown>(pool: Pool, fnName: string, args: readonly unknown[] = [], options?: SpawnOnOptions): Operation<Task<T>> {
  const what = "spawnOn(pool, fnName, args, options)";
  if (!(pool instanceof Pool)) throw new TypeError(`${what}: pool must be a Pool made by createPool, got ${show(pool)}`);
  if (typeof fnName !== "string" || fnName === "") throw new TypeError(`${what}: fnName must be the name of a function the pool's module exports, got ${show(fnName)}`);
  if (!Array.isArray(args)) throw new TypeError(`${what}: args must be an array, got ${show(args)}`);
  checkOptions(what, options);
  const transfer = options?.transfer ?? [];
  if (!Array.isArray(transfer)) throw new TypeError(`${what}: options.transfer must be an array of transferables, got ${show(transfer)}`);
  checkName(what, options?.name);
  if (pool.closed) throw new PoolClosed(`spawnOn(pool, "${fnName}"): ${pool} is closed (the scope that created it has ended)`);
  // Shared channels cross as their handles; the worker opens them again (entry.ts).
  const argsCopy = args.map((arg) => (arg instanceof SharedChannelImpl ? arg.handle : arg));
  const transferCopy = [...transfer];
  return spawn<T>(() => remote<T>(pool, fnName, argsCopy, transferCopy), { name: options?.name ?? fnName });
}

function* remote<T>(pool: Pool, fnName: string, args: unknown[], transfer: TransferListItem[]): Operation<T> {
  const call = new RemoteCall(pool.nextId++, fnName, args, transfer, pool);
  pool.dispatch(call);
  try {
    return (yield* call.result) as T;
  } finally {
    if (!call.result.settled) {
      // Cancelled here: cancel there, and wait for its teardown (bounded by the grace period).
      let slot = call.slot;
      if (slot === null && call.queued) {
        const taken = pool.uninject(call);
        if (taken === true) call.end(); // withdrawn from the inject queue: it never ran
        else if (taken !== null) slot = taken; // a worker took it; its TOOK is on the way
      }
      if (slot === null) {
        if (!call.queued) pool.withdraw(call); // never posted: nothing runs anywhere
      } else {
        slot.cancel(call);
        const ended = yield* selectBiased(
          call.ended.onDone(() => true),
          onTimeout(pool.cancelGrace, () => false),
        );
        if (!ended) {
          slot.terminate(`${call.describe()} did not reach a suspension within ${pool.cancelGrace} ms of its cancellation, so its worker was terminated`);
        }
      }
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}
