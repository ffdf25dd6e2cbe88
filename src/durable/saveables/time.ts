/**
 * Timers in snapshots (durable/saving.ts): `sleep()`, and `timeout()` — its
 * run (`Timing`, a state machine whose state is data) and the deadline it
 * parks on. A timer saves what it had left; restored, it is set again with
 * that less the wall time since.
 */
import { checkStage, savedStage, setStage, type Stage } from "../../core/trap.js";
import { JoinOperation, addJoiner } from "../../core/join.js";
import { TaskRecord, type Body } from "../../core/task.js";
import type { Instruction } from "../../core/instructions.js";
import { Sleep } from "../../time.js";
import { DEADLINE, Deadline, JOIN, Timing } from "../../timeout.js";
import { isSaveableWait, pendingTimer, rearm, retime, revivedTimer, savedTimer, wakesAt, type SaveableFunction, type SaveableType, type SaveableWait, type SavedTimer } from "../saving.js";

interface SavedSleep extends SavedTimer {
  ms: number;
  stage: Stage;
}

/** `sleep(ms)`: what is left of the timer, if it has not fired. */
const sleepType: SaveableWait<Sleep> = {
  id: "strand:sleep",
  Class: Sleep,
  save(sleep, saving): SavedSleep {
    return { ms: sleep.ms, stage: savedStage(sleep), ...savedTimer(sleep, saving) };
  },
  revive(data: SavedSleep): Sleep {
    const ms = data.ms;
    if (typeof ms !== "number" || !(ms >= 0)) throw new TypeError(`a saved sleep() lasts ${String(ms)} ms`);
    const sleep = new Sleep(ms);
    setStage(sleep, checkStage(data.stage));
    revivedTimer(sleep, data);
    return sleep;
  },
  rearm(sleep, task, restoring): void {
    sleep.task = task;
    retime(sleep, task, restoring);
  },
  wakesAt(sleep): number {
    return sleep.heapIndex >= 0 ? sleep.deadline : Infinity;
  },
};

interface SavedDeadline extends SavedTimer {
  target: TaskRecord<unknown>;
  ms: number;
  stage: Stage;
}

/** `timeout()`'s deadline: the task it waits for, and what is left of its timer. */
const deadlineType: SaveableWait<Deadline> = {
  id: "strand:timeout.deadline",
  Class: Deadline,
  save(deadline, saving): SavedDeadline {
    return { target: deadline.target, ms: deadline.ms, stage: savedStage(deadline), ...savedTimer(deadline, saving) };
  },
  revive(data: SavedDeadline): Deadline {
    if (!(data.target instanceof TaskRecord) || typeof data.ms !== "number" || !(data.ms >= 0)) throw new TypeError("a saved timeout() deadline has no task or duration");
    const deadline = new Deadline(data.target, data.ms);
    setStage(deadline, checkStage(data.stage));
    revivedTimer(deadline, data);
    return deadline;
  },
  rearm(deadline, task, restoring): void {
    deadline.task = task;
    // Not fired yet: it waits for the task and the time left again (woken and not run since: nothing to wait for).
    if (pendingTimer(deadline) && task.resumeKind === 0 /* NONE */) {
      addJoiner(deadline.target, deadline.joiner);
      retime(deadline, task, restoring);
    }
  },
  wakesAt(deadline): number {
    return deadline.heapIndex >= 0 ? deadline.deadline : Infinity;
  },
};

interface SavedTiming {
  ms: number;
  body: Body<unknown>;
  orElse: (() => unknown) | null;
  phase: number;
  child: TaskRecord<unknown>;
  inner: unknown;
}

/** A run of `timeout()`: where it stands, and the wait it delegates to (a join, or the deadline), which its task parks on. */
const timingType: SaveableWait<Timing<unknown, unknown>> = {
  id: "strand:timeout",
  Class: Timing,
  save(timing): SavedTiming {
    if (timing.phase !== JOIN && timing.phase !== DEADLINE) throw new Error("a timeout() that is not waiting for its body cannot be saved (its teardown is under way)");
    return { ms: timing.ms, body: timing.body, orElse: timing.orElse, phase: timing.phase, child: timing.child!, inner: timing.inner };
  },
  revive(data: SavedTiming): Timing<unknown, unknown> {
    const { ms, phase, child, inner } = data;
    if (typeof ms !== "number" || !(ms >= 0) || (phase !== JOIN && phase !== DEADLINE) || !(child instanceof TaskRecord)) throw new TypeError("a saved timeout() has no deadline or body");
    if (data.orElse !== null && typeof data.orElse !== "function") throw new TypeError("a saved timeout()'s orElse is not a function");
    if (!isSaveableWait(inner) || !(inner instanceof (phase === JOIN ? JoinOperation : Deadline))) throw new TypeError("a saved timeout() waits on nothing");
    const timing = new Timing(ms, data.body, data.orElse);
    timing.phase = phase;
    timing.child = child;
    timing.inner = inner as unknown as Iterator<Instruction, unknown, unknown>;
    return timing;
  },
  waitingOn(timing): unknown {
    return timing.inner;
  },
  wakesAt(timing): number | null {
    return timing.inner === null ? null : wakesAt(timing.inner);
  },
  rearm(timing, task, restoring): void {
    if (timing.inner !== null) rearm(timing.inner, task, restoring);
  },
};

export const timeTypes: readonly SaveableType<object>[] = [sleepType, deadlineType, timingType];

export const timeFunctions: readonly SaveableFunction[] = [{ id: "strand:timeout.next", fn: Timing.prototype.next }];
