/**
 * Tracking: a probe (core/probes.ts) that, while it is on, has the run loop
 * record when each task last changed what it is doing (for dumps: "parked for
 * 1500 ms") and count what the scheduler does (for metrics): the run loop
 * counts steps, parks and wakes and stamps parked and woken tasks itself
 * while anyone watches (`tally`); the probe counts the rarer events. Off by
 * default, so nothing is paid for it: the run loop's probe sites read one boolean.
 *
 * Invariants:
 * - At most one probe is installed however many `track()` calls are on; it
 *   is removed when the last of them stops.
 * - Times are the task's runtime's clock (virtual under `runTest`), never
 *   wall time, kept on the task itself (`observedAt`), so nothing is held.
 */
import { addProbe } from "../core/probes.js";
import { observedNow, tally } from "../core/watch.js";
import { watchInstances } from "../core/instances.js";
import { RealClock } from "../core/clock.js";
import { Runtime } from "../core/runtime.js";
import { newSampleTask, type Task, type TaskRecord } from "../core/task.js";
import { keep } from "../core/keep.js";

let users = 0;
let remove: (() => void) | null = null;

/**
 * Counters of what the scheduler did while tracking was on (read by
 * metrics.ts), besides the run loop's own (`tally` in core/watch.ts: steps,
 * parks, wakes, the longest step), which it keeps without calling a probe.
 */
export const counters = {
  spawned: 0,
  ended: 0,
  timersSet: 0,
  timersFired: 0,
  /** Drains that used up their time slice and returned to the host. */
  hostYields: 0,
};

/** Reads and resets the longest step, in wall-clock ms (metrics report it per snapshot). */
export function takeLongestStep(): number {
  const longest = tally.longestStep;
  tally.longestStep = 0;
  return longest;
}

/*
 * The probe counts the rarer events and stamps a task when it is spawned; the
 * run loop stamps it when it parks and when it steps after a wake, and a task
 * still queued when a drain ends or a dump is taken (core/watch.ts).
 */
const probe = {
  spawned(task: Task<unknown>): void {
    counters.spawned++;
    const record = task as TaskRecord<unknown>;
    record.observedAt = observedNow(record.runtime);
  },
  hostYield(): void {
    counters.hostYields++;
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
