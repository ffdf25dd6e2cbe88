/**
 * Task dumps: the live task trees of every runtime of this thread, each task
 * with its state, what it waits on, and its coroutine stack — the frames the
 * run loop owns (task bodies, `fn` calls, compiled durable coroutines), not
 * the run loop's own. `dumpJSON()` is the data; `dump()` renders it as text.
 *
 * A dump reads the tasks from outside a step and changes nothing: it may be
 * taken at any time (a signal handler, a test's failure report), including
 * from inside a task, which then shows as executing.
 */
import { currentTask, runtimes, type Runtime } from "../core/runtime.js";
import { framesOf, isDetached, siteOf, stackEntries, stackLine } from "../core/frames.js";
import { NONE } from "../core/resume.js";
import { COMPLETING, CLOSING, ended, PENDING, TaskRecord, type Task, type TaskState } from "../core/task.js";
import { changedAt } from "./track.js";
import { stampQueuedUnderWay } from "../core/probes.js";
import { checkOptions, show } from "../validate.js";

/** What a task is doing within its state. */
export type TaskActivity =
  /** Its code is running now (the dump was taken from inside it). */
  | "executing"
  /** Queued to run: not started yet, or woken, or it yielded. */
  | "ready"
  /** Parked on a wait (`waitsOn` says which). */
  | "parked"
  /** Taken off the run loop with its frames intact (a snapshot being taken or restored). */
  | "detached"
  /** Its body is done: it waits for its children or its cleanups to end. */
  | "closing";

/** One line of a coroutine stack: a frame's function and where in it the frame is, when known. */
export interface FrameDump {
  function: string;
  /** `file:line:column`, when debug mode recorded where the frame above was entered (or where an error was thrown). */
  location: string | null;
  /** A compiled durable coroutine's function id (`module#lexical path`); null for other frames. */
  durableId: string | null;
}

/** A task, as a dump shows it. */
export interface TaskDump {
  id: number;
  name: string;
  /** Names from the root down, e.g. `main#1 › server#2 › conn#7`. */
  path: string;
  state: TaskState;
  activity: TaskActivity;
  priority: number;
  /** Milliseconds in its activity on its runtime's clock, when `track()` was on to see it begin; else null. */
  forMs: number | null;
  /** What a parked task waits on ("receive on channel \"jobs\""); null when it is not parked. */
  waitsOn: string | null;
  /** Where it was spawned, when debug mode (`setDebug(true)`) recorded it. */
  spawnedAt: string | null;
  /** Its coroutine stack, top first: the body's frame last. Empty before its first step and after its body ended. */
  stack: FrameDump[];
  /** Its live children, oldest first. */
  children: TaskDump[];
}

/** One runtime (one `run`, `main` or `runTest`), as a dump shows it. */
export interface RuntimeDump {
  /** Its clock's time, in milliseconds (virtual under `runTest`). */
  now: number;
  /** Timers set (sleeps, timeouts) and outside work held (`call`, `action`, `hold()`). */
  timers: number;
  external: number;
  /** How many of its tasks are ready to run and how many are parked. */
  ready: number;
  parked: number;
  root: TaskDump;
}

/** A dump of every live runtime of the thread: plain data, ready for `JSON.stringify`. */
export interface Dump {
  runtimes: RuntimeDump[];
}

/**
 * The live task trees of every runtime of this thread, as data (what `dump()`
 * renders as text): for each task its path, state, activity, priority, time
 * in its activity (with `track()` on), what it waits on, and its coroutine
 * stack. Plain objects and arrays: `JSON.stringify(dumpJSON())` is the JSON form.
 *
 * ```ts
 * const parked = dumpJSON().runtimes.flatMap((runtime) => runtime.root.children).filter((task) => task.activity === "parked");
 * ```
 */
export function dumpJSON(options?: DumpOptions): Dump {
  checkOptions("dumpJSON(options)", options);
  const root = checkRoot("dumpJSON(options)", options?.root);
  if (root !== undefined) return { runtimes: ended(root) ? [] : [dumpRuntime(root.runtime, root)] };
  return { runtimes: runtimes().map((runtime) => dumpRuntime(runtime, runtime.root!)) };
}

function checkRoot(what: string, root: unknown): TaskRecord<unknown> | undefined {
  if (root === undefined) return undefined;
  if (!(root instanceof TaskRecord)) throw new TypeError(`${what}: root must be a task, got ${show(root)}`);
  return root;
}

function dumpRuntime(runtime: Runtime, from: TaskRecord<unknown>): RuntimeDump {
  stampQueuedUnderWay(); // a dump taken inside a drain: the tasks it woke are stamped
  const now = runtime.clock.now();
  const counts = { ready: 0, parked: 0 };
  const root = dumpTree(from, now, counts);
  return { now, timers: runtime.timers.size, external: runtime.external, ready: counts.ready, parked: counts.parked, root };
}

/** The tree under `root`, iteratively (trees can be deep). */
function dumpTree(root: TaskRecord<unknown>, now: number, counts: { ready: number; parked: number }): TaskDump {
  const top = dumpTask(root, now);
  const pending: [TaskRecord<unknown>, TaskDump][] = [[root, top]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [task, dumped] = next;
    if (dumped.activity === "ready") counts.ready++;
    else if (dumped.activity === "parked") counts.parked++;
    for (let child = task.firstChild; child !== null; child = child.nextSibling) {
      const node = dumpTask(child, now);
      dumped.children.push(node);
      pending.push([child, node]);
    }
  }
  return top;
}

function dumpTask(task: TaskRecord<unknown>, now: number): TaskDump {
  const activity = activityOf(task);
  const at = changedAt(task);
  return {
    id: task.id,
    name: task.name,
    path: task.path,
    state: task.state,
    activity,
    priority: task.priority,
    forMs: at === undefined ? null : Math.max(0, now - at),
    waitsOn: activity === "parked" ? task.suspension!.describe() : null,
    spawnedAt: siteOf(task) ?? null,
    stack: stackEntries(framesOf(task)).map((entry) => ({ function: entry.name, location: entry.location ?? null, durableId: entry.id ?? null })),
    children: [],
  };
}

function activityOf(task: TaskRecord<unknown>): TaskActivity {
  if (task === currentTask()) return "executing";
  if (isDetached(task)) return "detached";
  if (task.resumeKind !== NONE || task.status === PENDING) return "ready";
  if (task.suspension !== null) return "parked";
  if (task.status === COMPLETING || task.status === CLOSING || task.frame === null) return "closing";
  return "ready";
}

/** Options of `dump()` and `dumpJSON()`. */
export interface DumpOptions {
  /** Dump only this task and its descendants (default: every live runtime's whole tree). */
  root?: Task<unknown>;
  /** `dump()` only: leave out tasks below this depth (the root is depth 0); their count is shown instead. Default: all. */
  maxDepth?: number;
}

/**
 * The live task trees of every runtime of this thread, as indented text: a
 * line per task (path, state and activity, for how long, what it waits on,
 * priority), its coroutine stack under it (`at name (file:line:column)`), its
 * children indented below. For a program that seems stuck: print it, or send
 * the process SIGUSR2 after `installDumpSignal()` (strand/node).
 *
 * ```ts
 * console.error(dump());
 * ```
 */
export function dump(options?: DumpOptions): string {
  checkOptions("dump(options)", options);
  checkRoot("dump(options)", options?.root);
  const maxDepth = options?.maxDepth ?? Infinity;
  if (maxDepth !== Infinity && !(Number.isSafeInteger(maxDepth) && maxDepth >= 0)) {
    throw new TypeError(`dump(options): maxDepth must be a non-negative integer, got ${String(maxDepth)}`);
  }
  return renderDump(dumpJSON({ root: options?.root }), maxDepth);
}

/** Renders a dump (from `dumpJSON()`, possibly of another process) as `dump()` does. */
export function renderDump(data: Dump, maxDepth = Infinity): string {
  const lines: string[] = [];
  if (data.runtimes.length === 0) return "strand: no live runtimes\n";
  for (const runtime of data.runtimes) {
    lines.push(
      `runtime of ${label(runtime.root)} at t=${ms(runtime.now)}: ${runtime.ready} ready, ${runtime.parked} parked, ` +
        `${plural(runtime.timers, "timer")}, ${runtime.external} outside`,
    );
    const pending: [TaskDump, number][] = [[runtime.root, 0]];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [task, depth] = next;
      const indent = "  ".repeat(depth + 1);
      lines.push(indent + taskLine(task));
      for (const frame of task.stack) lines.push(`${indent}    ${stackLine({ name: frame.function, location: frame.location ?? undefined, id: frame.durableId ?? undefined })}`);
      if (depth + 1 > maxDepth) {
        if (task.children.length > 0) lines.push(`${indent}  … ${plural(countTasks(task) - 1, "task")} below`);
        continue;
      }
      for (let i = task.children.length - 1; i >= 0; i--) pending.push([task.children[i], depth + 1]);
    }
  }
  return lines.join("\n") + "\n";
}

function taskLine(task: TaskDump): string {
  const doing = task.state === "running" ? task.activity : `${task.state}, ${task.activity}`;
  const time = task.forMs === null ? "" : ` for ${ms(task.forMs)}`;
  const wait = task.waitsOn === null ? "" : ` on ${task.waitsOn}`;
  const spawned = task.spawnedAt === null ? "" : `, spawned at ${task.spawnedAt}`;
  return `${label(task)} ${doing}${time}${wait} (priority ${task.priority}${spawned})`;
}

/** `name#id` as the task's path shows it (with a worker thread's tag, if any). */
function label(task: TaskDump): string {
  const separator = " › ";
  const at = task.path.lastIndexOf(separator);
  return at < 0 ? task.path : task.path.slice(at + separator.length);
}

function countTasks(root: TaskDump): number {
  let count = 0;
  const pending = [root];
  for (let task = pending.pop(); task !== undefined; task = pending.pop()) {
    count++;
    pending.push(...task.children);
  }
  return count;
}

/** Milliseconds as text shows them: whole under a virtual clock, to the tenth under a real one. */
function ms(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)}ms`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
