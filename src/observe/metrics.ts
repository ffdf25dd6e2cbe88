/**
 * Metrics: a snapshot of the scheduler (from the tracking probe and the live
 * task trees), the timers, and the `stats()` of every channel and sync
 * primitive made while `track()` was on (found through a weak registry, so
 * nothing is kept alive for it).
 */
import { runtimes } from "../core/runtime.js";
import { instances, kindOf } from "../core/instances.js";
import { NONE } from "../core/resume.js";
import type { TaskRecord } from "../core/task.js";
import { counted } from "../core/probes.js";
import { counters, takeLongestStep, tracking } from "./track.js";

/** The scheduler's side of a snapshot. Counters are totals since the process began tracking. */
export interface SchedulerMetrics {
  /** Live runtimes (runs whose root has not ended) and their live tasks. */
  runtimes: number;
  tasks: number;
  /** Tasks queued to run, and tasks parked on a wait, now. */
  runnable: number;
  parked: number;
  /** Steps taken (a task resumed until it parked, yielded or ended), and per second since the previous snapshot. */
  steps: number;
  stepsPerSecond: number;
  /**
   * The longest step since the previous snapshot, in wall-clock milliseconds. Timed over groups
   * of a few consecutive steps (a clock read per step would cost more than a step): never less
   * than the longest step, and more by at most a few short steps (microseconds).
   */
  longestStepMs: number;
  /** Drains that used up their time slice and returned to the host event loop. */
  hostYields: number;
  spawned: number;
  ended: number;
  parks: number;
  wakes: number;
}

/** Timers: set now across live runtimes, and totals set and fired while tracking. */
export interface TimerMetrics {
  pending: number;
  set: number;
  fired: number;
}

/** One channel's or sync primitive's counters, as its `stats()` gives them, with its kind. */
export type InstanceMetrics = { kind: string; name: string } & Record<string, unknown>;

/** A snapshot of everything `metrics()` reports: plain data, ready for `JSON.stringify`. */
export interface Metrics {
  /** True while `track()` is on; without it the counters stand still and only the live figures move. */
  tracking: boolean;
  scheduler: SchedulerMetrics;
  timers: TimerMetrics;
  /** Channels made while tracking, still alive: each one's `stats()`. */
  channels: InstanceMetrics[];
  /** Sync primitives (Mutex, Semaphore, Latch, Event, WaitGroup, Condition, Coordinator) made while tracking, still alive. */
  sync: InstanceMetrics[];
}

let previous = { at: -1, steps: 0 };

/**
 * A snapshot of the scheduler (runnable and parked tasks, steps and steps per
 * second, the longest step, host yields), the timers, and the `stats()` of the
 * channels and sync primitives made while `track()` was on. Rates and the
 * longest step are since the previous call.
 *
 * ```ts
 * const stop = track();
 * setInterval(() => console.log(metrics().scheduler.stepsPerSecond), 1_000);
 * ```
 */
export function metrics(): Metrics {
  const live = runtimes();
  let tasks = 0;
  let runnable = 0;
  let parked = 0;
  let pendingTimers = 0;
  for (const runtime of live) {
    pendingTimers += runtime.timers.size;
    const pending: TaskRecord<unknown>[] = [runtime.root!];
    for (let task = pending.pop(); task !== undefined; task = pending.pop()) {
      tasks++;
      if (task.resumeKind !== NONE) runnable++;
      else if (task.suspension !== null) parked++;
      for (let child = task.firstChild; child !== null; child = child.nextSibling) pending.push(child);
    }
  }
  const tally = counted();
  const at = performance.now();
  const elapsed = previous.at < 0 ? 0 : (at - previous.at) / 1000;
  const stepsPerSecond = elapsed > 0 ? (tally.steps - previous.steps) / elapsed : 0;
  previous = { at, steps: tally.steps };
  const channels: InstanceMetrics[] = [];
  const sync: InstanceMetrics[] = [];
  for (const instance of instances()) {
    const kind = kindOf(instance);
    const entry = { kind, ...(instance.stats() as Record<string, unknown>) } as InstanceMetrics;
    (kind === "Channel" ? channels : sync).push(entry);
  }
  return {
    tracking: tracking(),
    scheduler: {
      runtimes: live.length,
      tasks,
      runnable,
      parked,
      steps: tally.steps,
      stepsPerSecond,
      longestStepMs: takeLongestStep(),
      hostYields: counters.hostYields,
      spawned: counters.spawned,
      ended: counters.ended,
      parks: tally.parks,
      wakes: tally.wakes,
    },
    timers: { pending: pendingTimers, set: counters.timersSet, fired: counters.timersFired },
    channels,
    sync,
  };
}
