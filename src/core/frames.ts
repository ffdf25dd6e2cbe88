/**
 * Frames: the stack of coroutine frames each task owns, as the run loop keeps
 * it, and taking a parked task off the run loop with its frames intact.
 *
 * A task's stack is its body's frame at the bottom and one frame per
 * trampolined call above it (`fn` calls today, compiled durable coroutines
 * next): `task.frame` is the top iterator, the one the run loop resumes;
 * `task.below` holds the frames under it, each followed by the `Call`
 * instruction that opened the frame above it (which says what function runs
 * there): `[body, call 1, frame 1, call 2, ..., call top]`. Pairs in one array
 * keep the task record one field smaller than a second array would.
 * A plain `yield*` chain inside a frame is one frame to the run loop (V8
 * resumes the chain in one call), so it shows as its entry frame.
 *
 * Invariants:
 * - `below.length` is twice the depth of the top frame (0 for the body).
 * - Only the run loop pushes and pops frames, inside a step; everything here
 *   reads them from outside a step, or changes a task that is parked.
 * - A detached task is parked, holds no suspension (nothing can wake it), is in
 *   no ready queue, and keeps its frames; it leaves that state only by
 *   `attach`. A cancellation that arrives meanwhile is recorded and its
 *   teardown starts when the task is attached.
 *
 * Debug mode (`setFrameDebug(true)`) records where each task and `fn` call was
 * created (a stack line per frame, costly), for stack traces that point into the
 * user's code; it is off by default.
 */
import { FAILED, type Call, type Instruction } from "./instructions.js";
import { notify } from "./lifecycle.js";
import { NEXT, NONE, THROW } from "./resume.js";
import { RUNNING, type TaskRecord } from "./task.js";

/** A frame the run loop owns, as a stack trace shows it. */
export interface Frame {
  /** The function this frame runs: a task's body, an `fn` body, a compiled coroutine. */
  readonly function: ((...args: never[]) => unknown) | undefined;
  /**
   * Where in the source the frame is, if it can say (`file.ts:12:5`): compiled
   * coroutines know their resume point; other frames know where they were
   * entered, in debug mode only.
   */
  readonly location: string | undefined;
}

/** An iterator that is its own frame (a compiled coroutine) says so by having these. */
function isFrame(value: unknown): value is Frame {
  return typeof value === "object" && value !== null && "location" in value && "function" in value;
}

let debug = false;

/** Records creation sites of tasks and `fn` calls from now on (slow: for debugging). */
export function setFrameDebug(on: boolean): void {
  debug = on;
}

/** Strand's own source folder (src/ or dist/), as stack lines show it: its frames are skipped in sites. */
const ownFolder = new URL("../", import.meta.url);
const ownPrefixes = [ownFolder.href, decodeURIComponent(ownFolder.pathname)];

/**
 * Where the code that called into Strand is, in debug mode: the first stack
 * line outside Strand's own files. Undefined when debug is off.
 */
export function captureSite(): string | undefined {
  if (!debug) return undefined;
  const lines = new Error().stack?.split("\n").slice(1) ?? [];
  const line = lines.find((text) => /:\d+:\d+\)?$/.test(text) && !ownPrefixes.some((prefix) => text.includes(prefix)));
  return line?.replace(/^\s*at\s+(?:.*\()?/, "").replace(/\)$/, "");
}

/** Where each task or call was created, in debug mode (a side table: they carry no field for it). */
const sites = new WeakMap<object, string>();

/** Records where `created` (a task, an `fn` call) is being created, in debug mode. */
export function recordSite(created: object): void {
  if (!debug) return;
  const site = captureSite();
  if (site !== undefined) sites.set(created, site);
}

/** Where `created` was created, if debug mode recorded it. */
export function siteOf(created: object): string | undefined {
  return sites.get(created);
}

/** Depth of `task`'s top frame: 0 for its body, 1 for the first call above it, ... */
export function frameDepth(task: TaskRecord<unknown>): number {
  return task.below === null ? 0 : task.below.length >> 1; // frames and the calls that opened them, in pairs
}

/** The frames of `task`, top first (the body's frame last); empty before its first step and after it ended. */
export function framesOf(task: TaskRecord<unknown>): Frame[] {
  if (task.frame === null) return [];
  const frames: Frame[] = [];
  const below = task.below ?? [];
  const depth = frameDepth(task);
  for (let d = depth; d >= 1; d--) {
    const iterator = d === depth ? task.frame : below[2 * d];
    frames.push(isFrame(iterator) ? iterator : (below[2 * d - 1] as Call));
  }
  const bottom = depth === 0 ? task.frame : below[0];
  frames.push(isFrame(bottom) ? bottom : bodyFrame(task));
  return frames;
}

function bodyFrame(task: TaskRecord<unknown>): Frame {
  const body = task.body;
  return {
    function: typeof body === "function" ? (body as (...args: never[]) => unknown) : undefined,
    location: sites.get(task),
  };
}

/** Pushes the frame `call` opened (the run loop, inside a step). */
export function pushFrame(task: TaskRecord<unknown>, caller: Iterator<Instruction, unknown, unknown>, call: Call): void {
  (task.below ??= []).push(caller, call);
}

/** Pops the top frame (the run loop, when it ended); returns the caller's frame. */
export function popFrame(task: TaskRecord<unknown>): Iterator<Instruction, unknown, unknown> {
  const below = task.below!;
  below.pop(); // the call that opened the ended frame
  return below.pop() as Iterator<Instruction, unknown, unknown>;
}

/**
 * Takes a parked task off the run loop, frames intact: its wait is withdrawn
 * (nothing it was waiting for will reach it), and nothing wakes it until
 * `attach`. Returns what it was waiting on. Throws unless the task is parked
 * and not being cancelled.
 */
export function detach(task: TaskRecord<unknown>): string {
  const suspension = task.suspension;
  if (task.status !== RUNNING || task.halting || suspension === null || task.resumeKind !== NONE || detached.has(task)) {
    throw new Error(`detach(task): ${task} is not parked (only a parked task that is not being cancelled can be detached)`);
  }
  const waitingOn = suspension.describe();
  task.suspension = null;
  if (suspension.abort() === FAILED) {
    task.suspension = suspension;
    throw new Error(`detach(task): ${task} waits on ${waitingOn}, which cancellation cannot withdraw (a shielded wait)`);
  }
  detached.add(task);
  detachedCount++;
  return waitingOn;
}

/**
 * Puts a detached task back on the run loop, resuming its top frame with
 * `value` (or throwing `error` into it, when `throws`), as if the wait it was
 * detached from had completed so. If it was cancelled while detached, its
 * teardown starts instead.
 */
export function attach(task: TaskRecord<unknown>, value: unknown, throws = false): void {
  if (!detached.delete(task)) throw new Error(`attach(task): ${task} is not detached`);
  detachedCount--;
  if (task.halting) {
    notify(task); // cancelled meanwhile: the teardown it deferred starts now
    return;
  }
  task.resumeKind = throws ? THROW : NEXT;
  task.resumeValue = value;
  task.runtime.schedule(task);
}

/** Detached tasks (a side table: detaching is rare, and tasks carry no field for it). */
const detached = new WeakSet<TaskRecord<unknown>>();
/** How many are detached now: the teardown path asks the table only when some are. */
let detachedCount = 0;

/** True while `task` is detached. */
export function isDetached(task: TaskRecord<unknown>): boolean {
  return detachedCount > 0 && detached.has(task);
}
