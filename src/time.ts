import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { FREE, PARK, Trap, type Begun } from "./core/trap.js";
import { addTimer, removeTimer, requireCurrent, timeOf } from "./core/runtime.js";
import type { TaskRecord } from "./core/task.js";
import type { TimerEntry } from "./core/timers.js";
import type { Operation } from "./types.js";
import { checkMs } from "./validate.js";
import { keep } from "./core/keep.js";

let keptSleep = false;

/** @internal sleep(ms): parks on a timer (or forever, for Infinity). */
export class Sleep extends Trap<void> implements TimerEntry {
  declare deadline: number;
  declare seq: number;
  declare heapIndex: number;
  protected get what(): string {
    return "sleep()";
  }

  /** @internal */ declare readonly ms: number;

  constructor(ms: number) {
    super(FREE); // it always parks
    this.ms = ms;
    this.deadline = 0;
    this.seq = 0;
    this.heapIndex = -1;
    if (!keptSleep) {
      keptSleep = true;
      keep(new Sleep(ms)); // its hidden classes (core/keep.ts)
    }
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
}

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

// eslint-disable-next-line require-yield
function* reading(): Iterator<Instruction, number, unknown> {
  return timeOf(requireCurrent("now()"));
}

const nowOperation: Operation<number> = /* @__PURE__ */ operation(reading);

/** The current time on the task's clock, in milliseconds (virtual under `runTest`). */
export function now(): Operation<number> {
  return nowOperation;
}
