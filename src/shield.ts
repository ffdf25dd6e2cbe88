/**
 * `shield(body)`: an operation that a cancellation waits for instead of
 * interrupting (Trio's shielded cancel scope, kotlinx's `NonCancellable`).
 *
 * The body runs in a child task flagged DAEMON | BOUNDARY (core/task.ts): a
 * daemon, so the caller's teardown does not cancel it with its own children;
 * a boundary, so its failure goes to the caller's join rather than failing the
 * caller from the side. The caller joins it with a shielded trap: when the
 * caller is cancelled, the join's `abort()` reports FAILED (core/trap.ts), the
 * caller stays parked until the body ends, and only then unwinds — its own
 * `finally` blocks run after the body, and its other children are torn down
 * meanwhile.
 */
import type { Abort, Instruction } from "./core/instructions.js";
import { JoinOperation } from "./core/join.js";
import { operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { BOUNDARY, createTask, DAEMON, type Body, type TaskRecord } from "./core/task.js";
import type { Operation } from "./types.js";
import { checkBody, nameOf } from "./validate.js";

/** A join that a cancellation of the joiner cannot withdraw. */
class ShieldedJoin<T> extends JoinOperation<T> {
  protected override get what(): string {
    return "shield()";
  }
  protected override again(): ShieldedJoin<T> {
    return new ShieldedJoin(this.target);
  }
  override describe(): string {
    return `shielded ${super.describe()}`;
  }
  override abort(): Abort {
    return this.shield(); // keeps its place among the body's joiners
  }
  protected override forsake(): void {
    this.target.joiners?.remove(this);
  }
}

/**
 * Runs `body` so that a cancellation of the current task waits for it instead
 * of interrupting it: the body runs to its end, its result is returned (or
 * its error thrown) if the task was not cancelled meanwhile, and otherwise the
 * cancellation goes on from there (a failure of the body then fails the task).
 * For work that must not be cut in half — committing a transaction, flushing
 * a log, handing back a lease. The body itself can still be cancelled through
 * its own task handle, and a deadlock still ends it. Keep it short: nothing
 * above can hurry it, not `timeout`, not a second `cancel()`.
 *
 * ```ts
 * yield* shield(function* () {
 *   yield* call(() => db.commit(tx)); // a cancellation waits for the commit
 * });
 * ```
 */
export function shield<T>(body: Body<T>): Operation<T> {
  checkBody("shield(body)", body);
  return operation(shielding<T>, body);
}

function* shielding<T>(body: Body<T>): Iterator<Instruction, T, unknown> {
  const me = requireCurrent("shield()");
  const child: TaskRecord<T> = createTask(body, me, me.runtime, nameOf(body, "shield"), me.priority, DAEMON | BOUNDARY);
  return yield* new ShieldedJoin(child);
}
