import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { AT_ONCE, FREE, PARK, Trap, type Begun } from "./core/trap.js";
import { operation } from "./core/operation.js";
import { Link } from "./core/list.js";
import { ended, type Body, type TaskRecord } from "./core/task.js";
import { addJoiner, outcome, removeJoiner, type Joiner } from "./core/join.js";
import { requestCancel } from "./core/lifecycle.js";
import { scoped, supervisor } from "./scope.js";
import { spawnRecord } from "./spawn.js";
import type { Operation, Result } from "./types.js";
import { checkBody } from "./validate.js";

type Results<T extends readonly Operation<unknown>[]> = { -readonly [K in keyof T]: Result<T[K]> };

export type Settled<T> = { status: "fulfilled"; value: T } | { status: "rejected"; reason: unknown };
type SettledResults<T extends readonly Operation<unknown>[]> = { -readonly [K in keyof T]: Settled<Result<T[K]>> };

function checkList(what: string, operations: unknown): Body<unknown>[] {
  if (!Array.isArray(operations)) throw new TypeError(`${what}: operations must be an array of operations`);
  return operations.map((operation, i) => checkBody(what, operation, `operations[${i}]`));
}

/**
 * Runs every operation concurrently and returns their results in order. If one
 * fails, the others are cancelled and the error is thrown (several errors come
 * as one `AggregateError`).
 *
 * ```ts
 * const [user, posts] = yield* all([fetchUser(id), fetchPosts(id)]);
 * ```
 */
export function all<const T extends readonly Operation<unknown>[]>(operations: T): Operation<Results<T>> {
  return scoped(operation(allOf, checkList("all(operations)", operations))) as Operation<Results<T>>;
}

function* allOf(bodies: Body<unknown>[]): Iterator<Instruction, unknown[], unknown> {
  const tasks: TaskRecord<unknown>[] = [];
  for (const body of bodies) tasks.push(yield* spawnRecord(body));
  const results: unknown[] = [];
  for (const task of tasks) results.push(yield* task);
  return results;
}

/**
 * Runs every operation concurrently and reports how each ended, like
 * `Promise.allSettled`; one failing does not cancel the others.
 */
export function allSettled<const T extends readonly Operation<unknown>[]>(operations: T): Operation<SettledResults<T>> {
  return supervisor(operation(allSettledOf, checkList("allSettled(operations)", operations))) as Operation<SettledResults<T>>;
}

function* allSettledOf(bodies: Body<unknown>[]): Iterator<Instruction, Settled<unknown>[], unknown> {
  const tasks: TaskRecord<unknown>[] = [];
  for (const body of bodies) tasks.push(yield* spawnRecord(body));
  const results: Settled<unknown>[] = [];
  for (const task of tasks) {
    try {
      results.push({ status: "fulfilled", value: yield* task });
    } catch (reason) {
      results.push({ status: "rejected", reason });
    }
  }
  return results;
}

class AnyEnded extends Link implements Joiner {
  constructor(
    private readonly wait: FirstEnded,
    readonly target: TaskRecord<unknown>,
  ) {
    super();
  }
  ended(task: TaskRecord<unknown>): void {
    this.wait.ended(task);
  }
}

/** Parks until the first of several tasks ends (the coop seed's "wait on any"), and returns it. */
class FirstEnded extends Trap<TaskRecord<unknown>> {
  private readonly links: AnyEnded[] = [];
  protected get what(): string {
    return "race()";
  }

  constructor(private readonly targets: readonly TaskRecord<unknown>[]) {
    super(FREE); // a race decided at once does not count: its tasks have just been spawned
  }
  protected begin(): Begun {
    if (this.targets.some(ended)) return AT_ONCE;
    for (const target of this.targets) {
      const link = new AnyEnded(this, target);
      this.links.push(link);
      addJoiner(target, link);
    }
    return PARK;
  }
  protected result(winner: unknown): TaskRecord<unknown> {
    return (winner as TaskRecord<unknown> | undefined) ?? this.targets.find(ended)!;
  }
  protected again(): FirstEnded {
    return new FirstEnded(this.targets);
  }
  override describe(): string {
    return `race of ${this.targets.map((target) => target.toString()).join(", ")}`;
  }
  ended(task: TaskRecord<unknown>): void {
    this.abort();
    // The losers are cancelled now, not when the race's task next runs: one that
    // was handed a value (a received element) but has not run yet gives it back.
    for (const target of this.targets) if (target !== task) requestCancel(target);
    this.wake(task);
  }
  abort(): Abort {
    for (const link of this.links) removeJoiner(link.target, link);
    return WITHDRAWN;
  }
}

/**
 * Runs the operations concurrently; the first to end wins: its result is
 * returned (or its error thrown), and the others are cancelled and torn down
 * before `race` returns.
 *
 * ```ts
 * const reply = yield* race([receive(replies), timeoutAfter(1_000)]);
 * ```
 */
export function race<const T extends readonly Operation<unknown>[]>(operations: T): Operation<Result<T[number]>> {
  const bodies = checkList("race(operations)", operations);
  if (bodies.length === 0) throw new TypeError("race(operations): needs at least one operation");
  return scoped(operation(raceOf, bodies)) as Operation<Result<T[number]>>;
}

function* raceOf(bodies: Body<unknown>[]): Iterator<Instruction, unknown, unknown> {
  const tasks: TaskRecord<unknown>[] = [];
  for (const body of bodies) tasks.push(yield* spawnRecord(body));
  const winner = yield* new FirstEnded(tasks);
  for (const task of tasks) if (task !== winner) requestCancel(task);
  return outcome(winner);
}
