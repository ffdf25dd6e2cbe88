/**
 * Group waits over coordinator wait handles: `waitAll` (every handle) and
 * `waitAny` (the first; a select over handles: exactly one is consumed, every
 * other one is withdrawn, and a notification one of them had received goes
 * back, by rule 3 of coordinator.ts).
 */
import { Suspension, WITHDRAWN, YIELD_NOW, type Abort, type Instruction } from "../core/instructions.js";
import { budgetSpent, requireCurrent } from "../core/runtime.js";
import type { TaskRecord } from "../core/task.js";
import type { Operation } from "../types.js";
import { ALONE, checkWaitable, ENQUEUED, GROUP, NOBODY, Registration, type WaitHandle } from "./coordinator.js";

// Modes of a group wait.
const ALL = 0;
const ANY = 1;

/** Parks a task on several handles at once: until all, or the first, are notified. */
export class Group extends Suspension {
  winner = -1;

  constructor(
    task: TaskRecord<unknown>,
    readonly mode: number,
    readonly handles: readonly Registration<unknown>[],
    public remaining: number,
  ) {
    super(task);
    for (const handle of handles) {
      handle.waiter = GROUP;
      handle.group = this;
      handle.task = task;
    }
  }

  describe(): string {
    return `${this.mode === ALL ? "waitAll" : "waitAny"} of ${this.handles.map((handle) => handle.coordinator.waitLabel).join(", ")}`;
  }

  delivered(handle: Registration<unknown>): void {
    if (this.mode === ALL) {
      if (--this.remaining === 0) this.wake();
    } else if (this.winner < 0) {
      // Like a select: one wins, the others leave their lists now (invariant 5).
      this.winner = this.handles.indexOf(handle);
      for (const other of this.handles) {
        if (other === handle) continue;
        release(other);
        other.withdraw();
      }
      this.wake();
    }
  }

  abort(): Abort {
    withdrawAll(this.handles);
    return WITHDRAWN;
  }
}

function release(handle: Registration<unknown>): void {
  handle.waiter = NOBODY;
  handle.group = null;
}

/**
 * Withdraws handles that were not consumed: the waiting ones first, so that a
 * notification given back by the others cannot land on a sibling that is
 * leaving too.
 */
function withdrawAll(handles: readonly Registration<unknown>[]): void {
  for (const handle of handles) if (handle.status === ENQUEUED) handle.withdraw();
  for (const handle of handles) handle.withdraw();
}

function checkHandles(what: string, handles: unknown): Registration<unknown>[] {
  if (!Array.isArray(handles)) throw new TypeError(`${what}: handles must be an array of wait handles (from coordinator.prepare())`);
  handles.forEach((handle, i) => {
    if (!(handle instanceof Registration)) throw new TypeError(`${what}: handles[${i}] is not a wait handle; make one with coordinator.prepare()`);
    if (handles.indexOf(handle) !== i) throw new TypeError(`${what}: handles[${i}] appears twice`);
  });
  return handles as Registration<unknown>[];
}

type ValueOf<H> = H extends WaitHandle<infer T> ? T : never;

/** What `waitAll` returns: each handle's value, in order. */
export type AllValues<H extends readonly WaitHandle<unknown>[]> = { -readonly [K in keyof H]: ValueOf<H[K]> };

/** What `waitAny` returns: which handle was notified, and its value. */
export type AnyValue<H extends readonly WaitHandle<unknown>[]> = {
  [K in keyof H]: K extends `${infer I extends number}` ? { index: I; value: ValueOf<H[K]> } : never;
}[number];

/**
 * Waits until every handle is notified and returns their values in order (the
 * coop seed's blocking wrapper over the set-up API). If the task is cancelled
 * meanwhile, every handle is withdrawn (rule 3 of the file header).
 *
 * ```ts
 * const a = left.prepare();
 * const b = right.prepare();
 * const [x, y] = yield* waitAll([a, b]);
 * ```
 */
export function waitAll<const H extends readonly WaitHandle<any>[]>(handles: H): Operation<AllValues<H>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const list = checkHandles("waitAll(handles)", handles);
  return { [Symbol.iterator]: () => groupWait(list, ALL) as Iterator<Instruction, AllValues<H>, unknown> };
}

/**
 * Waits until one of the handles is notified; returns its index and value. Like
 * a select, exactly one handle is consumed: the others are cancelled, and a
 * notification one of them had already received goes back (to the next waiter).
 *
 * ```ts
 * const { index, value } = yield* waitAny([jobs.prepare(), shutdown.prepare()]);
 * ```
 */
export function waitAny<const H extends readonly WaitHandle<any>[]>(handles: H): Operation<AnyValue<H>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const list = checkHandles("waitAny(handles)", handles);
  if (list.length === 0) throw new TypeError("waitAny(handles): needs at least one handle (it would wait forever)");
  return { [Symbol.iterator]: () => groupWait(list, ANY) as Iterator<Instruction, AnyValue<H>, unknown> };
}

function* groupWait(handles: Registration<unknown>[], mode: number): Generator<Instruction, unknown, unknown> {
  const what = mode === ALL ? "waitAll(handles)" : "waitAny(handles)";
  const me = requireCurrent(what);
  for (const handle of handles) checkWaitable(what, handle);
  let ok = false;
  let group: Group | null = null;
  try {
    let pending = 0;
    for (const handle of handles) if (!handle.ready) pending++;
    const completes = mode === ALL ? pending === 0 : pending < handles.length;
    if (completes && budgetSpent()) {
      // Yield before taking anything; hold the handles meanwhile so no one else takes them.
      for (const handle of handles) handle.waiter = ALONE;
      yield YIELD_NOW;
      for (const handle of handles) handle.waiter = NOBODY;
    } else if (!completes) {
      group = new Group(me, mode, handles, pending);
      yield group;
    }
    let result: unknown;
    if (mode === ALL) {
      result = handles.map((handle) => handle.consume());
    } else {
      const index = group !== null ? group.winner : handles.findIndex((handle) => handle.ready);
      const value = handles[index].consume();
      for (const other of handles) if (other !== handles[index]) other.withdraw();
      result = { index, value };
    }
    ok = true;
    return result;
  } finally {
    for (const handle of handles) release(handle);
    if (!ok) withdrawAll(handles);
  }
}

