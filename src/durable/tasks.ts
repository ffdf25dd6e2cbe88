/**
 * Snapshots of task trees: `snapshot(task)` saves a parked subtree — its tasks,
 * their compiled coroutines' frames, and the channels and timers they wait on —
 * as bytes, and `restore(bytes)` makes it again under the restoring task, in
 * this process or another, each task waiting where it was.
 *
 * What is saved, as one graph (the serializer's: shared values stay shared):
 * `{ format, wall, tasks }`, `tasks` in tree order (parents first, siblings
 * oldest first), each with its task, its compiled generator (or, not started,
 * its body), the wait its top frame delegates to, and its pending resumption
 * when it was woken but has not run since. Tasks are saved through a codec of
 * their own (name, priority, flags, parent), so a local that holds a task
 * handle is revived as the revived task; a handle of a task that had ended
 * revives as an ended task with the same outcome. Channels and waits are the
 * saveable types (saving.ts).
 *
 * Timers keep wall time: the snapshot records the clock's wall time and what
 * each timer had left; a restore subtracts the wall time since, so a deadline
 * that passed while the snapshot was stored fires at once.
 *
 * What fails a snapshot, with `SnapshotError` naming the way to it
 * (`task main#1 › task loop#2 › frame loop › local conn › .socket`): a task
 * that runs a generator that is not compiled, or waits on something a snapshot
 * cannot save (a `call()` promise, a select, a lock), or is being cancelled; a
 * value no codec can save; a channel one of whose waiters is a task outside
 * the tree (a task outside that merely holds the channel cannot be seen: the
 * restored channel is a new one, and the two no longer meet).
 */
import { addTimer, requireCurrent } from "../core/runtime.js";
import type { TimerEntry } from "../core/timers.js";
import { operation, type Operation } from "../core/operation.js";
import { Suspension, type Instruction } from "../core/instructions.js";
import { NONE, NEXT, THROW } from "../core/resume.js";
import {
  adoptRevived,
  endedTask,
  revivedTask,
  BOUNDARY,
  COMPLETED,
  DAEMON,
  FAILED,
  PENDING,
  RUNNING,
  SUPERVISOR,
  TaskRecord,
  type Body,
  type Task,
} from "../core/task.js";
import { failure } from "../core/lifecycle.js";
import { isSaveableWait, rearm, waitingOn, type Restoring } from "./saving.js";
import { registerType } from "./registry.js";
import { registerCoreTypes, snapshotting as underWay } from "./core-types.js";
import { decode, encode, type DecodeOptions } from "./serialize.js";
import { SnapshotError, VersionMismatch } from "./errors.js";
import { changedCode, frameOf, type RestoreOptions, type SnapshotOptions } from "./snapshot.js";
import { DELEGATED, Frame, RUNNING as FRAME_RUNNING, SUSPENDED, unsoundStack } from "./frame.js";
import { show } from "../validate.js";

const TAG = "strand.tasks/1";

/** A wait of a saveable type (saving.ts: `isSaveableWait`). */
type Wait = object;

interface SavedTree {
  format: string;
  /** The saving clock's wall time (ms since the epoch). */
  wall: number;
  tasks: SavedTask[];
}

interface SavedTask {
  task: TaskRecord<unknown>;
  /** Not started: its body. */
  body: Body<unknown> | null;
  /** Started: its compiled generator, stopped at a `yield*` of `wait`. */
  generator: object | null;
  wait: Wait | null;
  /** What the task is parked on (or was woken from and has not run since): `wait`, or a wait inside it; else null. */
  suspension: Wait | null;
  /** Its pending resumption (woken, not run since): the run loop's resume kind and value. */
  resume: number;
  value: unknown;
  /** Its place in the ready queue when queued (to queue it again in the same order), else -1. */
  queued: number;
}

/** How a task is saved by its codec: one of the tree's, or one that had ended. */
type SavedRecord =
  | { name: string; priority: number; flags: number; parent: TaskRecord<unknown> | null }
  | { ended: number; name: string; result: unknown; error: unknown };

// The restore under way (decode runs synchronously); the snapshot under way is core-types.ts's `snapshotting` (`underWay` here).
let restoring: { parent: TaskRecord<unknown> } | null = null;

registerType<TaskRecord<unknown>>(
  TaskRecord,
  {
    serialize(task): SavedRecord {
      const saving = underWay.current;
      if (saving === null) throw new Error(`${task} can be saved only by snapshot() of a tree that holds it`);
      if (saving.includes(task)) {
        const parent = task.parent !== null && saving.includes(task.parent) ? task.parent : null;
        return { name: task.name, priority: task.priority, flags: task.flags, parent };
      }
      if (task.status >= COMPLETED) {
        return { ended: task.status, name: task.name, result: task.status === COMPLETED ? task.result : undefined, error: task.status === FAILED ? failure(task) : undefined };
      }
      throw new Error(`${task.path} runs outside the snapshot: snapshot a tree that holds every task its tasks refer to`);
    },
    deserialize(data): TaskRecord<unknown> {
      if (restoring === null) throw new SnapshotError("a task can be restored only by restore()");
      const saved = data as Partial<Record<string, unknown>>;
      if (typeof saved !== "object" || saved === null || typeof saved.name !== "string") throw new SnapshotError("a saved task has no name");
      if ("ended" in saved) return endedTask(saved.name, saved.ended as number, saved.result, saved.error, restoring.parent);
      const { priority, flags, parent } = saved;
      if (typeof priority !== "number" || typeof flags !== "number" || (flags & ~BOUNDARY) !== 0) throw new SnapshotError("a saved task has no priority or unknown flags");
      if (parent !== null && !(parent instanceof TaskRecord)) throw new SnapshotError("a saved task's parent is not a task");
      return revivedTask(saved.name, priority, flags, parent ?? restoring.parent);
    },
  },
  "strand:task",
);

// ---------------------------------------------------------------------------
// snapshot

/**
 * Saves the task tree under `task` — its tasks, their compiled coroutines'
 * frames and locals, the channels (with their buffers and waiters) and timers
 * they use — as bytes for `restore`. A copy: the tree goes on running. Call it
 * from a task outside the tree, while the tree's tasks are parked (or woken
 * and not yet run): each must run a generator of a `"use durable"` module, or
 * not have started.
 *
 * ```ts
 * const bytes = yield* snapshot(pipeline);
 * yield* pipeline.cancel();
 * // later, in this process or another:
 * const again = yield* restore(bytes);
 * ```
 */
export function snapshot(task: Task<unknown>, options?: SnapshotOptions): Operation<Uint8Array> {
  if (!(task instanceof TaskRecord)) throw new TypeError(`snapshot(task): task must be a task, got ${show(task)}`);
  if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError(`snapshot(task, options): options must be an object, got ${show(options)}`);
  return operation(snapshotting, task, options);
}

// eslint-disable-next-line require-yield
function* snapshotting(root: TaskRecord<unknown>, options: SnapshotOptions | undefined): Iterator<Instruction, Uint8Array, unknown> {
  const me = requireCurrent("snapshot()");
  if (root.runtime !== me.runtime) throw new SnapshotError(`snapshot(task): ${root} runs under another run()`);
  const tasks = treeOf(root);
  if (tasks.includes(me)) throw new SnapshotError(`snapshot(task): the calling task ${me.path} is in the tree under ${root}; snapshot a tree from a task outside it`);
  const saved: SavedTree = { format: TAG, wall: wallOf(root), tasks: tasks.map(savedTask) };
  registerCoreTypes();
  const set = new Set(tasks);
  underWay.current = { now: root.runtime.clock.now(), includes: (task) => set.has(task), memo: new Map() };
  try {
    return encode(saved, options?.sign === undefined ? undefined : { sign: options.sign });
  } catch (error) {
    if (!(error instanceof SnapshotError) || error.path === undefined) throw error;
    const where = describePath(saved, error.path);
    throw new SnapshotError(error.message.replace(` at ${error.path}`, ` at ${where}`), where, { cause: error.cause });
  } finally {
    underWay.current = null;
  }
}

/**
 * Where the tasks of the tree under `root` are suspended — for `inspect`
 * (store/worker.ts): per task a line with its path and what it waits on, then
 * its compiled frames innermost first, a line each, as a stack trace shows
 * them: `  at handleOrder (orders.ts:42:5)` — the `yield` the frame waits at,
 * from its function's table of resume points — or, for a point the table does
 * not have, `  at handleOrder [orders.ts#handleOrder] (resume point 3)`.
 */
export function describeTree(root: TaskRecord<unknown>): string {
  const lines: string[] = [];
  for (const task of treeOf(root)) {
    const waits = task.suspension !== null ? ` waits on ${task.suspension.describe()}` : task.status === PENDING ? " not started" : "";
    lines.push(`${task.path}:${waits}`);
    const bottom = frameOf(task.frame);
    for (let frame: Frame | null = bottom === null ? null : bottom.top; frame !== null; frame = frame.caller) {
      const info = frame.info;
      const at = info.where(frame.ip);
      lines.push(at !== undefined ? `  at ${info.name || info.id} (${at})` : `  at ${info.name || info.id} [${info.id}] (resume point ${frame.ip})`);
    }
  }
  return lines.join("\n");
}

/** The tree under `root` in tree order: parents first, siblings oldest first (iterative: trees can be deep). */
function treeOf(root: TaskRecord<unknown>): TaskRecord<unknown>[] {
  const tasks: TaskRecord<unknown>[] = [];
  const pending: TaskRecord<unknown>[] = [root];
  for (let task = pending.pop(); task !== undefined; task = pending.pop()) {
    tasks.push(task);
    for (let child = task.lastChild; child !== null; child = child.prevSibling) pending.push(child);
  }
  return tasks;
}

function refuse(task: TaskRecord<unknown>, why: string): never {
  throw new SnapshotError(`cannot snapshot ${task.path}: ${why}`, `task ${task.path}`);
}

/** What the snapshot saves of `task`, or why it cannot. */
function savedTask(task: TaskRecord<unknown>): SavedTask {
  if (task.status !== PENDING && task.status !== RUNNING) refuse(task, `it is ${task.state}; snapshot a tree whose tasks are running or parked`);
  if (task.halting) refuse(task, "it is being cancelled");
  if ((task.flags & (SUPERVISOR | DAEMON)) !== 0) refuse(task, (task.flags & DAEMON) !== 0 ? "it runs an ensure() cleanup" : "it is a supervisor");
  const extra = task.extra;
  if (extra !== null) {
    if (extra.cleanups !== null && extra.cleanups.length > 0) refuse(task, "it has ensure() cleanups (functions a snapshot cannot save)");
    if (extra.contexts !== null && extra.contexts.size > 0) refuse(task, "it has context values (a snapshot does not save contexts yet)");
    if (extra.onCancel !== null && extra.onCancel.length > 0) refuse(task, "something outside the tree waits for it to be cancelled (an onHalt handler)");
    if ((extra.errors !== null && extra.errors.length > 0) || (extra.unobserved !== null && extra.unobserved.length > 0)) refuse(task, "it has failed children not handled yet");
  }
  if (task.below !== null) refuse(task, "it is inside an fn() call; compiled coroutines need no fn(): call the generator with yield*");
  const kind = task.resumeKind;
  if (task.status === PENDING) {
    return { task, body: task.body, generator: null, wait: null, suspension: null, resume: NONE, value: undefined, queued: task.queuedAt };
  }
  const generator = task.frame as object | null;
  const root = frameOf(generator);
  if (root === null) {
    refuse(task, 'it runs a generator that is not compiled: put "use durable"; at the top of the module that defines it, and load it with strand/register (or compile it ahead of time)');
  }
  if (root.st === FRAME_RUNNING || root.st === DELEGATED) refuse(task, "its coroutine is running");
  const top = root.top;
  const wait = top.dn !== undefined ? top.d : undefined;
  if (!isSaveableWait(wait)) {
    const what = task.suspension !== null ? task.suspension.describe() : describeDelegate(wait);
    refuse(task, `it waits in ${what} (frame ${top.info.name}), which a snapshot cannot save`);
  }
  let suspension: Wait | null = null;
  if (task.suspension !== null) {
    suspension = innerWait(wait, task.suspension);
    if (suspension === null) refuse(task, `it waits on ${task.suspension.describe()}, which a snapshot cannot save`);
  }
  return { task, body: null, generator, wait, suspension, resume: kind, value: task.resumeValue, queued: kind === NONE ? -1 : task.queuedAt };
}

/** `target` if it is `wait` or a wait inside it (a composite's `waitingOn`, saving.ts), else null. */
function innerWait(wait: Wait, target: unknown): Wait | null {
  const seen = new Set<unknown>();
  for (let at: unknown = wait; isSaveableWait(at) && !seen.has(at); at = waitingOn(at)) {
    if (at === target) return at;
    seen.add(at);
  }
  return null;
}

function describeDelegate(delegate: unknown): string {
  if (typeof delegate !== "object" || delegate === null) return show(delegate);
  if (Object.prototype.toString.call(delegate) === "[object Generator]") return "a generator that is not compiled";
  const name = (delegate as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? `an operation of class ${name}` : "an operation";
}

function wallOf(task: TaskRecord<unknown>): number {
  const clock = task.runtime.clock;
  return clock.wall !== undefined ? clock.wall() : Date.now();
}

/**
 * The encoder's path to a value (`.tasks[0].generator[Symbol(…)].top.l.conn`)
 * as a reader follows it: `task main#1 › frame loop › local conn`, then the
 * remaining segments as they were (`.socket`).
 */
function describePath(saved: SavedTree, path: string): string {
  const parts: string[] = [];
  const raw = (segment: string): void => {
    const last = parts.length - 1;
    if (last >= 0 && /^[.[]/.test(parts[last]!)) parts[last] += segment;
    else parts.push(segment);
  };
  const segment = /^(?:\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\[(Symbol\([^)]*\))\])/;
  let at: unknown = saved;
  let locals = false;
  let rest = path;
  for (let match = segment.exec(rest); match !== null; match = segment.exec(rest)) {
    rest = rest.slice(match[0].length);
    const key: string | symbol = match[1] ?? match[2] ?? (match[3] !== undefined ? (JSON.parse(match[3]) as string) : symbolNamed(at, match[4]!));
    const next = typeof at === "object" && at !== null ? (at as Record<string | symbol, unknown>)[key] : undefined;
    if (at === saved || at === saved.tasks) {
      if (at === saved.tasks && typeof next === "object" && next !== null) parts.push(`task ${(next as SavedTask).task.path}`);
    } else if (next instanceof Frame) {
      // A stack's frames: name only the one the value is in.
      if (parts.length > 0 && parts[parts.length - 1]!.startsWith("frame ")) parts.pop();
      parts.push(`frame ${next.info.name}`);
    } else if (locals) {
      parts.push(`local ${String(key)}`);
      locals = false;
    } else if (at instanceof Frame && key === "l") {
      locals = true;
    } else if (at instanceof Frame && key === "d") {
      parts.push("its wait");
    } else if (saved.tasks.includes(at as SavedTask)) {
      if (key !== "generator") parts.push(key === "wait" ? "its wait" : key === "value" ? "the value it was woken with" : String(key));
    } else {
      raw(match[0]);
    }
    at = next;
  }
  if (rest !== "") raw(rest);
  return parts.join(" › ");
}

function symbolNamed(at: unknown, name: string): symbol | string {
  if (typeof at !== "object" || at === null) return name;
  return Object.getOwnPropertySymbols(at).find((s) => String(s) === name) ?? name;
}

// ---------------------------------------------------------------------------
// restore

/**
 * Makes again a task tree saved by `snapshot`, as a child of the calling task,
 * and returns its root: each task waits where it was, its channels hold what
 * they held, and its timers fire when they were due in wall time (at once if
 * that has passed). The modules defining its coroutines must be loaded,
 * compiled from the same code, else `VersionMismatch` names each changed
 * function (`options.migrations` may map them); corrupt, truncated or wrongly
 * signed bytes fail with `SnapshotError`.
 */
export function restore<T = unknown>(bytes: Uint8Array, options?: RestoreOptions): Operation<Task<T>> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`restore(bytes): bytes must be a Uint8Array, got ${show(bytes)}`);
  if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError(`restore(bytes, options): options must be an object, got ${show(options)}`);
  return operation(restoring_, bytes, options) as Operation<Task<T>>;
}

// eslint-disable-next-line require-yield
function* restoring_(bytes: Uint8Array, options: RestoreOptions | undefined): Iterator<Instruction, Task<unknown>, unknown> {
  const me = requireCurrent("restore()");
  if (me.halting) throw new SnapshotError(`restore(): ${me} is being cancelled`);
  registerCoreTypes();
  const verify = options?.verify;
  const decodeOptions: DecodeOptions = verify === undefined ? {} : { verify };
  restoring = { parent: me };
  let saved: SavedTree;
  try {
    try {
      saved = decode(bytes, decodeOptions) as SavedTree;
    } catch (error) {
      if (!(error instanceof VersionMismatch)) throw error;
      saved = changedCode<SavedTree>(bytes, decodeOptions, error, options?.migrations ?? {}, (decoded) => {
        check(decoded);
        return (decoded as SavedTree).tasks.flatMap((entry) => (entry.generator === null ? [] : [frameOf(entry.generator)!]));
      });
    }
    check(saved);
  } finally {
    restoring = null;
  }
  const elapsed = Math.max(0, wallOf(me) - saved.wall);
  const timers: Array<{ task: TaskRecord<unknown>; entry: TimerEntry; left: number; seq: number }> = [];
  const rearming: Restoring = { timer: (task, entry, left, seq) => timers.push({ task, entry, left, seq }) };
  for (const entry of saved.tasks) adoptRevived(entry.task, entry.generator === null ? entry.body! : (entry.generator as Body<unknown>), entry.generator as Iterator<Instruction> | null);
  for (const { task, wait, suspension, resume, value } of saved.tasks) {
    if (task.status === PENDING) {
      task.resumeKind = NEXT;
    } else if (wait !== null) {
      task.suspension = suspension as never;
      task.resumeKind = resume as typeof NONE;
      task.resumeValue = value;
      rearm(wait, task, rearming);
    }
  }
  // Timers in the order they were set, woken tasks in the order they were queued: the tree runs on as it would have.
  timers.sort((a, b) => a.seq - b.seq);
  for (const { task, entry, left } of timers) addTimer(task, entry, Math.max(0, left - elapsed));
  const ready = saved.tasks.filter(({ task }) => task.resumeKind !== NONE);
  ready.sort((a, b) => (a.queued < 0 ? Infinity : a.queued) - (b.queued < 0 ? Infinity : b.queued));
  for (const { task } of ready) task.runtime.schedule(task);
  return saved.tasks[0]!.task;
}

/** The decoded value is a task tree this build can run (the bytes passed their checksum, but may be another program's). */
function check(decoded: unknown): asserts decoded is SavedTree {
  const saved = decoded as Partial<SavedTree> | null;
  const bad: (why: string) => never = (why) => {
    throw new SnapshotError(`these bytes are not a task-tree snapshot (snapshot() writes them): ${why}`);
  };
  if (typeof saved !== "object" || saved === null || saved.format !== TAG) bad("no task-tree format tag");
  if (typeof saved.wall !== "number" || !Array.isArray(saved.tasks) || saved.tasks.length === 0) bad("no tasks");
  const seen = new Set<TaskRecord<unknown>>();
  const waits = new Set<Wait>();
  for (const entry of saved.tasks) {
    if (typeof entry !== "object" || entry === null || !(entry.task instanceof TaskRecord) || seen.has(entry.task) || entry.task.status !== PENDING) bad("a task entry without its own task");
    const { task, generator, wait, resume } = entry;
    if (seen.size === 0 ? task.parent !== restoring?.parent : !seen.has(task.parent!)) bad(`${task} comes before its parent`);
    seen.add(task);
    if (generator === null) {
      if (typeof entry.body !== "function" && (typeof entry.body !== "object" || entry.body === null)) bad(`${task} has no body`);
    } else {
      const root = frameOf(generator);
      if (root === null || root.st !== SUSPENDED) bad(`${task} has no suspended compiled coroutine`);
      const why = unsoundStack(root);
      if (why !== null) bad(`${task}'s coroutine cannot be resumed: ${why}`);
      if (wait === null || !isSaveableWait(wait) || waits.has(wait)) bad(`${task} waits on nothing a snapshot saves`);
      waits.add(wait);
      if (entry.suspension !== null && (!(entry.suspension instanceof Suspension) || innerWait(wait, entry.suspension) === null)) bad(`${task} is parked on something its coroutine does not wait on`);
      if (root.top.d !== wait) bad(`${task}'s coroutine does not wait where its task does`);
      if (resume !== NONE && resume !== NEXT && resume !== THROW) bad(`${task} has an unknown resumption`);
    }
  }
}
