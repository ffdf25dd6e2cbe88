/**
 * timeout(ms, body): runs body under a deadline. Apart from time.ts so that a
 * program that only sleeps does not load (or bundle) the deadline machinery and
 * its saveable types.
 */
import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { ownOperation } from "./core/operation.js";
import { FREE, PARK, Trap, checkStage, savedStage, setStage, type Begun, type Stage } from "./core/trap.js";
import { isSaveableWait, saveable, saveableFunction, type Restoring, type SaveableWait, type Saving } from "./core/saving.js";
import { Link } from "./core/list.js";
import { addTimer, removeTimer, requireCurrent } from "./core/runtime.js";
import { BOUNDARY, createTask, ended, wasCancelled, TaskRecord, type Body } from "./core/task.js";
import { addJoiner, JoinOperation, outcome, removeJoiner, Teardown, type Joiner } from "./core/join.js";
import { NEXT, RETURN, THROW } from "./core/resume.js";
import { requestCancel } from "./core/lifecycle.js";
import type { TimerEntry } from "./core/timers.js";
import { TimeoutError } from "./errors.js";
import type { Operation } from "./types.js";
import { checkBody, checkFunction, checkMs, checkOptions, nameOf } from "./validate.js";
import { keep, sampleTask } from "./core/keep.js";


class TargetEnded extends Link implements Joiner {
  constructor(private readonly deadline: Deadline) {
    super();
  }
  ended(): void {
    removeTimer(this.deadline.task, this.deadline);
    this.deadline.wake(false);
  }
}

/** Parks until a task ends or a deadline passes, whichever comes first; returns true if the deadline passed. */
class Deadline extends Trap<boolean> implements TimerEntry {
  declare deadline: number;
  declare seq: number;
  declare heapIndex: number;
  private readonly joiner = new TargetEnded(this);
  protected get what(): string {
    return "timeout()";
  }

  constructor(
    private readonly target: TaskRecord<unknown>,
    private readonly ms: number,
  ) {
    super(FREE); // it always parks
    this.deadline = 0;
    this.seq = 0;
    this.heapIndex = -1;
  }
  protected begin(task: TaskRecord<unknown>): Begun {
    addJoiner(this.target, this.joiner);
    addTimer(task, this, this.ms);
    return PARK;
  }
  protected result(expired: unknown): boolean {
    return expired as boolean;
  }
  protected again(): Deadline {
    return new Deadline(this.target, this.ms);
  }
  override describe(): string {
    return `timeout: join of ${this.target} until t=${this.deadline}`;
  }
  fire(): void {
    removeJoiner(this.target, this.joiner);
    this.wake(true);
  }
  abort(): Abort {
    removeTimer(this.task, this);
    removeJoiner(this.target, this.joiner);
    return WITHDRAWN;
  }

  // Snapshots (core/saving.ts): the task it waits for, and what is left of its timer.
  static save(deadline: Deadline, saving: Saving): SavedDeadline {
    return { target: deadline.target, ms: deadline.ms, stage: savedStage(deadline), left: deadline.heapIndex >= 0 ? deadline.deadline - saving.now : null, seq: deadline.seq };
  }
  static revive(data: SavedDeadline): Deadline {
    if (!(data.target instanceof TaskRecord) || typeof data.ms !== "number" || !(data.ms >= 0)) throw new TypeError("a saved timeout() deadline has no task or duration");
    const deadline = new Deadline(data.target, data.ms);
    setStage(deadline, checkStage(data.stage));
    deadline.left = typeof data.left === "number" ? data.left : null;
    deadline.seq = typeof data.seq === "number" ? data.seq : 0;
    return deadline;
  }
  private declare left: number | null;
  wakesAt(): number {
    return this.heapIndex >= 0 ? this.deadline : Infinity;
  }
  rearm(task: TaskRecord<unknown>, restoring: Restoring): void {
    this.task = task;
    // Not fired yet: it waits for the task and the time left again (woken and not run since: nothing to wait for).
    if (this.left !== null && task.resumeKind === 0 /* NONE */) {
      addJoiner(this.target, this.joiner);
      restoring.timer(task, this, this.left, this.seq);
    }
  }
}

interface SavedDeadline {
  target: TaskRecord<unknown>;
  ms: number;
  stage: Stage;
  left: number | null;
  seq: number;
}

saveable<Deadline & SaveableWait>({ id: "strand:timeout.deadline", Class: Deadline, save: Deadline.save, revive: Deadline.revive });

export interface TimeoutOptions<F> {
  /**
   * Called when the deadline passes (after the body's teardown): its result is
   * returned instead of throwing `TimeoutError` — kotlinx's `withTimeoutOrNull`,
   * with the fallback yours to choose.
   */
  orElse?: () => F;
}

/**
 * Runs `body` as a child and returns its result, or cancels it after `ms`
 * milliseconds (waiting for its teardown) and throws `TimeoutError` — or, with
 * `{ orElse }`, returns `orElse()` instead. A body that finished by the time
 * the deadline is noticed keeps its result.
 *
 * The fallback is an option of `timeout` rather than a function of its own:
 * the deadline, the teardown and the rule for a body that finished in time
 * are the same, and only what a missed deadline produces differs.
 *
 * ```ts
 * const page = yield* timeout(5_000, fetchPage(url));
 * const cached = yield* timeout(100, fetchPage(url), { orElse: () => cache.get(url) });
 * ```
 */
export function timeout<T>(ms: number, body: Body<T>): Operation<T>;
export function timeout<T, F>(ms: number, body: Body<T>, options: TimeoutOptions<F>): Operation<T | F>;
export function timeout<T, F>(ms: number, body: Body<T>, options?: TimeoutOptions<F>): Operation<T | F> {
  checkMs("timeout(ms, body)", "ms", ms);
  checkBody("timeout(ms, body)", body);
  checkOptions("timeout(ms, body, options)", options);
  const orElse = options?.orElse;
  if (orElse !== undefined) checkFunction("timeout(ms, body, options)", "orElse", orElse);
  if (!keptTimeout && sampleTask !== null) keepTimeout();
  return new TimeoutOperation<T, F>(ms, body, orElse ?? null);
}

let keptTimeout = false;
function* sampleBody(): Generator<never, void, unknown> {}

/** Keeps the hidden classes of timeout()'s operation, its run and its deadline alive (core/keep.ts). */
function keepTimeout(): void {
  keptTimeout = true;
  keep(new TimeoutOperation<void, never>(1, sampleBody, null));
  keep(new Timing<void, never>(1, sampleBody, null));
  keep(new Deadline(sampleTask!, 1));
}

/** `timeout(ms, body, options)` as an operation: each iteration is a fresh `Timing`. */
class TimeoutOperation<T, F> implements Operation<T | F> {
  constructor(
    private readonly ms: number,
    private readonly body: Body<T>,
    private readonly orElse: (() => F) | null,
  ) {}
  [Symbol.iterator](): Iterator<Instruction, T | F, unknown> {
    return new Timing(this.ms, this.body, this.orElse);
  }
}
ownOperation(TimeoutOperation);

// Where a Timing stands.
const SPAWN = 0; // not started
const JOIN = 1; // ms = Infinity: joining the child
const DEADLINE = 2; // waiting for the child or the deadline
const TEARDOWN = 3; // the deadline passed: waiting for the child's teardown
const FINISHED = 4;

/**
 * One run of `timeout()`: spawns the body as a child, waits for it or the
 * deadline, cancels it and waits for its teardown if the deadline came first.
 * Written as a state machine over its inner waits (a `yield*` of each, by
 * hand), not as a generator, so that a task-tree snapshot can save a compiled
 * coroutine waiting in a `timeout()` (core/saving.ts): its state is data.
 */
class Timing<T, F> implements Iterator<Instruction, T | F, unknown>, SaveableWait {
  phase = SPAWN;
  child: TaskRecord<T> | null = null;
  /** The wait it delegates to now, as `yield*` would. */
  inner: Iterator<Instruction, unknown, unknown> | null = null;
  expired = false;

  constructor(
    readonly ms: number,
    readonly body: Body<T>,
    readonly orElse: (() => F) | null,
  ) {}

  next(value?: unknown): IteratorResult<Instruction, T | F> {
    return this.step(NEXT, value);
  }
  throw(error: unknown): IteratorResult<Instruction, T | F> {
    return this.step(THROW, error);
  }
  return(value?: unknown): IteratorResult<Instruction, T | F> {
    return this.step(RETURN, value);
  }

  private step(mode: number, value: unknown): IteratorResult<Instruction, T | F> {
    const inner = this.inner;
    if (inner !== null) {
      let result: IteratorResult<Instruction, unknown>;
      try {
        result = mode === NEXT ? inner.next(value) : mode === THROW ? inner.throw!(value) : inner.return!(value);
      } catch (error) {
        this.inner = null;
        this.phase = FINISHED;
        throw error;
      }
      if (!result.done) return result;
      this.inner = null;
      if (mode === RETURN) {
        this.phase = FINISHED;
        return { done: true, value: result.value as T | F };
      }
      value = result.value;
    } else if (mode !== NEXT) {
      this.phase = FINISHED;
      if (mode === THROW) throw value;
      return { done: true, value: value as T | F };
    }
    return this.advance(value);
  }

  /** Goes on from where it stands with the value the last wait gave. */
  private advance(value: unknown): IteratorResult<Instruction, T | F> {
    switch (this.phase) {
      case SPAWN: {
        const me = requireCurrent("timeout()");
        const child = (this.child = createTask(this.body, me, me.runtime, nameOf(this.body, "timeout"), me.priority, BOUNDARY));
        if (this.ms === Infinity) {
          this.phase = JOIN;
          return this.delegate(child[Symbol.iterator]());
        }
        this.phase = DEADLINE;
        return this.delegate(new Deadline(child, this.ms)[Symbol.iterator]());
      }
      case JOIN:
        this.phase = FINISHED;
        return { done: true, value: value as T };
      case DEADLINE: {
        this.expired = value as boolean;
        const child = this.child!;
        if (!ended(child)) {
          requestCancel(child);
          this.phase = TEARDOWN;
          return this.delegate(new Teardown(child)[Symbol.iterator]());
        }
        return this.finish();
      }
      case TEARDOWN:
        return this.finish();
      default:
        return { done: true, value: undefined as T };
    }
  }

  /** Starts a `yield*` of `inner`: its first step (it may complete at once). */
  private delegate(inner: Iterator<Instruction, unknown, unknown>): IteratorResult<Instruction, T | F> {
    this.inner = inner;
    return this.step(NEXT, undefined);
  }

  private finish(): IteratorResult<Instruction, T | F> {
    this.phase = FINISHED;
    const child = this.child!;
    if (this.expired && wasCancelled(child)) {
      if (this.orElse !== null) return { done: true, value: this.orElse() };
      throw new TimeoutError(this.ms);
    }
    return { done: true, value: outcome(child) };
  }

  // Snapshots (core/saving.ts): where it stands and the wait it delegates to (a join, or the deadline).
  static save(timing: Timing<unknown, unknown>): SavedTiming {
    if (timing.phase !== JOIN && timing.phase !== DEADLINE) throw new Error("a timeout() that is not waiting for its body cannot be saved (its teardown is under way)");
    return { ms: timing.ms, body: timing.body, orElse: timing.orElse, phase: timing.phase, child: timing.child!, inner: timing.inner };
  }
  static revive(data: SavedTiming): Timing<unknown, unknown> {
    const { ms, phase, child, inner } = data;
    if (typeof ms !== "number" || !(ms >= 0) || (phase !== JOIN && phase !== DEADLINE) || !(child instanceof TaskRecord)) throw new TypeError("a saved timeout() has no deadline or body");
    if (data.orElse !== null && typeof data.orElse !== "function") throw new TypeError("a saved timeout()'s orElse is not a function");
    if (!isSaveableWait(inner) || !(inner instanceof (phase === JOIN ? JoinOperation : Deadline))) throw new TypeError("a saved timeout() waits on nothing");
    const timing = new Timing(ms, data.body, data.orElse);
    timing.phase = phase;
    timing.child = child;
    timing.inner = inner as unknown as Iterator<Instruction, unknown, unknown>;
    return timing;
  }
  /** The wait its task parks on. */
  get waitingOn(): unknown {
    return this.inner;
  }
  wakesAt(): number | null {
    const inner = this.inner as unknown as SaveableWait | null;
    return inner === null ? null : (inner.wakesAt?.() ?? Infinity);
  }
  rearm(task: TaskRecord<unknown>, restoring: Restoring): void {
    (this.inner as unknown as SaveableWait | null)?.rearm(task, restoring);
  }
}

interface SavedTiming {
  ms: number;
  body: Body<unknown>;
  orElse: (() => unknown) | null;
  phase: number;
  child: TaskRecord<unknown>;
  inner: unknown;
}

saveable<Timing<unknown, unknown>>({ id: "strand:timeout", Class: Timing, save: Timing.save, revive: Timing.revive });
saveableFunction("strand:timeout.next", Timing.prototype.next);
