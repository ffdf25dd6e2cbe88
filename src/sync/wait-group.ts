/**
 * WaitGroup: waits for a collection of tasks to finish (Go's `sync.WaitGroup`).
 *
 * A counter, raised by `add(n)` and lowered by `done()`; `wait()` parks until it
 * is zero. Invariants: the counter is never negative (an `add`/`done` that would
 * make it so throws and changes nothing); while it is zero nobody waits — the
 * moment it reaches zero every waiter is released (`notifyAll`: a released
 * waiter cancelled before it ran gives nothing back, there is nothing to give).
 * The group can be reused once the counter is back above zero.
 */
import type { Operation } from "../types.js";
import { Coordinator } from "./coordinator.js";
import { displayName, GateWait, type SyncOptions } from "./shared.js";
import { made, watching } from "../core/instances.js";

/** A snapshot of a wait group's counters. */
export interface WaitGroupStats {
  name: string;
  count: number;
  waiting: number;
  /** Waiters released by the counter reaching zero. */
  released: number;
  /** Waiters that left because their task was cancelled while they waited. */
  cancelledWaiters: number;
}

let nextWaitGroupId = 1;

/**
 * Counts outstanding work; `wait()` returns when the count is back to zero.
 *
 * ```ts
 * const group = new WaitGroup();
 * for (const file of files) {
 *   group.add(1);
 *   yield* spawn(function* () {
 *     try { yield* upload(file); } finally { group.done(); }
 *   });
 * }
 * yield* group.wait();
 * ```
 */
export class WaitGroup {
  readonly name: string;
  /** @internal */ counter = 0;
  /** @internal */ readonly waiters: Coordinator<void>;
  private readonly isOpen = (): boolean => this.counter === 0;

  constructor(options?: SyncOptions) {
    this.name = displayName("new WaitGroup(options)", "wait group", options, nextWaitGroupId++);
    this.waiters = new Coordinator<void>({ name: this.name });
    this.waiters.waitLabel = `wait on ${this.name}`;
    this.waiters.owner = this;
    if (watching) made(this, "WaitGroup", this.waiters);
  }

  /** The counter now. */
  get count(): number {
    return this.counter;
  }

  /** Adds `n` (may be negative) to the counter; at zero, releases every waiter. Throws if it would go negative. */
  add(n = 1): void {
    if (typeof n !== "number") throw new TypeError(`${this.name}.add(n): n must be an integer, got ${typeof n === "string" ? JSON.stringify(n) : String(n)}`);
    if (!Number.isSafeInteger(n)) throw new RangeError(`${this.name}.add(n): n must be an integer, got ${n}`);
    this.change(n, "add(n)");
  }

  /** Lowers the counter by one: one piece of work is finished. */
  done(): void {
    this.change(-1, "done()");
  }

  /** Waits until the counter is zero (returns at once if it is). */
  wait(): Operation<void> {
    return new GateWait("waitGroup.wait()", this.waiters, this.isOpen);
  }

  stats(): WaitGroupStats {
    const waiters = this.waiters.stats();
    return { name: this.name, count: this.counter, waiting: waiters.waiting, released: waiters.notified, cancelledWaiters: waiters.cancelled };
  }

  private change(n: number, what: string): void {
    const next = this.counter + n;
    if (next < 0) {
      throw new Error(`${this.name}.${what}: the counter would go negative (${this.counter} ${n < 0 ? "-" : "+"} ${Math.abs(n)}); call done() once per add(1)`);
    }
    this.counter = next;
    if (next === 0) this.waiters.notifyAll();
  }
}
