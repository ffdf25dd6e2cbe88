/**
 * Group waits over coordinator wait handles: `waitAll` (every handle) and
 * `waitAny` (the first; a select over handles: exactly one is consumed, every
 * other one is withdrawn, and a notification one of them had received goes
 * back, by rule 3 of coordinator.ts).
 */
import { WITHDRAWN, type Abort } from "../core/instructions.js";
import { AT_ONCE, BEFORE, PARK, Trap, type Begun } from "../core/trap.js";
import type { Operation } from "../types.js";
import { checkWaitable, ENQUEUED, Registration, type HandleWaiter, type WaitHandle } from "./coordinator.js";

// Modes of a group wait.
const ALL = 0;
const ANY = 1;

/**
 * Waits on several handles at once: until all, or the first, are notified. A
 * trap under the BEFORE rule: when enough handles are notified already it takes
 * them at once, after the budget yield — holding every handle meanwhile, so no
 * one else takes or cancels them.
 */
class GroupWait extends Trap<unknown> implements HandleWaiter {
  /** Handles not notified yet (ALL), or the index of the first one notified while parked (ANY). */
  private remaining = 0;
  private winner = -1;

  constructor(
    private readonly mode: number,
    private readonly handles: readonly Registration<unknown>[],
  ) {
    super(BEFORE);
  }

  protected get what(): string {
    return this.mode === ALL ? "waitAll(handles)" : "waitAny(handles)";
  }

  /** Checks and claims every handle; true if enough are notified to complete at once. */
  protected override ready(): boolean {
    const handles = this.handles;
    for (const handle of handles) checkWaitable(this.what, handle);
    let pending = 0;
    for (const handle of handles) {
      handle.waiter = this;
      if (!handle.ready) pending++;
    }
    this.remaining = pending;
    return this.mode === ALL ? pending === 0 : pending < handles.length;
  }

  protected begin(): Begun {
    const completes = this.mode === ALL ? this.remaining === 0 : this.handles.some((handle) => handle.ready);
    return completes ? AT_ONCE : PARK;
  }

  delivered(handle: Registration<unknown>): void {
    if (!this.parked) return; // notified while it takes the others at once: begin counts it
    if (this.mode === ALL) {
      if (--this.remaining === 0) this.wake();
    } else if (this.winner < 0) {
      // Like a select: one wins, the others leave their lists now (invariant 5).
      this.winner = this.handles.indexOf(handle);
      for (const other of this.handles) {
        if (other === handle) continue;
        other.waiter = null;
        other.withdraw();
      }
      this.wake();
    }
  }

  protected result(): unknown {
    const handles = this.handles;
    let result: unknown;
    if (this.mode === ALL) {
      result = handles.map((handle) => handle.consume());
    } else {
      const index = this.winner >= 0 ? this.winner : handles.findIndex((handle) => handle.ready);
      const value = handles[index].consume();
      for (const other of handles) if (other !== handles[index]) other.withdraw();
      result = { index, value };
    }
    for (const handle of handles) handle.waiter = null;
    return result;
  }

  protected again(): GroupWait {
    return new GroupWait(this.mode, this.handles);
  }

  override describe(): string {
    return `${this.mode === ALL ? "waitAll" : "waitAny"} of ${this.handles.map((handle) => handle.coordinator.waitLabel).join(", ")}`;
  }

  abort(): Abort {
    this.leave();
    return WITHDRAWN;
  }

  /** Cancelled at the budget yield: every handle is withdrawn, as if cancelled while parked. */
  protected override unwound(): void {
    this.leave();
  }

  /**
   * Releases and withdraws the handles that were not consumed: the waiting
   * ones first, so that a notification given back by the others cannot land on
   * a sibling that is leaving too.
   */
  private leave(): void {
    const handles = this.handles;
    for (const handle of handles) handle.waiter = null;
    for (const handle of handles) if (handle.status === ENQUEUED) handle.withdraw();
    for (const handle of handles) handle.withdraw();
  }
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
  return new GroupWait(ALL, list) as Operation<unknown> as Operation<AllValues<H>>;
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
  return new GroupWait(ANY, list) as Operation<unknown> as Operation<AnyValue<H>>;
}
