/**
 * Keeps the hidden classes of the run loop's hot objects alive.
 *
 * V8 gives the objects a constructor builds a chain of hidden classes (maps),
 * one per field the constructor assigns, and holds all but the first only
 * weakly (from the chain's transitions and from optimized code). Once every
 * instance of a class has died, a full GC frees its maps, and with them every
 * piece of optimized code that was specialised to them: `--trace-deopt` shows
 * the run loop, the channel and the tasks' code "marked for deoptimization,
 * reason: weak objects". A program whose channels, tasks and waits all end
 * between two full GCs — a `run()` per request or per batch, a test per file,
 * a benchmark's iterations — then runs its next batch in slower code until V8
 * has learnt and compiled it again: measured 1.5–1.6× slower per message over
 * the next 10⁶ messages through a channel, on Node 20, 22 and 24.
 *
 * One sample of each hot class, made the way its instances are and kept here,
 * keeps its maps alive. Samples are made on first use (the first run, the first
 * channel), never at import, and hold nothing of a program's: no task, element
 * or callback of its own.
 */
import { unlisted } from "./instances.js";
import type { TaskRecord } from "./task.js";

const samples: object[] = [];

/**
 * A kept task record (set by the first run), for samples that refer to a task:
 * a sample never refers to one of the program's.
 */
export let sampleTask: TaskRecord<unknown> | null = null;

/** Keeps `task` as `sampleTask`. */
export function keepTask(task: TaskRecord<unknown>): void {
  sampleTask = task;
  keep(task);
}

/** The body of every sample that needs one (a task, a spawn, a bound operation): it does nothing. */
export function* sampleBody(): Generator<never, void, unknown> {}

/** Keeps `sample` (and so its hidden classes) for the life of the program. */
export function keep(sample: object): void {
  samples.push(sample);
  unlisted(sample); // observe's lists show the program's channels and locks, not these
}
