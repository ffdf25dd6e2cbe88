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
  /** The function this frame runs: a task's body, an `fn` body; undefined when it has none at hand. */
  readonly function: ((...args: never[]) => unknown) | undefined;
  /**
   * Where in the source the frame is, if it can say (`file.ts:12:5`): frames
   * know where they were entered, in debug mode only.
   */
  readonly location: string | undefined;
  /** The function's name when the frame holds no function object (a compiled coroutine's frame). */
  readonly name?: string;
  /** A compiled coroutine's durable function id (`module#lexical path`), which names its module. */
  readonly id?: string;
  /**
   * Where in its own function the frame is suspended (`file:line:column`), when
   * it knows: a compiled coroutine's frame, from its resume point. Unlike
   * `location`, a place in this frame's function, not its caller's.
   */
  readonly at?: string;
}

/** An iterator that is its own frame says so by having these. */
function isFrame(value: unknown): value is Frame {
  return typeof value === "object" && value !== null && "location" in value && "function" in value;
}

/**
 * The key of a method an iterator has when it keeps a stack of frames of its
 * own (a compiled durable coroutine: `yield*` between compiled coroutines
 * pushes frames on its heap stack, not on the run loop's): it lists them, top
 * first. A registered symbol, so the durable runtime defines it without the
 * core knowing of it.
 */
export const FRAME_STACK: unique symbol = Symbol.for("strand.frames") as never;

interface FrameStack {
  [FRAME_STACK](): Frame[];
}

function hasStack(value: unknown): value is FrameStack {
  return typeof value === "object" && value !== null && typeof (value as Partial<FrameStack>)[FRAME_STACK] === "function";
}

/**
 * Debug mode's site capture, or null when debug mode is off. The capture is
 * reachable only through `setFrameDebug`, so a program that never turns debug
 * mode on bundles none of it.
 */
let capture: (() => string | undefined) | null = null;

/** Records creation sites of tasks and `fn` calls from now on (slow: for debugging). */
export function setFrameDebug(on: boolean): void {
  capture = on ? callerSite : null;
}

/**
 * Strand's own source folder (src/ or dist/), as stack lines show it: its frames
 * are skipped in sites and in errors' coroutine stacks. Worked out on first use,
 * so importing the core does nothing; a bundle that gives no `import.meta.url`
 * (CommonJS, IIFE) skips no frame.
 */
let ownPrefixes: string[] | undefined;

function ownFolderPrefixes(): string[] {
  if (ownPrefixes !== undefined) return ownPrefixes;
  const url = (import.meta as { url?: unknown }).url;
  if (typeof url !== "string") return (ownPrefixes = []);
  const ownFolder = new URL("../", url);
  return (ownPrefixes = [ownFolder.href, decodeURIComponent(ownFolder.pathname)]);
}

/** Where the code that called into Strand is: the first stack line outside Strand's own files. */
function callerSite(): string | undefined {
  const lines = new Error().stack?.split("\n").slice(1) ?? [];
  const own = ownFolderPrefixes();
  const line = lines.find((text) => /:\d+:\d+\)?$/.test(text) && !own.some((prefix) => text.includes(prefix)));
  return line?.replace(/^\s*at\s+(?:.*\()?/, "").replace(/\)$/, "");
}

/** Where each task or call was created, in debug mode (a side table: they carry no field for it). */
const sites = new WeakMap<object, string>();

/** Records where `created` (a task, an `fn` call) is being created, in debug mode. */
export function recordSite(created: object): void {
  if (capture === null) return;
  const site = capture();
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

/**
 * The frames of `task`, top first (the body's frame last); empty before its
 * first step and after it ended. A compiled coroutine's frame stack is listed
 * frame by frame; `top`, when given, stands for the frames of the top iterator
 * (what a compiled stack held when an exception left it: `captureThrow`).
 */
export function framesOf(task: TaskRecord<unknown>, top?: Frame[]): Frame[] {
  if (task.frame === null) return [];
  const frames: Frame[] = [];
  const below = task.below ?? [];
  const depth = frameDepth(task);
  for (let d = depth; d >= 0; d--) {
    const iterator = d === depth ? task.frame : below[2 * d];
    if (d === depth && top !== undefined) frames.push(...top);
    else if (hasStack(iterator)) frames.push(...entered(iterator[FRAME_STACK](), d === 0 ? sites.get(task) : (below[2 * d - 1] as Call).location));
    else if (isFrame(iterator)) frames.push(iterator);
    else frames.push(d === 0 ? bodyFrame(task) : (below[2 * d - 1] as Call));
  }
  return frames;
}

/** A compiled stack's root frame was entered where the call (or task) that opened it was made. */
function entered(stack: Frame[], site: string | undefined): Frame[] {
  const root = stack.at(-1);
  if (site !== undefined && root !== undefined && root.location === undefined) stack[stack.length - 1] = { ...root, location: site };
  return stack;
}

function bodyFrame(task: TaskRecord<unknown>): Frame {
  const body = task.body;
  const fn = typeof body === "function" ? (body as (...args: never[]) => unknown) : undefined;
  // An anonymous body (a task named by its options) is called after its task.
  return { function: fn, location: sites.get(task), name: fn?.name || task.name };
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

// ---------------------------------------------------------------------------
// Logical stacks of errors. Captured only on the failure path: when an
// exception leaves a frame (the run loop's catch, the durable driver's), never
// when one is resumed or returns.

/** Where an exception first left a frame: the task it was in and that task's frames, top first. */
interface Thrown {
  readonly task: TaskRecord<unknown> | null;
  readonly frames: Frame[];
}

/** Side table, as errors carry no field for it: each exception's first capture. */
const thrown = new WeakMap<object, Thrown>();

/**
 * The durable driver: `error` left a compiled frame for its caller, whose
 * frames (top first, the one it was thrown in first) are popped as it goes
 * on; the run loop then puts them on top of the task's frames (`captureThrow`).
 */
export function noteCompiledThrow(error: unknown, frames: () => Frame[]): void {
  if (typeof error === "object" && error !== null && !thrown.has(error)) thrown.set(error, { task: null, frames: frames() });
}

/** The run loop: `error` left `task`'s top frame. Its first capture in a task is kept. */
export function captureThrow(task: TaskRecord<unknown>, error: unknown): void {
  if (typeof error !== "object" || error === null) return;
  const noted = thrown.get(error);
  if (noted !== undefined && noted.task !== null) return;
  const top = noted !== undefined && hasStack(task.frame) ? noted.frames : undefined;
  thrown.set(error, { task, frames: framesOf(task, top) });
}

/** Where `error` left a frame of a task first, if it did: that task and its frames then, top first. */
export function thrownFrom(error: unknown): { task: TaskRecord<unknown>; frames: Frame[] } | undefined {
  const noted = typeof error === "object" && error !== null ? thrown.get(error) : undefined;
  return noted?.task != null ? { task: noted.task, frames: noted.frames } : undefined;
}

/** A frame's function name, as a stack line shows it. */
export function frameName(frame: Frame): string {
  return frame.name || frame.function?.name || "<anonymous>";
}

/** One line of a coroutine stack trace: a frame's function and where in it the frame is, when known. */
export interface StackEntry {
  readonly name: string;
  /** `file:line:column` in the frame's function, when known. */
  readonly location: string | undefined;
  /** A compiled coroutine's durable function id, which names its module. */
  readonly id: string | undefined;
}

/**
 * The stack trace of `frames` (top first): a frame is where the frame above
 * it was entered (debug mode records it), and the top frame is at `top` when
 * known. The bottom frame's own entry (where its task was spawned) is not a
 * place in any of them.
 */
export function stackEntries(frames: Frame[], top?: string): StackEntry[] {
  return frames.map((frame, i) => ({ name: frameName(frame), location: i === 0 ? (top ?? frame.at) : (frame.at ?? frames[i - 1].location), id: frame.id }));
}

/** `at name (file:line:column)`, or `at name [durable id]`, or `at name`. */
export function stackLine(entry: StackEntry): string {
  return entry.location !== undefined ? `at ${entry.name} (${entry.location})` : entry.id !== undefined ? `at ${entry.name} [${entry.id}]` : `at ${entry.name}`;
}

/** Lines of a native stack that are Strand's own, or a generator's `next` (what the run loop calls). */
function isInternalLine(line: string): boolean {
  return ownFolderPrefixes().some((prefix) => line.includes(prefix)) || /\.(next|throw|return) \(<anonymous>\)$/.test(line);
}

/**
 * Appends to `error.stack` the coroutine stack it was thrown through: the
 * native lines of the user's code where it was thrown (up to the run loop),
 * then the frames below, then the task's path. Once per error, when a task
 * first fails with it (lifecycle.ts); a no-op for errors that never left a
 * frame, or whose stack is not a writable string.
 */
export function addCoroutineStack(error: unknown): void {
  const from = thrownFrom(error);
  if (from === undefined) return;
  try {
    const stack = (error as { stack?: unknown }).stack;
    if (typeof stack !== "string") return;
    const lines = stack.split("\n");
    const first = lines.findIndex((line) => /^\s+at /.test(line));
    const native: string[] = [];
    if (first >= 0) {
      for (const line of lines.slice(first)) {
        if (ownFolderPrefixes().some((prefix) => line.includes(prefix))) break;
        if (!isInternalLine(line)) native.push(line.trim());
      }
    }
    // The native lines are the top frame (its plain yield* chain): the logical frames go on below it.
    const logical = [...native, ...stackEntries(from.frames).slice(native.length > 0 ? 1 : 0).map(stackLine)];
    if (logical.length === 0) return;
    (error as { stack: string }).stack = `${stack}\n  coroutine stack ‹ task ${from.task.path}:\n${logical.map((line) => `    ${line}`).join("\n")}`;
  } catch {
    // A frozen error, a throwing stack getter: it is reported as it is.
  }
}
