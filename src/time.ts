import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { FREE, PARK, Trap, checkStage, savedStage, setStage, type Begun, type Stage } from "./core/trap.js";
import { saveable, type Restoring, type SaveableWait, type Saving } from "./core/saving.js";
import { Link } from "./core/list.js";
import { addTimer, removeTimer, requireCurrent, timeOf } from "./core/runtime.js";
import { BOUNDARY, createTask, ended, wasCancelled, type Body, type TaskRecord } from "./core/task.js";
import { addJoiner, outcome, removeJoiner, Teardown, type Joiner } from "./core/join.js";
import { requestCancel } from "./core/lifecycle.js";
import type { TimerEntry } from "./core/timers.js";
import { TimeoutError } from "./errors.js";
import type { Operation } from "./types.js";
import { checkBody, checkFunction, checkMs, checkOptions, nameOf } from "./validate.js";

/** sleep(ms): parks on a timer (or forever, for Infinity). */
class Sleep extends Trap<void> implements TimerEntry {
  declare deadline: number;
  declare seq: number;
  declare heapIndex: number;
  protected get what(): string {
    return "sleep()";
  }

  private declare readonly ms: number;

  constructor(ms: number) {
    super(FREE); // it always parks
    this.ms = ms;
    this.deadline = 0;
    this.seq = 0;
    this.heapIndex = -1;
  }
  protected begin(task: TaskRecord<unknown>): Begun {
    if (this.ms !== Infinity) addTimer(task, this, this.ms);
    return PARK;
  }
  protected result(): void {}
  protected again(): Sleep {
    return new Sleep(this.ms);
  }
  override describe(): string {
    return this.ms === Infinity ? "sleep(Infinity)" : `sleep until t=${this.deadline}`;
  }
  fire(): void {
    this.wake();
  }
  abort(): Abort {
    removeTimer(this.task, this);
    return WITHDRAWN;
  }

  // Snapshots (core/saving.ts): what is left of the timer, if it has not fired.
  static save(sleep: Sleep, saving: Saving): SavedSleep {
    return { ms: sleep.ms, stage: savedStage(sleep), left: sleep.heapIndex >= 0 ? sleep.deadline - saving.now : null, seq: sleep.seq };
  }
  static revive(data: SavedSleep): Sleep {
    const ms = data.ms;
    if (typeof ms !== "number" || !(ms >= 0)) throw new TypeError(`a saved sleep() lasts ${String(ms)} ms`);
    const sleep = new Sleep(ms);
    setStage(sleep, checkStage(data.stage));
    sleep.left = typeof data.left === "number" ? data.left : null;
    sleep.seq = typeof data.seq === "number" ? data.seq : 0;
    return sleep;
  }
  private declare left: number | null;
  rearm(task: TaskRecord<unknown>, restoring: Restoring): void {
    this.task = task;
    if (this.left !== null) restoring.timer(task, this, this.left, this.seq);
  }
}

interface SavedSleep {
  ms: number;
  stage: Stage;
  /** Milliseconds the timer had left, or null once it fired. */
  left: number | null;
  /** The order it was set in among the runtime's timers. */
  seq: number;
}

saveable<Sleep & SaveableWait>({ id: "strand:sleep", Class: Sleep, save: Sleep.save, revive: Sleep.revive });

/**
 * Parks the current task for `ms` milliseconds on its runtime's clock (virtual
 * under `runTest`). `sleep(Infinity)` parks until cancelled.
 *
 * ```ts
 * yield* sleep(100);
 * ```
 */
export function sleep(ms: number): Operation<void> {
  checkMs("sleep(ms)", "ms", ms);
  return new Sleep(ms);
}

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
  return operation(timing<T, F>, ms, body, orElse ?? null);
}

function* timing<T, F>(ms: number, body: Body<T>, orElse: (() => F) | null): Iterator<Instruction, T | F, unknown> {
  const me = requireCurrent("timeout()");
  const child = createTask(body, me, me.runtime, nameOf(body, "timeout"), me.priority, BOUNDARY);
  if (ms === Infinity) return yield* child;
  const expired = yield* new Deadline(child, ms);
  if (!ended(child)) {
    requestCancel(child);
    yield* new Teardown(child);
  }
  if (expired && wasCancelled(child)) {
    if (orElse !== null) return orElse();
    throw new TimeoutError(ms);
  }
  return outcome(child);
}

// eslint-disable-next-line require-yield
function* reading(): Iterator<Instruction, number, unknown> {
  return timeOf(requireCurrent("now()"));
}

const nowOperation: Operation<number> = operation(reading);

/** The current time on the task's clock, in milliseconds (virtual under `runTest`). */
export function now(): Operation<number> {
  return nowOperation;
}
