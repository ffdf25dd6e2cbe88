import { WITHDRAWN, YIELD_NOW, type Abort, type Instruction } from "./core/instructions.js";
import { FREE, PARK, Trap, type Begun } from "./core/trap.js";
import { ownOperation } from "./core/operation.js";
import { requireCurrent, runNext } from "./core/runtime.js";
import { TaskRecord, type Task } from "./core/task.js";
import type { Operation } from "./types.js";
import { keep } from "./core/keep.js";

const YIELDING: IteratorResult<Instruction, void> = Object.freeze({ done: false, value: YIELD_NOW });
const DONE: IteratorResult<Instruction, void> = Object.freeze({ done: true, value: undefined });

let keptYielding = false;

/**
 * `yieldNow()` and `transfer(target)`: the YIELD_NOW instruction's own
 * operation, as `fn`'s calls are the Call instruction's. Not a trap: it
 * neither completes at once nor parks, takes nothing, and has no budget rule —
 * so it keeps its own two-step iterator, out of the shared trap machine
 * (through it, a loop of yieldNow() in an application that uses many kinds of
 * trap measured 1.4x slower).
 * @internal
 */
export class Yielding implements Operation<void>, Iterator<Instruction, void, unknown> {
  /** @internal */ yielded = false;

  /** `target`: the task to run next (transfer), or null (yieldNow). */
  constructor(/** @internal */ readonly target: TaskRecord<unknown> | null) {
    if (!keptYielding) {
      keptYielding = true;
      keep(new Yielding(null)); // its hidden classes (core/keep.ts)
    }
  }

  [Symbol.iterator](): Iterator<Instruction, void, unknown> {
    return this.yielded ? new Yielding(this.target) : this;
  }

  next(): IteratorResult<Instruction, void> {
    if (this.yielded) return DONE;
    const target = this.target;
    const me = requireCurrent(target === null ? "yieldNow()" : "transfer()");
    if (target !== null && target !== me) runNext(me, target, "transfer(target)");
    this.yielded = true;
    return YIELDING;
  }

  return(): IteratorResult<Instruction, void> {
    this.yielded = true;
    return DONE;
  }

  throw(error: unknown): IteratorResult<Instruction, void> {
    this.yielded = true;
    throw error;
  }
}
ownOperation(Yielding);

/**
 * Lets every other ready task of the same priority run once, then continues
 * (fair round-robin). `while (true) yield* yieldNow()` cannot freeze the process:
 * the run loop returns to the host event loop on a time slice.
 */
export function yieldNow(): Operation<void> {
  return new Yielding(null);
}

/** @internal suspend(): parks until cancelled. */
export class Suspend extends Trap<never> {
  protected get what(): string {
    return "suspend()";
  }
  constructor() {
    super(FREE); // it always parks
  }
  protected begin(): Begun {
    return PARK;
  }
  protected result(): never {
    throw new Error("internal: suspend() resumed");
  }
  protected again(): Suspend {
    return new Suspend();
  }
  abort(): Abort {
    return WITHDRAWN;
  }
  override describe(): string {
    return "suspend() (until cancelled)";
  }
  override get waitsForCancel(): boolean {
    return true;
  }
}

/** Parks the current task until it is cancelled (its `finally` blocks then run). */
export function suspend(): Operation<never> {
  return new Suspend();
}

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
  return new Yielding(target);
}
