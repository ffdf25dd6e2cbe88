/**
 * `resource(body)`: set something up, hand it to the caller, tear it down when
 * the caller's task ends (Effection's `resource`).
 *
 * The body runs in a child task of the caller flagged DAEMON | RESOURCE
 * (core/task.ts): the caller does not wait for it to end, and its teardown is
 * a cleanup registered on the caller when the resource is made, so it runs
 * after the caller's `finally` blocks and children, in LIFO order with the
 * caller's `ensure` cleanups. The body's own frames are the task's frames, so
 * a `finally` in the body that suspends unwinds correctly (the README's known
 * limitation of plain `yield*` helpers does not reach it).
 *
 * | state     | meaning                                                   |
 * |-----------|-----------------------------------------------------------|
 * | SETTING   | the body runs; the caller is parked on its Provision      |
 * | PROVIDED  | `provide(value)` handed the value over; the body is parked |
 * |           | in it until the caller's cleanup cancels it                |
 * | (ended)   | the body ended before providing: its failure, cancellation |
 * |           | or missing value is thrown at the caller's `yield*`        |
 *
 * Invariant: until the value is provided, the resource's failure is the
 * caller's to catch (its joiner claims it, as one awaiting `cancel()` does);
 * after that, a failure fails the caller as a child's failure does.
 */
import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { Link } from "./core/list.js";
import { operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { AFTER, AT_ONCE, PARK, Trap, type Begun } from "./core/trap.js";
import { addCleanup, createTask, DAEMON, ended, RESOURCE, type TaskRecord } from "./core/task.js";
import { addJoiner, outcome, removeJoiner, type Joiner } from "./core/join.js";
import { suspend } from "./scheduling.js";
import type { Operation } from "./types.js";
import { checkFunction, nameOf } from "./validate.js";

/** Hands the resource's value to the caller; then parks until the caller's task ends. */
export type Provide<T> = (value: T) => Operation<never>;

/** What the caller waits on: the value, or the resource task's end. */
class Provision<T> {
  provided = false;
  value: T | undefined = undefined;
  waiting: WaitForValue<T> | null = null;
  readonly watch = new EndedFirst(this);
  child: TaskRecord<unknown> | null = null;

  provide(value: T): void {
    this.provided = true;
    this.value = value;
    removeJoiner(this.child!, this.watch);
    this.waiting?.wake();
  }
}

/** Told when the resource task ends; before the value is provided, its failure is the caller's. */
class EndedFirst<T> extends Link implements Joiner {
  constructor(private readonly provision: Provision<T>) {
    super();
  }
  get awaitsCancel(): true | undefined {
    return this.provision.provided ? undefined : true;
  }
  ended(): void {
    this.provision.waiting?.wake();
  }
}

/** The caller parked until the value is provided or the resource task ends. */
class WaitForValue<T> extends Trap<T> {
  protected get what(): string {
    return "resource()";
  }
  constructor(private readonly provision: Provision<T>) {
    super(AFTER); // the resource task exists either way; waiting takes nothing
  }
  protected begin(): Begun {
    const provision = this.provision;
    if (provision.provided || ended(provision.child!)) return AT_ONCE;
    provision.waiting = this;
    return PARK;
  }
  protected result(): T {
    const provision = this.provision;
    provision.waiting = null;
    if (provision.provided) return provision.value as T;
    const child = provision.child!;
    outcome(child); // throws its failure, or Cancelled
    throw new Error(`resource(body): ${child} returned without providing a value; a resource body must yield* provide(value)`);
  }
  protected again(): WaitForValue<T> {
    return new WaitForValue(this.provision);
  }
  override describe(): string {
    return `resource: set-up of ${this.provision.child}`;
  }
  abort(): Abort {
    // The caller is cancelled during the set-up: the resource task stays its
    // child, torn down by the cleanup like a provided one.
    this.provision.waiting = null;
    removeJoiner(this.provision.child!, this.provision.watch);
    return WITHDRAWN;
  }
}

/**
 * An operation that sets something up, returns it to the caller, and tears it
 * down when the caller's task ends, however it ends: after the caller's own
 * `finally` blocks and children, newest first with its `ensure` cleanups. The
 * body runs in a task of its own that does not keep the caller from
 * completing; it calls `yield* provide(value)` once, and the code after (a
 * `finally`) is the teardown, which may suspend — this is the safe way to
 * write open/close helpers whose cleanup waits (see the README's known
 * limitations). An error before `provide` is thrown at the caller's `yield*`;
 * one after it fails the caller's task, as a child's failure does.
 *
 * ```ts
 * function useDb(url: string): Operation<Db> {
 *   return resource(function* (provide) {
 *     const db = yield* call(() => Db.connect(url));
 *     try {
 *       yield* provide(db);
 *     } finally {
 *       yield* call(() => db.close()); // runs when the caller's task ends
 *     }
 *   });
 * }
 * ```
 */
export function resource<T>(body: (provide: Provide<T>) => Operation<void>): Operation<T> {
  checkFunction("resource(body)", "body", body);
  const tag = Object.prototype.toString.call(body);
  if (tag === "[object AsyncFunction]" || tag === "[object AsyncGeneratorFunction]") {
    throw new TypeError("resource(body): body is an async function; it must be a generator function (function* (provide) {...})");
  }
  return operation(providing<T>, body, nameOf(body, "resource"));
}

function* providing<T>(body: (provide: Provide<T>) => Operation<void>, name: string): Iterator<Instruction, T, unknown> {
  const me = requireCurrent("resource()");
  const provision = new Provision<T>();
  const provide: Provide<T> = (value) => operation(handOver<T>, provision, value);
  const child = createTask(() => body(provide), me, me.runtime, name, me.priority, DAEMON | RESOURCE);
  provision.child = child;
  if (!ended(child)) addJoiner(child, provision.watch); // born cancelled when the caller is

  addCleanup(me, () => (ended(child) ? undefined : child.cancel()));
  return yield* new WaitForValue(provision);
}

function* handOver<T>(provision: Provision<T>, value: T): Iterator<Instruction, never, unknown> {
  const me = requireCurrent("provide()");
  if (me !== provision.child) throw new TypeError(`provide(value): called from ${me}; only the resource's own body may provide its value`);
  if (provision.provided) throw new TypeError(`provide(value): ${me} has provided its value already; a resource provides once`);
  provision.provide(value);
  return yield* suspend();
}
