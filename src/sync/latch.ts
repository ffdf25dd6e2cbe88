/**
 * Latch and Event: one-way gates that open once and stay open.
 *
 * A `Latch(count)` opens when `countDown()` has been called `count` times; an
 * `Event` opens on `set()`. States: CLOSED (waiters park on the coordinator) →
 * OPEN (every waiter released with `notifyAll`; later `wait()`s return at
 * once). Nothing closes a gate again, so a waiter released but cancelled before
 * it ran owes nothing back. Invariant: while open, nobody waits.
 */
import type { Operation } from "../types.js";
import { Coordinator } from "./coordinator.js";
import { checkInteger, displayName, GateWait, type SyncOptions } from "./shared.js";
import { made, watching } from "../core/instances.js";

/** A snapshot of a latch's counters. */
export interface LatchStats {
  name: string;
  count: number;
  waiting: number;
  /** Waiters released when the count reached zero. */
  released: number;
  /** Waiters that left because their task was cancelled while they waited. */
  cancelledWaiters: number;
}

/** A snapshot of an event's counters. */
export interface EventStats {
  name: string;
  isSet: boolean;
  waiting: number;
  /** Waiters released by `set()`. */
  released: number;
  /** Waiters that left because their task was cancelled while they waited. */
  cancelledWaiters: number;
}

let nextLatchId = 1;
let nextEventId = 1;

/**
 * Opens after `count` calls to `countDown()` (Java's `CountDownLatch`): `wait()`
 * parks until then, and returns at once afterwards.
 *
 * ```ts
 * const started = new Latch(workers.length);
 * for (const worker of workers) yield* spawn(function* () { yield* worker.init(); started.countDown(); yield* worker.run(); });
 * yield* started.wait(); // every worker is initialised
 * ```
 */
export class Latch {
  readonly name: string;
  /** @internal */ remaining: number;
  /** @internal */ readonly waiters: Coordinator<void>;
  private readonly isOpen = (): boolean => this.remaining === 0;

  constructor(count: number, options?: SyncOptions) {
    this.remaining = checkInteger("new Latch(count)", "count", count, 0);
    this.name = displayName("new Latch(count, options)", "latch", options, nextLatchId++);
    this.waiters = new Coordinator<void>({ name: this.name });
    this.waiters.waitLabel = `wait on ${this.name}`;
    this.waiters.owner = this;
    if (watching) made(this, "Latch", this.waiters);
  }

  /** Count-downs still needed to open. */
  get count(): number {
    return this.remaining;
  }

  /** Counts down by one; the last one releases every waiter. Does nothing once open. */
  countDown(): void {
    if (this.remaining === 0) return;
    if (--this.remaining === 0) this.waiters.notifyAll();
  }

  /** Waits until the count reaches zero. */
  wait(): Operation<void> {
    return new GateWait("latch.wait()", this.waiters, this.isOpen);
  }

  stats(): LatchStats {
    const waiters = this.waiters.stats();
    return { name: this.name, count: this.remaining, waiting: waiters.waiting, released: waiters.notified, cancelledWaiters: waiters.cancelled };
  }
}

/**
 * A one-shot signal: `set()` releases every current and future waiter. An
 * `Event<T>` carries a value: `set(value)` gives it to every waiter, and
 * `wait()` returns it.
 *
 * ```ts
 * const shutdown = new Event();
 * yield* spawn(function* () { yield* shutdown.wait(); yield* flush(); });
 * shutdown.set();
 *
 * const config = new Event<Config>();
 * yield* spawn(function* () { const { port } = yield* config.wait(); yield* serve(port); });
 * config.set(loaded);
 * ```
 */
export class Event<T = void> {
  readonly name: string;
  /** @internal */ open = false;
  /** @internal */ value: T | undefined = undefined;
  /** @internal */ readonly waiters: Coordinator<T>;
  private readonly isOpen = (): boolean => this.open;
  private readonly read = (): T => this.value as T;

  constructor(options?: SyncOptions) {
    this.name = displayName("new Event(options)", "event", options, nextEventId++);
    this.waiters = new Coordinator<T>({ name: this.name });
    this.waiters.waitLabel = `wait on ${this.name}`;
    this.waiters.owner = this;
    if (watching) made(this, "Event", this.waiters);
  }

  get isSet(): boolean {
    return this.open;
  }

  /** Sets the event (with its value, if it carries one), releasing every waiter; false if it was already set (the first value stays). */
  set(...value: T extends void ? [value?: T] : [value: T]): boolean {
    if (this.open) return false;
    this.open = true;
    this.value = value[0] as T;
    this.waiters.notifyAll(this.value);
    return true;
  }

  /** Waits until the event is set (returns at once if it is), and returns its value. */
  wait(): Operation<T> {
    return new GateWait<T>("event.wait()", this.waiters, this.isOpen, this.read);
  }

  stats(): EventStats {
    const waiters = this.waiters.stats();
    return { name: this.name, isSet: this.open, waiting: waiters.waiting, released: waiters.notified, cancelledWaiters: waiters.cancelled };
  }
}
