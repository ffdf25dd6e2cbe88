import { Suspension, WITHDRAWN, YIELD_NOW, type Abort, type Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { requireCurrent, runNext } from "./core/runtime.js";
import { TaskRecord, type Task } from "./core/task.js";
import type { Operation } from "./types.js";

const yieldNowOperation: Operation<void> = {
  *[Symbol.iterator]() {
    requireCurrent("yieldNow()");
    yield YIELD_NOW;
  },
};

/**
 * Lets every other ready task of the same priority run once, then continues
 * (fair round-robin). `while (true) yield* yieldNow()` cannot freeze the process:
 * the run loop returns to the host event loop on a time slice.
 */
export function yieldNow(): Operation<void> {
  return yieldNowOperation;
}

class Forever extends Suspension {
  abort(): Abort {
    return WITHDRAWN;
  }
  describe(): string {
    return "suspend() (until cancelled)";
  }
  override get waitsForCancel(): boolean {
    return true;
  }
}

const suspendOperation: Operation<never> = {
  *[Symbol.iterator]() {
    yield new Forever(requireCurrent("suspend()"));
    throw new Error("internal: suspend() resumed");
  },
};

/** Parks the current task until it is cancelled (its `finally` blocks then run). */
export function suspend(): Operation<never> {
  return suspendOperation;
}

/** @internal Parks forever: used by `sleep(Infinity)`. */
export { Forever };

/**
 * Direct hand-off: `target` runs next, and the current task goes to the back of
 * the ready queue (the C seed's `switch_ctx`). The target must be ready to run —
 * just spawned, or itself yielded or transferred — not parked on something.
 *
 * ```ts
 * yield* transfer(pong); // pong runs now; we continue when our turn comes again
 * ```
 */
export function transfer(target: Task<unknown>): Operation<void> {
  if (!(target instanceof TaskRecord)) throw new TypeError(`transfer(target): target must be a task, got ${String(target)}`);
  return operation(transferring, target);
}

function* transferring(target: TaskRecord<unknown>): Iterator<Instruction, void, unknown> {
  const me = requireCurrent("transfer()");
  if (target !== me) runNext(me, target, "transfer(target)");
  yield YIELD_NOW;
}
