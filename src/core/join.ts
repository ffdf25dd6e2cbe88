/**
 * Joins: waiting for a task to end — `yield* task`, `await task`, and the
 * teardown handle `task.cancel()` returns — and who takes a failed task's error.
 *
 * A joiner is told when its task ends (`finish` in lifecycle.ts wakes every
 * joiner, oldest first). Those who await `cancel()` take a failure (it does not
 * also fail the parent); a join by a task (`yield* task`) handles a root's
 * failure, so its promise is not reported as an unhandled rejection.
 */
import { Link, LinkedList } from "./list.js";
import { AFTER, AT_ONCE, PARK, Trap, type Begun } from "./trap.js";
import { WITHDRAWN, type Abort, type Instruction } from "./instructions.js";
import { Cancelled } from "./errors.js";
import type { Operation } from "./operation.js";
import { NOT_READY, type ClauseWait, type SelectClause, type Selector } from "./clause.js";
import { COMPLETED, extraOf, FAILED, type TaskRecord } from "./task.js";
import { failure } from "./lifecycle.js";

export const ignore = (): void => {};

/** Someone waiting for a task to end. */
export interface Joiner extends Link {
  ended(task: TaskRecord<unknown>): void;
  /**
   * Set by those who await `task.cancel()`: the task's failure is theirs (they
   * get it, catchable) and does not also fail the task's parent.
   */
  readonly awaitsCancel?: true;
}

export function joinersOf(task: TaskRecord<unknown>): LinkedList<Joiner> {
  return (task.joiners ??= new LinkedList<Joiner>());
}

/** Registers `joiner` to be told when `task` ends (the task must not have ended). */
export function addJoiner(task: TaskRecord<unknown>, joiner: Joiner): void {
  joinersOf(task).push(joiner);
}

/** Stops telling `joiner` about `task`'s end (it may already have been told). */
export function removeJoiner(task: TaskRecord<unknown>, joiner: Joiner): void {
  task.joiners?.remove(joiner);
}

/** The result of a finished task, or its error thrown. */
export function outcome<T>(task: TaskRecord<T>): T {
  if (task.status === COMPLETED) return task.result as T;
  const extra = extraOf(task);
  extra.observed = true;
  if (task.status === FAILED) {
    // A root's failure taken by a join is handled: its promise must not be reported as unhandled.
    extra.promise?.catch(ignore);
    throw failure(task);
  }
  throw new Cancelled(task);
}

export function settle<T>(task: TaskRecord<T>, resolve: (value: T) => void, reject: (error: unknown) => void): void {
  try {
    resolve(outcome(task));
  } catch (error) {
    reject(error);
  }
}

/** `yield* task.cancel()`: parks until the teardown is over, then throws its error if it failed. */
/** @internal */
export class CancelWait extends Trap<void> implements Joiner {
  declare readonly awaitsCancel: true;
  protected get what(): string {
    return "yield* task.cancel()";
  }

  private declare readonly teardown: Teardown;

  constructor(teardown: Teardown) {
    super(AFTER); // an immediate completion like any other; it takes nothing
    this.awaitsCancel = true as const;
    this.teardown = teardown;
  }
  protected begin(): Begun {
    const target = this.teardown.task;
    if (target.status >= COMPLETED) return AT_ONCE;
    // Cancelling yourself or an ancestor: your own teardown is what you wait for.
    joinersOf(target).push(this);
    return PARK;
  }
  protected result(): void {
    this.teardown.rethrow();
  }
  protected again(): CancelWait {
    return new CancelWait(this.teardown);
  }
  ended(): void {
    this.wake();
  }
  abort(): Abort {
    this.teardown.task.joiners?.remove(this);
    return WITHDRAWN;
  }
  override describe(): string {
    return `teardown of ${this.teardown.task} (cancel())`;
  }
}

/** `await task`, and `await task.cancel()` (then it `awaitsCancel`). */
export class PromiseJoiner extends Link implements Joiner {
  constructor(
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: unknown) => void,
    readonly awaitsCancel?: true,
  ) {
    super();
  }
  ended(task: TaskRecord<unknown>): void {
    settle(task, this.resolve, this.reject);
  }
}

/** `yield* task`: parks until the task ends, then returns its result or throws its error. */
export class JoinOperation<T> extends Trap<T> implements Joiner {
  protected get what(): string {
    return "yield* task";
  }

  /** @internal */ declare readonly target: TaskRecord<T>;

  constructor(target: TaskRecord<T>) {
    super(AFTER); // joining takes nothing
    this.target = target; // a plain store, not a class field: one per join, on the hot path
  }
  protected begin(me: TaskRecord<unknown>): Begun {
    const target = this.target;
    if (target.status >= COMPLETED) return AT_ONCE;
    if (me === target) throw new Error(`${target} cannot join itself`);
    joinersOf(target).push(this);
    return PARK;
  }
  protected result(): T {
    return outcome(this.target);
  }
  protected again(): JoinOperation<T> {
    return new JoinOperation(this.target);
  }
  override describe(): string {
    return `join of ${this.target}`;
  }
  ended(): void {
    this.wake();
  }
  abort(): Abort {
    this.target.joiners?.remove(this);
    return WITHDRAWN;
  }
}

/** What `task.cancel()` returns: waits for the teardown, in a task or with await. */
export class Teardown implements Operation<void>, PromiseLike<void> {
  /** The task had already ended when cancelled: its old outcome is not this teardown's. */
  private readonly endedBefore: boolean;

  constructor(/** @internal */ readonly task: TaskRecord<unknown>) {
    this.endedBefore = task.status >= COMPLETED;
  }

  [Symbol.iterator](): Iterator<Instruction, void, unknown> {
    return new CancelWait(this);
  }

  then<A = void, B = never>(
    onfulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        try {
          this.rethrow();
          resolve();
        } catch (error) {
          reject(error);
        }
      };
      if (this.task.status >= COMPLETED) settle();
      else joinersOf(this.task).push(new PromiseJoiner(settle, settle, true));
    }).then(onfulfilled, onrejected);
  }

  /** A teardown that failed throws its error to whoever awaits it, and counts as handled. */
  rethrow(): void {
    const task = this.task;
    if (task.status === FAILED && !this.endedBefore) {
      const extra = extraOf(task);
      extra.observed = true;
      extra.promise?.catch(ignore);
      throw failure(task);
    }
  }
}


/**
 * `task.onJoin(handler)`: a select clause that wins when the task ends; the
 * handler receives its result, and a failed (or cancelled) task throws at the
 * select, as a join does (kotlinx `onJoin` / `onAwait`).
 */
export class JoinClause<T, R> implements SelectClause<R> {
  constructor(
    readonly target: TaskRecord<T>,
    readonly handler: ((value: T) => R) | undefined,
  ) {}

  describe(): string {
    return `join of ${this.target}`;
  }

  attempt(): R | typeof NOT_READY {
    return this.target.status >= COMPLETED ? this.result() : NOT_READY;
  }

  enqueue(selector: Selector): ClauseWait<R> {
    const wait = new JoinWait<T, R>(this, selector);
    joinersOf(this.target).push(wait);
    return wait;
  }

  result(): R {
    const value = outcome(this.target);
    return this.handler === undefined ? (value as unknown as R) : this.handler(value);
  }
}

/** @internal A select's wait for a task's end (`onJoin`). */
export class JoinWait<T, R> extends Link implements Joiner, ClauseWait<R> {
  constructor(
    /** @internal */ readonly clause: JoinClause<T, R>,
    private readonly selector: Selector,
  ) {
    super();
  }
  ended(): void {
    if (this.selector.choose(this)) this.selector.complete();
  }
  withdraw(): void {
    this.clause.target.joiners?.remove(this);
  }
  giveBack(): void {} // joining takes nothing
  result(): R {
    return this.clause.result();
  }
}
