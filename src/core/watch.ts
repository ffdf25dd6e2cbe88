/**
 * The run loop's watched path: what a drain does instead of just stepping
 * while anyone watches (`probing.on`). `addProbe` installs it as `watched`
 * (probes.ts), so a program that never watches bundles none of it.
 *
 * While watched, the run loop itself, with no call to a probe, counts steps,
 * parks and wakes (`tally`) and stamps each task with its runtime's clock
 * (`task.observedAt`, whole ms) when it parks and when it steps after a wake:
 * a hand-off passes a step, a park and a wake, and a probe's call at each
 * would cost about as much as what is counted there. The wake itself passes
 * nothing unless a probe listens to `woken` (`WAKES_UNWATCHED`): tasks still
 * queued when the drain ends (or a dump is taken inside it) are stamped then.
 * The probes' stepped, parked, stepEnded and woken hooks are called only if
 * some probe has them (`listening`).
 *
 * Invariants:
 * - Time is read once per group of GROUP steps: a drain counts the group in
 *   its runtime's fields and adds them to `tally` when the group ends (or a
 *   reader inside a drain asks: `settledTally`).
 * - A park or wake is counted with the step that parked, or that resumed the
 *   woken task; a stale entry of the ready queue is no step.
 */
import { RealClock } from "./clock.js";
import { dispatch, listening } from "./probes.js";
import { NONE } from "./resume.js";
import { step, type Runtime } from "./runtime.js";
import { WAKES_UNWATCHED, WATCHED } from "./muted.js";
import type { TaskRecord } from "./task.js";

/**
 * Steps per group: a clock read (about 45 ns) costs a fifth of a ping-pong
 * round trip, which takes two steps. A group of ping-pong steps lasts about
 * 10 µs: the longest step is measured to within that.
 */
const GROUP = 64;

/**
 * What the run loop counted while watched. Totals over the life of the
 * program (counted only while someone watches), except `longestStep`, which
 * its reader resets (observe/track.ts). Read it through `settledTally()`.
 */
export const tally = {
  /** Steps taken: a task resumed until it parked, yielded or ended. */
  steps: 0,
  parks: 0,
  wakes: 0,
  /**
   * The longest group of steps, in wall-clock ms: at least the longest step,
   * and at most the group's other steps (microseconds) more; a step that took
   * milliseconds never hides.
   */
  longestStep: 0,
};

/** `tally`, with the counts of the groups of steps under way added first (a reader inside a drain). */
export function settledTally(drains: readonly Runtime[]): Readonly<typeof tally> {
  for (const runtime of drains) {
    if (runtime.groupStart >= 0) settle(runtime);
  }
  return tally;
}

/** What a task `runtime` parks, wakes or spawns now is stamped with while watched (`task.observedAt`). */
export function observedNow(runtime: Runtime): number {
  return runtime.groupStart >= 0 ? runtime.watchedAt : Math.floor(runtime.clock.now());
}

export const watching = {
  /**
   * Watches the drain under way from here on: it starts watched, or a probe
   * was added during it (probes.ts).
   */
  watch(runtime: Runtime): void {
    runtime.muted = listening.woken ? WATCHED : WAKES_UNWATCHED;
    if (runtime.groupStart >= 0) return;
    startGroup(runtime, performance.now());
  },

  /** The watched drain is over: its last group of steps is counted, and the tasks it left queued are stamped. */
  unwatch(runtime: Runtime): void {
    if (runtime.muted === WAKES_UNWATCHED) stampQueued(runtime);
    if (runtime.steps > 0) endGroup(runtime); // a park or wake is counted with its step
    runtime.groupStart = -1;
  },

  /**
   * `step` as a watched drain takes it: counted, and stamped if it parked,
   * with the probes' stepped, parked and stepEnded around it if any listens.
   * A stale entry (nothing to resume) is no step: only stepEnded sees it.
   */
  step(runtime: Runtime, task: TaskRecord<unknown>): void {
    const hooked = listening.step;
    if (task.resumeKind !== NONE) {
      if (task.suspension !== null) {
        // It was parked and was woken (`step` clears the suspension): counted
        // and stamped here, in the run loop, rather than on the hand-off's path.
        runtime.wakes++;
        task.observedAt = runtime.watchedAt;
      }
      if (hooked) dispatch.stepped(task);
      step(task);
      const wait = task.suspension;
      if (wait !== null && task.resumeKind === NONE) {
        runtime.parks++;
        task.observedAt = runtime.watchedAt;
        if (hooked) dispatch.parked(task, wait);
      }
      if (++runtime.steps === GROUP) startGroup(runtime, endGroup(runtime));
    }
    if (hooked) dispatch.stepEnded(task);
  },

  /**
   * A parked task was woken outside a drain (a host callback's), or in a drain
   * where a probe listens to `woken`: stamped now, and counted when it steps.
   */
  wake(runtime: Runtime, task: TaskRecord<unknown>): void {
    task.observedAt = observedNow(runtime);
    if (listening.woken) dispatch.woken(task);
  },
};

/**
 * Stamps the tasks queued on `runtime` (woken in a drain whose wakes are
 * quiet, and still waiting for their step) with the time of the current
 * group: a ready task's time is so exact to within a drain's time slice.
 */
function stampQueued(runtime: Runtime): void {
  const at = runtime.watchedAt;
  const ready = runtime.ready;
  if (ready.runNext !== null) ready.runNext.observedAt = at;
  for (const ring of ready.levels) {
    for (let position = ring.head; position < ring.tail; position++) {
      const task = ring.items[position & ring.mask];
      if (task !== undefined && task.queuedAt === position) task.observedAt = at;
    }
  }
}

/**
 * Before a reader inside a drain looks at tasks' stamps (a dump): the tasks
 * queued in the drains under way whose wakes are quiet are stamped now.
 */
export function stampUnderWay(drains: readonly Runtime[]): void {
  for (const runtime of drains) {
    if (runtime.muted === WAKES_UNWATCHED) stampQueued(runtime);
  }
}

/** Starts a group of steps at `at` (performance.now()): reads the runtime's clock once for the group. */
function startGroup(runtime: Runtime, at: number): void {
  runtime.groupStart = at;
  // The real clock is performance.now(): no second read.
  runtime.watchedAt = Math.floor(runtime.clock instanceof RealClock ? at : runtime.clock.now());
}

/** Ends the group under way: its counts go to `tally`, its time to the longest step. Returns the time it ended. */
function endGroup(runtime: Runtime): number {
  const at = performance.now();
  if (at - runtime.groupStart > tally.longestStep) tally.longestStep = at - runtime.groupStart;
  settle(runtime);
  return at;
}

/**
 * Adds the counts of the group under way to `tally`. A reader inside a drain
 * settles the group early: it then runs on for up to GROUP more steps, and is
 * timed as one.
 */
function settle(runtime: Runtime): void {
  tally.steps += runtime.steps;
  tally.parks += runtime.parks;
  tally.wakes += runtime.wakes;
  runtime.steps = runtime.parks = runtime.wakes = 0;
}
