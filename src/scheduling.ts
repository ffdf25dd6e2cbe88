import { WITHDRAWN, type Abort } from "./core/instructions.js";
import { FREE, PARK, Trap, YIELD, type Begun } from "./core/trap.js";
import { runNext } from "./core/runtime.js";
import { TaskRecord, type Task } from "./core/task.js";
import type { Operation } from "./types.js";

/** yieldNow(): to the back of the ready queue, then on. */
class YieldNow extends Trap<void> {
  protected get what(): string {
    return "yieldNow()";
  }
  constructor() {
    super(FREE); // it yields anyway
  }
  protected begin(): Begun {
    return YIELD;
  }
  protected result(): void {}
  protected again(): YieldNow {
    return new YieldNow();
  }
  abort(): Abort {
    return WITHDRAWN; // never parks
  }
}

/**
 * Lets every other ready task of the same priority run once, then continues
 * (fair round-robin). `while (true) yield* yieldNow()` cannot freeze the process:
 * the run loop returns to the host event loop on a time slice.
 */
export function yieldNow(): Operation<void> {
  return new YieldNow();
}

/** suspend(): parks until cancelled. */
class Suspend extends Trap<never> {
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

/** transfer(target): `target` runs next; this task goes to the back of the queue. */
class Transfer extends Trap<void> {
  protected get what(): string {
    return "transfer()";
  }
  private declare readonly target: TaskRecord<unknown>;

  constructor(target: TaskRecord<unknown>) {
    super(FREE); // it yields anyway
    this.target = target;
  }
  protected begin(me: TaskRecord<unknown>): Begun {
    if (this.target !== me) runNext(me, this.target, "transfer(target)");
    return YIELD;
  }
  protected result(): void {}
  protected again(): Transfer {
    return new Transfer(this.target);
  }
  abort(): Abort {
    return WITHDRAWN; // never parks
  }
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
  return new Transfer(target);
}
