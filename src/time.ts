import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { FREE, PARK, Trap, checkStage, savedStage, setStage, type Begun, type Stage } from "./core/trap.js";
import { saveable, type Restoring, type SaveableWait, type Saving } from "./core/saving.js";
import { addTimer, removeTimer, requireCurrent, timeOf } from "./core/runtime.js";
import type { TaskRecord } from "./core/task.js";
import type { TimerEntry } from "./core/timers.js";
import type { Operation } from "./types.js";
import { checkMs } from "./validate.js";
import { keep } from "./core/keep.js";
/** sleep(ms): parks on a timer (or forever, for Infinity). */
let keptSleep = false;

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
  wakesAt(): number {
    return this.heapIndex >= 0 ? this.deadline : Infinity;
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

// eslint-disable-next-line require-yield
function* reading(): Iterator<Instruction, number, unknown> {
  return timeOf(requireCurrent("now()"));
}

const nowOperation: Operation<number> = /* @__PURE__ */ operation(reading);

/** The current time on the task's clock, in milliseconds (virtual under `runTest`). */
export function now(): Operation<number> {
  return nowOperation;
}
