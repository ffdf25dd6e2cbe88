/**
 * Leak checks: what a run leaves registered after all its tasks have ended —
 * timers, outside work held, runs it started that are still going, and tasks
 * still waiting on channels or sync primitives made in it. `runTest` checks
 * every test; `expectNoLeaks` checks a run of the user's own.
 */
import { runtimes, type Runtime } from "../core/runtime.js";
import { instances, type Instance } from "../core/instances.js";
import { ended, TaskRecord, type Task } from "../core/task.js";
import { dump } from "../observe/dump.js";
import { show } from "../validate.js";

/** Thrown when a run left something behind: `leaks` lists each thing, in words. */
export class LeakError extends Error {
  override readonly name = "LeakError";
  constructor(
    readonly task: Task<unknown>,
    /** What is left, one entry per kind of thing, each with its details. */
    readonly leaks: string[],
  ) {
    super(`${task} ended but left behind:\n${leaks.map((leak) => `- ${leak.replace(/\n/g, "\n  ")}`).join("\n")}`);
  }
}

/**
 * Checks that the run whose root is `root` has left nothing behind now that it
 * has ended, and throws a `LeakError` listing what it left if it has: timers
 * still set on its clock, outside work still held (`hold()` not released, a
 * `call()` or `action()` that did not let go), runs started from its tasks that
 * are still going (with a dump of their trees), and tasks still waiting on
 * channels or sync primitives made in its tasks (those made while `track()` or
 * a `runTest` was on). `runTest` does this after every test.
 *
 * ```ts
 * const root = run(program);
 * await root;
 * expectNoLeaks(root);
 * ```
 */
export function expectNoLeaks(root: Task<unknown>): void {
  if (!(root instanceof TaskRecord)) throw new TypeError(`expectNoLeaks(root): root must be a task, got ${show(root)}`);
  if (root.parent !== null) throw new TypeError(`expectNoLeaks(root): ${root} is not a run's root task (it has a parent)`);
  if (!ended(root)) throw new Error(`expectNoLeaks(root): ${root} has not ended yet; check once it has (after await)`);
  const leaks = leaksOf(root.runtime);
  if (leaks.length > 0) throw new LeakError(root, leaks);
}

/** What `runtime` left behind, in words; empty if nothing. */
export function leaksOf(runtime: Runtime): string[] {
  const leaks: string[] = [];
  const deadlines = runtime.timers.deadlines();
  if (deadlines.length > 0) leaks.push(`${count(deadlines.length, "timer")} still set, due at ${deadlines.map((at) => `t=${at}`).join(", ")}`);
  if (runtime.external > 0) {
    leaks.push(`${count(runtime.external, "piece")} of outside work still held (a hold() not released, or a call() or action() that did not let go)`);
  }
  for (const other of runtimes()) {
    if (other !== runtime && startedWithin(other, runtime)) {
      leaks.push(`a run started inside it is still going:\n${dump({ root: other.root! }).trimEnd()}`);
    }
  }
  for (const instance of instances(runtime)) {
    const waiting = waitingOn(instance);
    if (waiting > 0) leaks.push(`${instance.name} still has ${count(waiting, "waiter")}: ${JSON.stringify(instance.stats())}`);
  }
  return leaks;
}

function startedWithin(runtime: Runtime, ancestor: Runtime): boolean {
  for (let at = runtime.startedIn; at !== null; at = at.startedIn) if (at === ancestor) return true;
  return false;
}

/** Tasks (or prepared handles) waiting on a channel or sync primitive, from its stats. */
function waitingOn(instance: Instance): number {
  const stats = instance.stats() as { waiting?: number; waitingSenders?: number; waitingReceivers?: number };
  return (stats.waiting ?? 0) + (stats.waitingSenders ?? 0) + (stats.waitingReceivers ?? 0);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
