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
 *   wall time; the side tables hold tasks weakly.
 */
import { addProbe } from "../core/probes.js";
import { watchInstances } from "../core/instances.js";
import type { Task } from "../core/task.js";
import type { TaskRecord } from "../core/task.js";

/** When each task last changed activity (spawned, stepped, parked, woken), on its runtime's clock. */
const since = new WeakMap<Task<unknown>, number>();

let users = 0;
let remove: (() => void) | null = null;

function stamp(task: Task<unknown>): void {
  since.set(task, (task as TaskRecord<unknown>).runtime.clock.now());
}

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

/** When the step under way began (performance.now()), or -1 between steps. */
let stepStart = -1;

/** Reads and resets the longest step (metrics report it per snapshot). */
export function takeLongestStep(): number {
  const longest = counters.longestStep;
  counters.longestStep = 0;
  return longest;
}

const probe = {
  spawned(task: Task<unknown>): void {
    counters.spawned++;
    stamp(task);
  },
  stepped(task: Task<unknown>): void {
    counters.steps++;
    stamp(task);
    stepStart = performance.now();
  },
  stepEnded(): void {
    if (stepStart < 0) return;
    const took = performance.now() - stepStart;
    stepStart = -1;
    if (took > counters.longestStep) counters.longestStep = took;
  },
  hostYield(): void {
    counters.hostYields++;
  },
  parked(task: Task<unknown>): void {
    counters.parks++;
    stamp(task);
  },
  woken(task: Task<unknown>): void {
    counters.wakes++;
    stamp(task);
  },
  ended(task: Task<unknown>): void {
    counters.ended++;
    since.delete(task);
  },
  timerSet(): void {
    counters.timersSet++;
  },
  timerFired(): void {
    counters.timersFired++;
  },
};

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
  if (users++ === 0) remove = addProbe(probe);
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
  return since.get(task);
}
