/**
 * Tracking: a probe (core/probes.ts) that records, while it is on, when each
 * task last changed what it is doing (for dumps: "parked for 1500 ms") and the
 * scheduler's counters (for metrics). Off by default, so nothing is paid for
 * it: the run loop's probe sites read one boolean.
 *
 * Invariants:
 * - At most one probe is installed however many `track()` calls are on; it
 *   is removed when the last of them stops.
 * - Times are the task's runtime's clock (virtual under `runTest`), never
 *   wall time, kept on the task itself (`observedAt`), so nothing is held.
 */
import { addProbe } from "../core/probes.js";
import { watchInstances } from "../core/instances.js";
import { RealClock } from "../core/clock.js";
import { Runtime } from "../core/runtime.js";
import { newSampleTask, type Task, type TaskRecord } from "../core/task.js";
import { keep } from "../core/keep.js";

let users = 0;
let remove: (() => void) | null = null;

/** Counters of what the scheduler did while tracking was on (read by metrics.ts). */
export const counters = {
  /** Steps taken: a task resumed until it parked, yielded or ended. */
  steps: 0,
  parks: 0,
  wakes: 0,
  spawned: 0,
  ended: 0,
  timersSet: 0,
  timersFired: 0,
  /** Drains that used up their time slice and returned to the host. */
  hostYields: 0,
  /** The longest step since `takeLongestStep()` last read it, in wall-clock milliseconds. */
  longestStep: 0,
};

/*
 * Cheap enough to leave on (the monitor turns it on): time is read once per
 * group of GROUP steps, not per step, since a clock read costs as much as a
 * hand-off on a channel, and stamps are whole milliseconds (small integers,
 * which a field holds without allocating):
 * - the longest step is the longest group (a drain is cut in groups): at least the longest step, and at
 *   most GROUP − 1 other steps more (microseconds); a step that took
 *   milliseconds never hides;
 * - a task is stamped when it is spawned, parks and is woken; during a drain
 *   with its runtime's clock as read at the start of the current group (exact
 *   under a virtual clock, which stands still during a drain), outside one (a
 *   wake from a host callback) with the clock read then. A step is not
 *   stamped: it ends by parking (stamped), being woken again (stamped), or
 *   closing, whose time is counted from the task's last wake.
 */
const GROUP = 16;
/** performance.now() at the start of the current group of steps; -1 between drains. */
let mark = -1;
let grouped = 0;
/** The runtime that is draining, and its clock as read at the start of the group, in whole ms. */
let coarse = 0;
let coarseRuntime: Runtime | null = null;

/** Reads and resets the longest step (metrics report it per snapshot). */
export function takeLongestStep(): number {
  const longest = counters.longestStep;
  counters.longestStep = 0;
  return longest;
}

/** Starts a group of steps at `at` (performance.now()). */
function startGroup(runtime: Runtime, at: number): void {
  mark = at;
  grouped = 0;
  coarseRuntime = runtime;
  // The real clock is performance.now(): no second read.
  coarse = Math.floor(runtime.clock instanceof RealClock ? at : runtime.clock.now());
}

/** Ends the group under way; returns the time it ended. */
function endGroup(): number {
  const at = performance.now();
  if (at - mark > counters.longestStep) counters.longestStep = at - mark;
  return at;
}

function stamp(task: TaskRecord<unknown>): void {
  const runtime = task.runtime;
  task.observedAt = runtime === coarseRuntime ? coarse : Math.floor(runtime.clock.now());
}

const probe = {
  spawned(task: Task<unknown>): void {
    counters.spawned++;
    stamp(task as TaskRecord<unknown>);
  },
  draining(runtime: Runtime): void {
    // A drain inside another runtime's step (a nested run) ends the outer group: it is timed up to here.
    startGroup(runtime, mark >= 0 ? endGroup() : performance.now());
  },
  stepEnded(task: Task<unknown>): void {
    counters.steps++;
    if (++grouped < GROUP) return;
    startGroup((task as TaskRecord<unknown>).runtime, mark >= 0 ? endGroup() : performance.now());
  },
  drained(): void {
    if (mark >= 0 && grouped > 0) endGroup();
    mark = -1;
    coarseRuntime = null;
  },
  hostYield(): void {
    counters.hostYields++;
  },
  parked(task: Task<unknown>): void {
    counters.parks++;
    stamp(task as TaskRecord<unknown>);
  },
  woken(task: Task<unknown>): void {
    counters.wakes++;
    stamp(task as TaskRecord<unknown>);
  },
  ended(): void {
    counters.ended++;
  },
  timerSet(): void {
    counters.timersSet++;
  },
  timerFired(): void {
    counters.timersFired++;
  },
};

let keptTracked = false;

/**
 * Keeps the hidden class of a tracked task (one with `observedAt`) alive, as
 * core/keep.ts does for the run loop's other objects: once every tracked task
 * has ended, a full GC would otherwise deoptimize the run loop and the probes.
 */
function keepTracked(): void {
  keptTracked = true;
  const sample = newSampleTask(new Runtime(new RealClock()));
  sample.observedAt = 0;
  keep(sample);
}

/**
 * Starts recording, until the returned function is called, how long each task
 * has been doing what it does (dumps show "parked for 1500ms"), the
 * scheduler's counters (`metrics()`'s steps, parks, wakes, timers, longest
 * step, host yields), and the channels and sync primitives made meanwhile
 * (held weakly, for `metrics()` and leak checks). Costs a few nanoseconds per
 * step while on; nothing when off. Calls nest: tracking
 * stays on until every one has stopped.
 *
 * ```ts
 * const stop = track();
 * try {
 *   await run(program);
 * } finally {
 *   stop();
 * }
 * ```
 */
export function track(): () => void {
  if (users++ === 0) remove = addProbe(probe, { direct: true }); // its hooks count and stamp: they cannot throw
  if (!keptTracked) keepTracked();
  const unwatch = watchInstances();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    unwatch();
    if (--users === 0) {
      remove!();
      remove = null;
    }
  };
}

/** True while some `track()` is on. */
export function tracking(): boolean {
  return users > 0;
}

/** When `task` last changed activity, on its runtime's clock, if tracking saw it. */
export function changedAt(task: Task<unknown>): number | undefined {
  return (task as TaskRecord<unknown>).observedAt;
}
