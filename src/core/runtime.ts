/**
 * The run loop: drains the ready queue synchronously, resuming each task's top
 * frame until it yields an instruction, and returns to the host event loop on a
 * time slice so that timers and I/O never starve.
 *
 * Invariants:
 * - At most one task executes at a time, and the active run context names it
 *   (null between steps).
 * - A task in the ready queue has a pending resumption (`resumeKind !== NONE`);
 *   an entry whose task has none is stale and skipped.
 * - Nothing is allocated per resume by the loop itself; promises appear only at
 *   the edges (`run`'s promise, `call`).
 */
import type { Clock } from "./clock.js";
import { Call, FAILED, Suspension, YIELD_NOW, type Instruction } from "./instructions.js";
import { ReadyQueue } from "./queue.js";
import { NEXT, NONE, RETURN, THROW, UNWIND } from "./resume.js";
import { TimerHeap, type TimerEntry } from "./timers.js";
import { bodyDone, fail, interrupt, recordError, requestTeardownAtYield } from "./lifecycle.js";
import { DeadlockError } from "./errors.js";
import { dispatch, drainsUnderWay, probing, watched } from "./probes.js";
import { UNWATCHED, WATCHED } from "./muted.js";
import { captureThrow, frameDepth, popFrame, pushFrame } from "./frames.js";
import { ended, type TaskRecord } from "./task.js";
import { BUDGET, bind, budgetLeft, currentTask } from "./registers.js";

export { BUDGET, budgetSpent, currentTask, requireCurrent } from "./registers.js";

/** How long one drain may run before it returns to the host event loop. */
const SLICE_MS = 8;

/**
 * The run context: what a drain binds — the executing task, what is left of
 * its budget, and the lifecycle work list (task.ts) — one per runtime. `active`
 * is the context of the runtime draining now (IDLE between drains); a drain
 * binds its own and restores the outer one however it ends, so a task that
 * drains another runtime (advancing its virtual clock) keeps its own.
 *
 * The two fields every operation touches live in registers while a context is
 * bound (registers.ts), and are saved into the outer context when a nested
 * drain binds another one.
 */
export class RunContext {
  /** The task whose code is executing, or null between steps. */
  task: TaskRecord<unknown> | null = null;
  /** Immediate completions left to the executing task in this step. */
  budget = BUDGET;
  /** Tasks waiting for their next lifecycle step (task.ts `notify`). */
  readonly work: TaskRecord<unknown>[] = [];
  workCount = 0;
  advancing = false;
}

const IDLE = new RunContext();
let active: RunContext = IDLE;

/**
 * The host's next macrotask: setImmediate where there is one (Node, Bun, Deno);
 * in a browser a MessageChannel message, since a browser clamps nested
 * setTimeout(0) calls to 4 ms, which would make each return to the host a 4 ms sleep.
 */
const macrotask: (callback: () => void) => void =
  typeof setImmediate === "function"
    ? (callback) => setImmediate(callback)
    : typeof MessageChannel === "function"
      ? postMessageTask
      : (callback) => setTimeout(callback, 0);

let messagePort: MessagePort | undefined;
const messageTasks: (() => void)[] = [];

function postMessageTask(callback: () => void): void {
  if (messagePort === undefined) {
    // Made on first use, so importing the core creates nothing.
    const channel = new MessageChannel();
    channel.port1.onmessage = () => messageTasks.shift()!();
    messagePort = channel.port2;
  }
  messageTasks.push(callback);
  messagePort.postMessage(null);
}

export class Runtime {
  readonly context = new RunContext();
  readonly ready = new ReadyQueue();
  readonly timers = new TimerHeap();
  draining = false;
  /** @internal What the drain under way mutes of the probe sites (core/muted.ts), noted at its start. */
  muted = WATCHED;
  /**
   * @internal The run loop's state while a drain is watched, kept and read by
   * core/watch.ts (fields of the runtime, in a register, rather than of a
   * module's object): the runtime's clock in whole ms as read at the start of
   * the current group of steps (what the tasks parked and woken in it are
   * stamped with), performance.now() then (-1 outside a watched drain), and
   * the group's steps, parks and wakes (added to `tally` when it ends).
   */
  watchedAt = 0;
  /** @internal */ groupStart = -1;
  /** @internal */ steps = 0;
  /** @internal */ parks = 0;
  /** @internal */ wakes = 0;
  /** A drain is already scheduled (microtask, macrotask, or the end of a host callback). */
  kicked = false;
  private alarmAt = Infinity;
  private idleScheduled = false;
  /** The clock threw: its error failed the root, and the clock is not called again. */
  private clockBroken = false;
  /** The runtime whose task started this run, if one did (a test's leak check looks for runs it started). */
  startedIn: Runtime | null = null;
  /** The run's root task: a failure of the clock fails it; deadlock reports walk its tree. */
  root: TaskRecord<unknown> | null = null;
  /**
   * Outside things that can still wake a task: pending `call()` promises and
   * `action()`s, and `hold()`s (sockets, worker messages). While any is
   * pending, a virtual clock does not jump ahead of real time, and no deadlock
   * is reported.
   */
  external = 0;
  /**
   * Nothing outside the run can reach its tasks (`runTest`): when no task can
   * run, no timer is set and no external work is pending, parked tasks are
   * deadlocked and the run fails with `DeadlockError` at once.
   */
  closedWorld = false;
  /**
   * Something outside may cancel the root (`main`: a signal): a tree parked in
   * `suspend()` with nothing else to do waits for it instead of being reported.
   */
  cancellableFromOutside = false;
  /** Holds the host's event loop while such a tree waits (see `quiet()`). */
  private keepAlive: ReturnType<typeof setInterval> | undefined = undefined;

  constructor(
    readonly clock: Clock,
    /** Random numbers for unbiased choices (select); seeded under `runTest`. */
    readonly random: () => number = Math.random,
  ) {}

  /** Queues a task that has a pending resumption; starts a drain if none is under way. */
  schedule(task: TaskRecord<unknown>): void {
    if (task.queuedAt < 0) this.ready.push(task);
    if (!this.draining && !this.kicked) this.kick();
  }

  /**
   * `schedule` for a task that was parked: probes see it woken. In a drain
   * where no probe needs to see it (the common case of a hand-off, also with
   * tracking on) this reads one field.
   */
  wake(task: TaskRecord<unknown>): void {
    if (task.queuedAt < 0) this.ready.push(task);
    if (this.muted === WATCHED) this.wakeWatched(task);
  }

  private wakeWatched(task: TaskRecord<unknown>): void {
    if (!this.draining && !this.kicked) this.kick();
    if (probing.on) watched.wake(this, task);
  }

  private kick(): void {
    this.kicked = true;
    if (hostDepth > 0) hostKicked.push(this); // drained when the host callback ends (leaveHost)
    else queueMicrotask(this.drain);
  }

  addTimer(entry: TimerEntry, ms: number): void {
    const deadline = this.clock.now() + ms; // a throwing now() fails the operation that set the timer
    this.timers.add(entry, deadline);
    if (probing.on) dispatch.timerSet(deadline);
    if (!this.draining && deadline < this.alarmAt) this.arm();
  }

  removeTimer(entry: TimerEntry): void {
    // The alarm is left as it is: when it goes off with nothing due, it is re-armed.
    this.timers.remove(entry);
  }

  /** Counts one more outside thing that can wake a task; `release()` when it is over. */
  hold(): void {
    this.external++;
  }

  release(): void {
    if (--this.external === 0 && !this.draining && !this.kicked) this.scheduleIdle();
  }

  /** Registers the run's root (the runtime's first task) and watches for the host going quiet. */
  started(root: TaskRecord<unknown>): void {
    this.root = root;
    liveRuntimes.add(this);
    watchHostExit();
  }

  /** The root ended: nothing is left to report or keep alive. */
  ended(): void {
    liveRuntimes.delete(this);
    deferredChecks.delete(this);
    if (deferredChecks.size > 0) recheckDeferred(this);
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  readonly drain = (): void => {
    this.kicked = false;
    if (this.draining) return;
    this.draining = true;
    this.muted = UNWATCHED;
    if (probing.on) watched.watch(this);
    const context = this.context;
    const outer = active;
    outer.task = currentTask(); // save the outer context's registers
    outer.budget = budgetLeft();
    active = context;
    bind(null, BUDGET);
    // The slice's clock is read when a drain steps its second task: a drain that
    // runs one task for one I/O event (most of them) reads no clock, and the
    // slice leaves out only that first step.
    let start = -1;
    let work = 0;
    drainsUnderWay.push(this);
    try {
      if (probing.on) dispatch.draining(this);
      this.fireDue();
      for (;;) {
        const task = this.ready.shift();
        if (task === undefined) break;
        if (start < 0 && work > 0) start = performance.now();
        if (this.muted === UNWATCHED) step(task);
        else watched.step(this, task);
        // A step may include up to BUDGET immediate completions: count them as work too,
        // so a loop of ready operations still returns to the host within the slice.
        work += 1 + BUDGET - budgetLeft();
        if (work >= 256) {
          work = 0;
          if (performance.now() - start <= SLICE_MS) continue;
          // Back to the host: timers and I/O callbacks get their turn.
          if (probing.on) dispatch.hostYield();
          this.kicked = true;
          macrotask(this.drain);
          break;
        }
      }
    } finally {
      drainsUnderWay.pop();
      active = outer;
      bind(outer.task, outer.budget); // and restore them
      this.draining = false;
      if (this.muted !== UNWATCHED) watched.unwatch(this);
      this.muted = WATCHED;
      if (probing.on) dispatch.drained();
    }
    this.arm();
    if (!this.kicked) this.scheduleIdle();
    if (deferredChecks.size > 0) recheckDeferred(this);
  };

  /** After host callbacks settle, tells a virtual clock that nothing can run, or looks for a deadlock. */
  private scheduleIdle(): void {
    if (this.idleScheduled || this.clockBroken) return;
    const virtual = this.timers.size > 0 && this.clock.idle !== undefined;
    const closed = this.closedWorld && this.timers.size === 0 && this.external === 0;
    if (!virtual && !closed) return;
    this.idleScheduled = true;
    macrotask(this.onIdle);
  }

  private fireDue(): void {
    const timers = this.timers;
    if (timers.size === 0 || this.clockBroken) return;
    let now: number;
    try {
      now = this.clock.now();
    } catch (error) {
      this.clockFailed(error);
      return;
    }
    for (let entry = timers.peek(); entry !== undefined && entry.deadline <= now; entry = timers.peek()) {
      timers.pop();
      if (probing.on) dispatch.timerFired(entry.deadline);
      entry.fire();
    }
  }

  private arm(): void {
    if (this.clockBroken) return;
    const next = this.timers.peek();
    try {
      if (next === undefined) {
        if (this.alarmAt !== Infinity) {
          this.alarmAt = Infinity;
          this.clock.clearAlarm();
        }
      } else if (next.deadline !== this.alarmAt) {
        this.alarmAt = next.deadline;
        this.clock.setAlarm(next.deadline, this.onAlarm);
      }
    } catch (error) {
      this.clockFailed(error);
    }
  }

  /**
   * The clock threw: the run fails with its error (nothing else could report
   * it: this runs in a host callback or between steps). Timers no longer fire;
   * the teardown cancels whoever waits on them.
   */
  private clockFailed(error: unknown): void {
    this.clockBroken = true;
    if (this.root !== null) fail(this.root, error);
  }

  private readonly onAlarm = (): void => {
    this.alarmAt = Infinity;
    // Inside a drain (a task advanced a virtual clock): the drain re-arms when it
    // ends, and the clock fires that due alarm once the drain is over.
    if (!this.draining) this.drain();
  };

  private readonly onIdle = (): void => {
    this.idleScheduled = false;
    if (this.draining || this.kicked || !this.ready.isEmpty() || this.clockBroken) return;
    if (this.timers.size > 0) {
      try {
        this.clock.idle?.({ external: this.external });
      } catch (error) {
        this.clockFailed(error);
      }
    } else if (this.closedWorld && this.external === 0) {
      // Only when certain: another run of this thread that can still act may
      // yet wake a task here (a channel or a join across runs). Look again once
      // some runtime has drained or ended. Other closed worlds (other tests)
      // are not waited for: each judges itself.
      for (const other of liveRuntimes) {
        if (other !== this && !other.closedWorld && !other.isQuiet()) {
          deferredChecks.add(this);
          return;
        }
      }
      this.deadlocked(false);
    }
  };

  /** Another runtime drained or ended: a deadlock check deferred for it may be due now. */
  recheck(): void {
    if (!this.draining && !this.kicked) this.scheduleIdle();
  }

  /** True when nothing in this runtime can run or wake by itself: no ready task, timer or external work. */
  isQuiet(): boolean {
    return !this.draining && !this.kicked && this.ready.isEmpty() && this.timers.size === 0 && this.external === 0;
  }

  /**
   * The host has nothing left to do (its event loop is empty): a run whose
   * tasks are still parked can never be woken, unless something outside may
   * still cancel it and it waits for that on purpose (`main` with a task in
   * `suspend()`): then the host is kept alive for the signal.
   */
  quiet(): void {
    if (this.isQuiet()) this.deadlocked(this.cancellableFromOutside);
  }

  /**
   * Every task is parked and nothing can wake them: fails each blocked wait
   * with one `DeadlockError` naming them all (its task unwinds from there, and
   * the run fails with it) — Go's "all goroutines are asleep - deadlock!".
   */
  private deadlocked(waitForCancel: boolean): void {
    const root = this.root;
    if (root === null || ended(root)) return;
    const blocked = parkedTasks(root);
    if (blocked.length === 0) return;
    if (waitForCancel && blocked.some((task) => task.suspension!.waitsForCancel)) {
      this.keepAlive ??= setInterval(() => {}, 2 ** 30);
      return;
    }
    const error = new DeadlockError(blocked.map((task) => ({ path: task.path, waitsOn: task.suspension!.describe() })));
    for (const task of blocked) interrupt(task, error);
  }
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && !(error as { strandDepth?: true }).strandDepth && /call stack/i.test(error.message);
}

function depthError(task: TaskRecord<unknown>, cause: unknown): RangeError {
  const error = new RangeError(
    `${task} overflowed the call stack in nested yield* calls. ` +
      `Write deeply recursive operations with fn(function* (...) {...}): the run loop trampolines fn calls, ` +
      `so their depth is bounded by memory rather than the native stack.`,
    { cause },
  );
  (error as { strandDepth?: true }).strandDepth = true;
  return error;
}

function badInstruction(task: TaskRecord<unknown>, value: unknown): TypeError {
  const isOperation = typeof value === "object" && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === "function";
  const kind = isOperation ? (value as object).constructor?.name : undefined;
  const shown = isOperation
    ? kind !== undefined && kind !== "Object" ? `an operation (${kind})` : "an operation"
    : typeof value === "string"
      ? JSON.stringify(value)
      : String(value);
  return new TypeError(
    `${task} yielded ${shown} to the run loop; compose operations with yield* (not yield), ` +
      `and yield* only Strand operations inside a task`,
  );
}

/**
 * Runs one task until it parks, yields, or ends. The loop resumes only the top
 * frame, so a resume is O(1) in the depth of trampolined calls.
 */
export function step(task: TaskRecord<unknown>): void {
  let kind = task.resumeKind;
  if (kind === NONE) return; // stale entry
  let value = task.resumeValue;
  task.resumeKind = NONE;
  task.resumeValue = undefined;
  task.suspension = null;
  bind(task, BUDGET);
  let frame = task.frame;
  if (frame === null) {
    try {
      frame = task.open();
    } catch (error) {
      bodyDone(task, false, error);
      return;
    }
  }
  for (;;) {
    let result: IteratorResult<unknown, unknown>;
    let ok = true;
    try {
      if (task.unwindDepth >= 0 && task.unwindDepth === frameDepth(task) && (frame as unknown as Partial<Unwindable>)[UNWIND] !== undefined) {
        result = (frame as unknown as Unwindable)[UNWIND](kind, value);
      } else if (kind === NEXT) result = frame.next(value);
      else if (kind === THROW) result = throwInto(frame, value);
      else result = frame.return !== undefined ? frame.return(value) : { done: true, value };
    } catch (error) {
      ok = false;
      value = isStackOverflow(error) ? depthError(task, error) : error;
      result = undefined!;
      captureThrow(task, value); // the failure path only: where it left a frame, for its report
    }
    if (!ok || result.done) {
      // The frame ended: returned `value`, or threw it.
      if (ok) value = result.value;
      const index = frameDepth(task);
      if (index === 0) {
        bodyDone(task, ok, value);
        return;
      }
      frame = popFrame(task);
      task.frame = frame;
      if (index === task.unwindDepth) {
        // This frame was being unwound by cancellation: keep unwinding below it.
        if (!ok) recordError(task, value);
        task.unwindDepth = index - 1;
        kind = RETURN;
        value = undefined;
      } else {
        kind = ok ? NEXT : THROW;
      }
      continue;
    }
    const instruction = result.value as Instruction;
    if (task.halting && task.unwindDepth < 0 && task.status === 1 /* RUNNING */) {
      // Cancelled while it ran: undo what it just registered and tear down.
      // A shielded wait (abort FAILED) keeps the task parked on it (trap.ts).
      if (instruction instanceof Suspension && instruction.task === task && instruction.abort() === FAILED) task.suspension = instruction;
      requestTeardownAtYield(task);
      return;
    }
    if (instruction instanceof Suspension) {
      if (instruction.task !== task) {
        // `yield op` instead of `yield* op`: an operation object that is also a
        // suspension (sleep, spawn, receive...) but was never started by this task.
        kind = THROW;
        value = badInstruction(task, instruction);
        continue;
      }
      task.suspension = instruction;
      return;
    }
    if (instruction === YIELD_NOW) {
      task.resumeKind = NEXT;
      task.runtime.schedule(task);
      return;
    }
    if (instruction instanceof Call) {
      let callee: Iterator<Instruction, unknown, unknown>;
      try {
        callee = instruction.open();
      } catch (error) {
        kind = THROW;
        value = error;
        continue;
      }
      pushFrame(task, frame, instruction);
      task.frame = frame = callee;
      kind = NEXT;
      value = undefined;
      continue;
    }
    kind = THROW;
    value = badInstruction(task, instruction);
  }
}

interface Unwindable {
  [UNWIND](kind: number, value: unknown): IteratorResult<unknown, unknown>;
}

function throwInto(frame: Iterator<unknown, unknown, unknown>, error: unknown): IteratorResult<unknown, unknown> {
  if (frame.throw !== undefined) return frame.throw(error);
  // An iterator without throw(): close it, then the error continues below it.
  frame.return?.();
  throw error;
}

// ---------------------------------------------------------------------------
// The narrow API for the modules above core: timers, time and randomness of
// the runtime a task runs on, and the hand-off slot.

/** Sets `entry` to fire after `ms` milliseconds on `task`'s runtime (its clock's time). */
export function addTimer(task: TaskRecord<unknown>, entry: TimerEntry, ms: number): void {
  task.runtime.addTimer(entry, ms);
}

/** Removes `entry` from `task`'s runtime's timers, if it is there. */
export function removeTimer(task: TaskRecord<unknown>, entry: TimerEntry): void {
  task.runtime.removeTimer(entry);
}

/** The time on `task`'s runtime's clock, in milliseconds. */
export function timeOf(task: TaskRecord<unknown>): number {
  return task.runtime.clock.now();
}

/** A random number in [0, 1) from `task`'s runtime (seeded under `runTest`). */
export function randomOf(task: TaskRecord<unknown>): () => number {
  return task.runtime.random;
}

/** Host callbacks under way that run the tasks they wake before returning (`enterHost`). */
let hostDepth = 0;
/** Runtimes a task was scheduled on during such a callback: drained when it ends. */
const hostKicked: Runtime[] = [];

/**
 * @internal A host callback (an I/O event: data arrived, a stream drained)
 * begins: the tasks it wakes run when it ends (`leaveHost`), before the host
 * goes on, instead of in a microtask after it — one hop less per event, and
 * the woken task's reply (a socket write) goes out from the event itself, as
 * a plain Node handler's would. Calls nest; only the outermost drains.
 */
export function enterHost(): void {
  hostDepth++;
}

/**
 * @internal The host callback `enterHost` began has ended: drains the runtimes
 * it scheduled tasks on. Inside a drain (an event emitted synchronously by a
 * task's own call, e.g. a write into a PassThrough) they are drained in a
 * microtask instead, as any wake-up from a task is.
 */
export function leaveHost(): void {
  if (--hostDepth > 0) return;
  const nested = active !== IDLE;
  for (let runtime = hostKicked.pop(); runtime !== undefined; runtime = hostKicked.pop()) {
    if (!runtime.kicked || runtime.draining) continue; // drained meanwhile, or a drain is already queued
    if (nested) {
      queueMicrotask(runtime.drain);
      continue;
    }
    try {
      runtime.drain();
    } catch (error) {
      for (const rest of hostKicked.splice(0)) queueMicrotask(rest.drain);
      throw error;
    }
  }
}

/** Counts outside work that may still wake a task of `task`'s runtime (see `Runtime.external`). */
export function holdExternal(task: TaskRecord<unknown>): void {
  task.runtime.hold();
}

export function releaseExternal(task: TaskRecord<unknown>): void {
  task.runtime.release();
}

/**
 * Lets `target` run next, before anything else queued on the runtime (the
 * hand-off of `transfer`). Throws if `target` cannot take it: another runtime's
 * task, one that has ended, or one that is parked rather than ready.
 */
export function runNext(me: TaskRecord<unknown>, target: TaskRecord<unknown>, what: string): void {
  if (target.runtime !== me.runtime) throw new Error(`${what}: ${target} runs under another run() and cannot be switched to`);
  if (ended(target)) throw new Error(`${what}: ${target} has already ended`);
  if (target.queuedAt < 0) throw new Error(`${what}: ${target} is not ready to run (it is parked waiting for something)`);
  me.runtime.ready.runFirst(target);
}

// ---------------------------------------------------------------------------
// Live runtimes: the registry dumps and the host-exit check walk.

/** Runtimes whose root has not ended. Held weakly: a tree nobody can reach any more is not kept alive by it. */
const liveRuntimes = new (class {
  private readonly refs = new Set<WeakRef<Runtime>>();
  private readonly index = new WeakMap<Runtime, WeakRef<Runtime>>();
  private readonly cleanup = new FinalizationRegistry<WeakRef<Runtime>>((ref) => this.refs.delete(ref));

  add(runtime: Runtime): void {
    const ref = new WeakRef(runtime);
    this.refs.add(ref);
    this.index.set(runtime, ref);
    this.cleanup.register(runtime, ref, ref);
  }

  delete(runtime: Runtime): void {
    const ref = this.index.get(runtime);
    if (ref === undefined) return;
    this.refs.delete(ref);
    this.index.delete(runtime);
    this.cleanup.unregister(ref);
  }

  *[Symbol.iterator](): Iterator<Runtime> {
    for (const ref of [...this.refs]) {
      const runtime = ref.deref();
      if (runtime !== undefined) yield runtime;
    }
  }
})();

/** The runtimes of this thread whose root has not ended (for dumps). */
export function runtimes(): Runtime[] {
  return [...liveRuntimes];
}

/** Closed-world runtimes whose deadlock check waits for another runtime (see `onIdle`). */
const deferredChecks = new Set<Runtime>();

/** `source` drained or ended: the runtimes waiting on others look again. */
function recheckDeferred(source: Runtime): void {
  for (const runtime of [...deferredChecks]) {
    if (runtime === source) continue;
    deferredChecks.delete(runtime);
    runtime.recheck();
  }
}

let watchingHostExit = false;

/**
 * When the host's event loop runs empty (Node's "beforeExit"), every live run
 * is parked with nothing able to wake it: report each as a deadlock instead of
 * letting the process exit with an unsettled promise (Node's exit code 13). The
 * host is looked up at run time, so the core imports no Node module.
 */
function watchHostExit(): void {
  if (watchingHostExit) return;
  watchingHostExit = true;
  const host = (globalThis as { process?: { on?(event: string, listener: () => void): void } }).process;
  host?.on?.("beforeExit", () => {
    for (const runtime of liveRuntimes) runtime.quiet();
  });
}

/** The tasks of a tree parked on a suspension (not queued to run), in tree order; iterative, as trees can be deep. */
function parkedTasks(root: TaskRecord<unknown>): TaskRecord<unknown>[] {
  const parked: TaskRecord<unknown>[] = [];
  const pending: TaskRecord<unknown>[] = [root];
  for (let task = pending.pop(); task !== undefined; task = pending.pop()) {
    if (task.suspension !== null && task.resumeKind === NONE) parked.push(task);
    for (let child = task.lastChild; child !== null; child = child.prevSibling) pending.push(child);
  }
  return parked;
}
