/**
 * Saving parked task trees: how a snapshot (strand/durable's `snapshot(task)`,
 * tasks.ts) saves the core's objects and a restore makes them again. The core
 * knows nothing of it: each saveable type is described by a registration kept
 * apart from its class, in saveables/ (one module per area; durable's own
 * waits, store/signals.ts and store/children.ts, declare theirs where they
 * are defined), so a program that never imports strand/durable bundles none
 * of it. A registration reaches the class's internals through the fields
 * marked `@internal`.
 *
 * A saveable type (a channel, a wait) is registered with:
 * - `save(value, saving)`: its state as data the serializer handles — plain
 *   values, elements, channels, tasks — never the value itself (the serializer
 *   decodes the data before it makes the value again). `saving.now` is the
 *   saving runtime's clock time: a timer saves what is left of it;
 * - `revive(data)`: the value again, registered with nothing and no task;
 * - for a wait (`SaveableWait`), `rearm(value, task, restoring)` on the
 *   revived value: registers it for its new task as the saved one was
 *   registered (a channel waiter back at its place in its queue; a timer
 *   through `restoring.timer`, with what it had left less the wall time
 *   since), once every value has been revived;
 * - for a select clause (`SaveableClause`), how each of its waits is saved
 *   (`savedWait`: data, never the select or the wait itself), made again
 *   (`revivedWait`) and registered (`rejoin`) — a channel token back at its
 *   place in the queue, a timeout with what it had left.
 *
 * Order is kept where the run loop's choices depend on it: waiters return to
 * their places in their queues, timers are set again in the order they were
 * first set (so equal deadlines fire in the same order), and woken tasks are
 * queued in the order they were queued. A restored tree then runs as the saved
 * one would have — up to `select`'s random choices, whose stream (the
 * runtime's, seeded under `runTest`) is not part of a tree.
 *
 * A wait is the operation a compiled coroutine's top frame delegates to with
 * `yield*` — usually the suspension its task is parked on, or the one it was
 * just woken from. Waits that are not saveable (a `call()` promise, a select
 * with other clauses) fail a snapshot, naming the task.
 */
import type { TaskRecord } from "../core/task.js";
import type { ClauseWait, SelectClause, Selector } from "../core/clause.js";
import type { TimerEntry } from "../core/timers.js";
import type { Link, LinkedList } from "../core/list.js";

/** What a type's `save` may ask of the snapshot under way. */
export interface Saving {
  /** The saving runtime's clock time. */
  readonly now: number;
  /** True if `task` is one of the tasks being saved. */
  includes(task: TaskRecord<unknown>): boolean;
  /** Per-snapshot scratch space for types that save many values from one computation (a queue's positions). */
  readonly memo: Map<object, unknown>;
}

/** What a restore offers the waits it rearms. */
export interface Restoring {
  /**
   * Sets `entry`, a revived timer of `task`, to fire after `left` ms less the
   * wall time since the snapshot; `seq` is the saved timer's (`entry.seq` when
   * saved): timers are set in that order once every wait is rearmed.
   */
  timer(task: TaskRecord<unknown>, entry: TimerEntry, left: number, seq: number): void;
}

/** A saveable type (see the file header). */
export interface SaveableType<T extends object> {
  /** Its id in snapshots, e.g. "strand:channel". */
  readonly id: string;
  readonly Class: abstract new (...args: never[]) => T;
  save(value: T, saving: Saving): unknown;
  revive(data: never): T;
}

/** A saveable wait: registers a revived one for its new task. */
export interface SaveableWait<T extends object = object> extends SaveableType<T> {
  rearm(wait: T, task: TaskRecord<unknown>, restoring: Restoring): void;
  /**
   * A wait made of others (`timeout()`'s): the one it delegates to now — what
   * its task is parked on, or another such composite. Absent for a wait its
   * task parks on itself.
   */
  waitingOn?(wait: T): unknown;
  /**
   * When the wait completes by itself if its tree does nothing else: a timer's
   * deadline on its runtime's clock. Without it (or Infinity), only something
   * of the tree or its store can end it; null: something outside may (a
   * durable worker then keeps the tree loaded instead of evicting it).
   */
  wakesAt?(wait: T): number | null;
}

/**
 * A select clause whose waits a snapshot can save: a parked select saves each
 * of its waits through its clause, and a restore makes them again and
 * registers them (see the file header).
 */
export interface SaveableClause<T extends SelectClause<unknown> = SelectClause<unknown>, W extends ClauseWait<unknown> = ClauseWait<unknown>> extends SaveableType<T> {
  savedWait(clause: T, wait: W, saving: Saving): unknown;
  revivedWait(clause: T, selector: Selector & { readonly task: TaskRecord<unknown> }, data: never): W;
  rejoin(clause: T, wait: W, restoring: Restoring): void;
  /** As a wait's `wakesAt` (absent: Infinity). */
  wakesAt?(clause: T, wait: W): number | null;
}

/** The saveable types known so far: the core's (durable/core-types.ts, when it loads) and durable's own, as their modules load. */
const saveableTypes: SaveableType<object>[] = [];

/** Declares `type` saveable (at module load). */
export function saveable<T extends object>(type: SaveableType<T>): void {
  saveableTypes.push(type as unknown as SaveableType<object>);
}

/** The saveable types declared so far, in the order they were declared. */
export function declaredTypes(): readonly SaveableType<object>[] {
  return saveableTypes;
}

/** The saveable type `value` is an instance of, if any. */
export function saveableTypeOf(value: unknown): SaveableType<object> | null {
  if (typeof value !== "object" || value === null) return null;
  for (const type of saveableTypes) if (value instanceof type.Class) return type;
  return null;
}

/** The type of a wait a snapshot can save, or null. */
export function waitTypeOf(value: unknown): SaveableWait | null {
  const type = saveableTypeOf(value);
  return type !== null && typeof (type as Partial<SaveableWait>).rearm === "function" ? (type as SaveableWait) : null;
}

/** True if `value` is a wait a snapshot can save: an instance of a saveable type with `rearm`. */
export function isSaveableWait(value: unknown): value is object {
  return waitTypeOf(value) !== null;
}

/** The type of a select clause whose waits a snapshot can save, or null. */
export function clauseTypeOf(clause: unknown): SaveableClause | null {
  const type = saveableTypeOf(clause);
  return type !== null && typeof (type as Partial<SaveableClause>).savedWait === "function" ? (type as unknown as SaveableClause) : null;
}

/** Registers a revived wait for its new task (its type's `rearm`). */
export function rearm(wait: object, task: TaskRecord<unknown>, restoring: Restoring): void {
  waitTypeOf(wait)!.rearm(wait, task, restoring);
}

/** When `wait` completes by itself (its type's `wakesAt`): Infinity for a wait without one, or not saveable. */
export function wakesAt(wait: unknown): number | null {
  const type = waitTypeOf(wait);
  return type?.wakesAt === undefined ? Infinity : type.wakesAt(wait as object);
}

/** What a composite wait delegates to now (its type's `waitingOn`), else undefined. */
export function waitingOn(wait: unknown): unknown {
  return waitTypeOf(wait)?.waitingOn?.(wait as object);
}

/**
 * Where `node` stands in the queue (a `LinkedList`) it is in: its index,
 * counted once per snapshot for the whole queue (its nodes are saved one by
 * one); -1 when it is in none.
 */
export function positionIn(saving: Saving, node: Link): number {
  const list = node.list;
  if (list === null) return -1;
  let positions = saving.memo.get(list) as Map<Link, number> | undefined;
  if (positions === undefined) {
    positions = new Map();
    let i = 0;
    for (let at = list.head; at !== null; at = at.nextLink) positions.set(at, i++);
    saving.memo.set(list, positions);
  }
  return positions.get(node) ?? -1;
}

/** Revived nodes' saved positions, until a restore has put them back in their queues. */
const revivedPositions = new WeakMap<Link, number>();

/** Notes where a revived node stood in its queue (from `positionIn`), for `requeue`. */
export function revivedAt(node: Link, position: number): void {
  revivedPositions.set(node, position);
}

/**
 * Puts a revived node back into `list` where it stood when saved: after the
 * nodes revived before it and those already there (restored waiters come back
 * in the order they had, whichever task is rearmed first).
 */
export function requeue<T extends Link>(list: LinkedList<T>, node: T): void {
  const position = revivedPositions.get(node) ?? Infinity;
  let before = list.head;
  while (before !== null && (revivedPositions.get(before) ?? -1) < position) before = before.nextLink as T | null;
  list.insertBefore(node, before);
}

/** What a saved timer had left (null once it fired), and the order it was set in. */
export interface SavedTimer {
  left: number | null;
  seq: number;
}

/** A timer entry's `SavedTimer`: what is left of it at `saving.now`, if it has not fired. */
export function savedTimer(entry: TimerEntry, saving: Saving): SavedTimer {
  return { left: entry.heapIndex >= 0 ? entry.deadline - saving.now : null, seq: entry.seq };
}

/** Revived timers' saved state, until a restore has set them again. */
const revivedTimers = new WeakMap<TimerEntry, number>();

/** Notes what a revived timer had left (from `savedTimer`'s data, checked), for `retime`. */
export function revivedTimer(entry: TimerEntry, data: Partial<SavedTimer>): void {
  entry.seq = typeof data.seq === "number" ? data.seq : 0;
  if (typeof data.left === "number") revivedTimers.set(entry, data.left);
}

/** Whether a revived timer had not fired when saved (it is set again by `retime`). */
export function pendingTimer(entry: TimerEntry): boolean {
  return revivedTimers.has(entry);
}

/** Sets a revived timer of `task` again with what it had left, if it had not fired. */
export function retime(entry: TimerEntry, task: TaskRecord<unknown>, restoring: Restoring): void {
  const left = revivedTimers.get(entry);
  if (left !== undefined) restoring.timer(task, entry, left, entry.seq);
}

/** Functions a saved frame may hold (a delegate's `next` method, read once by `yield*`), with their ids. */
export interface SaveableFunction {
  readonly id: string;
  readonly fn: Function; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
}

/** Classes whose instances are saved as plain data by id (their own fields; an error's message, stack and cause). */
export interface SaveableClass {
  readonly id: string;
  readonly Class: abstract new (...args: never[]) => object;
}
