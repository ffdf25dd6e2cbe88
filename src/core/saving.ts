/**
 * Saving parked task trees: what the core's objects tell a snapshot about
 * themselves (strand/durable's `snapshot(task)`, durable/tasks.ts), so that
 * the core stays free of the serializer.
 *
 * A saveable type (a channel, a wait) says, where it is defined:
 * - `save(value, saving)`: its state as data the serializer handles — plain
 *   values, elements, channels, tasks — never the value itself (the serializer
 *   decodes the data before it makes the value again). `saving.now` is the
 *   saving runtime's clock time: a timer saves what is left of it;
 * - `revive(data)`: the value again, registered with nothing and no task;
 * - for a wait, `rearm(task, restoring)` on the revived value: registers it
 *   for its new task as the saved one was registered (a channel waiter back at
 *   its place in its queue; a timer through `restoring.timer`, with what it had
 *   left less the wall time since), once every value has been revived.
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
import type { TaskRecord } from "./task.js";
import type { ClauseWait, SelectClause, Selector } from "./clause.js";
import type { TimerEntry } from "./timers.js";
import type { Link, LinkedList } from "./list.js";

/** What a type's `save` may ask of the snapshot under way. */
export interface Saving {
  /** The saving runtime's clock time. */
  readonly now: number;
  /** True if `task` is one of the tasks being saved. */
  includes(task: TaskRecord<unknown>): boolean;
  /** Per-snapshot scratch space for types that save many values from one computation (a queue's positions). */
  readonly memo: Map<object, unknown>;
}

/** A saveable type of the core (see the file header). */
export interface SaveableType<T extends object> {
  /** Its id in snapshots, e.g. "strand:channel". */
  readonly id: string;
  readonly Class: abstract new (...args: never[]) => T;
  save(value: T, saving: Saving): unknown;
  revive(data: never): T;
}

/** A revived wait: registers for its new task. */
export interface SaveableWait {
  rearm(task: TaskRecord<unknown>, restoring: Restoring): void;
  /**
   * A wait made of others (`timeout()`'s): the one it delegates to now — what
   * its task is parked on, or another such composite. Absent for a wait its
   * task parks on itself.
   */
  readonly waitingOn?: unknown;
  /**
   * When the wait completes by itself if its tree does nothing else: a timer's
   * deadline on its runtime's clock. Without it (or Infinity), only something
   * of the tree or its store can end it; null: something outside may (a
   * durable worker then keeps the tree loaded instead of evicting it).
   */
  wakesAt?(): number | null;
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

/**
 * A select clause whose wait a snapshot can save: a parked select saves each
 * of its waits through its clause (`savedWait`: data, never the select or the
 * wait itself), and a restore makes them again (`revivedWait`) and registers
 * them (`rejoin`) — a channel token back at its place in the queue, a timeout
 * with what it had left.
 */
export interface SaveableClause<R = unknown> extends SelectClause<R> {
  savedWait(wait: ClauseWait<R>, saving: Saving): unknown;
  revivedWait(selector: Selector & { readonly task: TaskRecord<unknown> }, data: never): ClauseWait<R> & { rejoin(restoring: Restoring): void };
}

export function isSaveableClause(clause: SelectClause<unknown>): clause is SaveableClause {
  return typeof (clause as Partial<SaveableClause>).savedWait === "function" && typeof (clause as Partial<SaveableClause>).revivedWait === "function";
}

/** The saveable types of the modules loaded so far, in load order. */
export const saveableTypes: SaveableType<object>[] = [];

/** Declares `type` saveable (at module load). */
export function saveable<T extends object>(type: SaveableType<T>): void {
  saveableTypes.push(type as unknown as SaveableType<object>);
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

/** Functions a saved frame may hold (a delegate's `next` method, read once by `yield*`), by id. */
export const saveableFunctions: Array<{ readonly id: string; readonly fn: Function }> = []; // eslint-disable-line @typescript-eslint/no-unsafe-function-type

/** Declares `fn` saveable under `id` (at module load). */
export function saveableFunction(id: string, fn: Function): void { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  saveableFunctions.push({ id, fn });
}

/** Classes whose instances are saved as plain data by id (Strand's errors), at module load. */
export const saveableClasses: Array<{ readonly id: string; readonly Class: abstract new (...args: never[]) => object }> = [];

/** Declares `Class` saveable as plain data under `id` (its instances' own fields; an error's message, stack and cause). */
export function saveableClass(id: string, Class: abstract new (...args: never[]) => object): void {
  saveableClasses.push({ id, Class });
}

/** True if `value` is a wait a snapshot can save: an instance of a saveable type with `rearm`. */
export function isSaveableWait(value: unknown): value is SaveableWait {
  if (typeof value !== "object" || value === null || typeof (value as Partial<SaveableWait>).rearm !== "function") return false;
  for (const type of saveableTypes) if (value instanceof type.Class) return true;
  return false;
}
