/**
 * timeout(ms, body): runs body under a deadline. Apart from time.ts so that a
 * program that only sleeps does not load (or bundle) the deadline machinery.
 */
import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { ownOperation } from "./core/operation.js";
import { FREE, PARK, Trap, type Begun } from "./core/trap.js";
import { Link } from "./core/list.js";
import { addTimer, removeTimer, requireCurrent } from "./core/runtime.js";
import { BOUNDARY, createTask, ended, wasCancelled, type Body, type TaskRecord } from "./core/task.js";
import { addJoiner, outcome, removeJoiner, Teardown, type Joiner } from "./core/join.js";
import { NEXT, RETURN, THROW, stepDelegate } from "./core/resume.js";
import { requestCancel } from "./core/lifecycle.js";
import type { TimerEntry } from "./core/timers.js";
import { TimeoutError } from "./errors.js";
import type { Operation } from "./types.js";
import { checkBody, checkFunction, checkMs, checkOptions, nameOf } from "./validate.js";
import { keep, sampleBody, sampleTask } from "./core/keep.js";


class TargetEnded extends Link implements Joiner {
  constructor(private readonly deadline: Deadline) {
    super();
  }
  ended(): void {
    removeTimer(this.deadline.task, this.deadline);
    this.deadline.wake(false);
  }
}

/** @internal Parks until a task ends or a deadline passes, whichever comes first; returns true if the deadline passed. */
export class Deadline extends Trap<boolean> implements TimerEntry {
  declare deadline: number;
  declare seq: number;
  declare heapIndex: number;
  /** @internal */ readonly joiner = new TargetEnded(this);
  protected get what(): string {
    return "timeout()";
  }

  constructor(
    /** @internal */ readonly target: TaskRecord<unknown>,
    /** @internal */ readonly ms: number,
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
}

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
export const JOIN = 1; // ms = Infinity: joining the child
export const DEADLINE = 2; // waiting for the child or the deadline
const TEARDOWN = 3; // the deadline passed: waiting for the child's teardown
const FINISHED = 4;

/**
 * One run of `timeout()`: spawns the body as a child, waits for it or the
 * deadline, cancels it and waits for its teardown if the deadline came first.
 * Written as a state machine over its inner waits (a `yield*` of each, by
 * hand), not as a generator, so that a task-tree snapshot can save a compiled
 * coroutine waiting in a `timeout()` (durable/saveables/time.ts): its state is data.
 * @internal
 */
export class Timing<T, F> implements Iterator<Instruction, T | F, unknown> {
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
        result = stepDelegate(inner, mode, value);
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
}
