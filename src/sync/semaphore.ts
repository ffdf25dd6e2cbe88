/**
 * Semaphore: a fixed number of permits shared by tasks, granted in FIFO order.
 *
 * A waiter asks for `n` permits and waits in a FIFO queue of tokens: an
 * `Acquire` (a task's `acquire(n)`, a trap under the BEFORE rule, core/trap.ts)
 * or an `AcquireWait` (a select's `onAcquire` clause). Token states (`status`):
 *
 * | status    | meaning                                                          |
 * |-----------|------------------------------------------------------------------|
 * | ENQUEUED  | in the queue, waiting for its permits                            |
 * | GRANTED   | its permits were taken for it; its task is woken (may not have run)|
 * | CANCELLED | its task was cancelled: it left the queue, or gave its permits back |
 *
 * ENQUEUED → GRANTED → (task runs: done) | CANCELLED;  ENQUEUED → CANCELLED.
 *
 * Invariants:
 * 1. Conservation: `free + (permits held by tasks, granted ones included) = permits`.
 *    Releasing more than was acquired throws, so the count can never grow.
 * 2. FIFO without barging: permits go to the head of the queue first; while
 *    anyone waits, `tryAcquire` fails and `acquire` queues, even if enough
 *    permits are free for it (a large request at the head is not starved by
 *    small ones behind it).
 * 3. Every token in the queue is ENQUEUED; whenever the queue or `free`
 *    changes, `grant()` serves the head while its request fits.
 * 4. Prompt cancellation: a waiter granted its permits but cancelled before it
 *    ran gives them back (and they are granted again at once). A waiter
 *    cancelled at the head leaves, and the new head is served if it fits.
 */
import { NOT_READY, type ClauseWait, type SelectClause, type Selector } from "../core/clause.js";
import { WITHDRAWN, type Abort, type Instruction } from "../core/instructions.js";
import { Link, LinkedList } from "../core/list.js";
import { operation } from "../core/operation.js";
import { AT_ONCE, BEFORE, PARK, Trap, type Begun } from "../core/trap.js";
import type { Body } from "../core/task.js";
import type { Operation } from "../types.js";
import { checkBody } from "../validate.js";
import { bodyOperation, checkInteger, displayName, type SyncOptions } from "./shared.js";
import { made, watching } from "../core/instances.js";

// Token states.
export const ENQUEUED = 0;
export const GRANTED = 1;
export const CANCELLED = 2;

/** A snapshot of a semaphore's counters. */
export interface SemaphoreStats {
  name: string;
  permits: number;
  available: number;
  /** Tasks waiting for permits now. */
  waiting: number;
  /** Permits granted (acquire, tryAcquire, or a grant its waiter kept). */
  acquired: number;
  /** Permits released. */
  released: number;
  /** Waiters that left because their task was cancelled while they waited. */
  cancelledWaiters: number;
  /** Permits given back by waiters cancelled after the grant, before they ran. */
  returned: number;
}

/** `semaphore.acquire(n)`: takes the permits at once if they fit, else waits in the queue as a token until granted. */
export class Acquire extends Trap<void> {
  declare status: number;
  /** A task's token answers to no select. */
  declare readonly selector: null;
  /** @internal */ declare readonly semaphore: Semaphore;
  declare readonly count: number;

  constructor(semaphore: Semaphore, count: number) {
    super(BEFORE); // permits that fit are taken after the budget yield: a cancellation there takes none
    this.status = ENQUEUED;
    this.selector = null;
    this.semaphore = semaphore;
    this.count = count;
  }
  protected get what(): string {
    return "semaphore.acquire()";
  }
  protected override ready(): boolean {
    return this.semaphore.fits(this.count);
  }
  protected begin(): Begun {
    const semaphore = this.semaphore;
    if (semaphore.fits(this.count)) {
      semaphore.take(this.count);
      return AT_ONCE;
    }
    semaphore.queue.push(this);
    return PARK;
  }
  protected result(): void {}
  protected again(): Acquire {
    return new Acquire(this.semaphore, this.count);
  }
  /** Cancelled while queued, or granted but not run yet: it leaves, or gives the permits back (invariant 4). */
  abort(): Abort {
    this.semaphore.abandon(this);
    return WITHDRAWN;
  }
  override describe(): string {
    return acquiring(this.semaphore, this.count);
  }
}

/** A select's `onAcquire` clause waiting in the queue (its `selector` chooses whether it takes a grant). */
class AcquireWait extends Link implements ClauseWait<unknown> {
  status = ENQUEUED;

  constructor(
    private readonly semaphore: Semaphore,
    readonly count: number,
    readonly selector: Selector,
    private readonly clause: AcquireClause<unknown>,
  ) {
    super();
  }

  /** The select chose another clause, or was cancelled while waiting. */
  withdraw(): void {
    if (this.status === ENQUEUED) this.semaphore.abandon(this);
  }

  /** Granted, but the select was cancelled before it ran. */
  giveBack(): void {
    if (this.status === GRANTED) this.semaphore.abandon(this);
  }

  result(): unknown {
    return this.clause.result();
  }
}

/** A token in a semaphore's queue. */
type Token = Acquire | AcquireWait;

function acquiring(semaphore: Semaphore, count: number): string {
  return `acquire of ${count} permit${count === 1 ? "" : "s"} of ${semaphore.name}`;
}

/** `semaphore.onAcquire(n, handler)`: takes the permits at once if it can, else waits in the queue as an `Acquire`. */
class AcquireClause<R> implements SelectClause<R> {
  constructor(
    private readonly semaphore: Semaphore,
    private readonly count: number,
    private readonly handler: (() => R) | undefined,
  ) {}

  describe(): string {
    return acquiring(this.semaphore, this.count);
  }

  attempt(): R | typeof NOT_READY {
    return this.semaphore.tryAcquire(this.count) ? this.result() : NOT_READY;
  }

  enqueue(selector: Selector): ClauseWait<R> {
    const waiter = new AcquireWait(this.semaphore, this.count, selector, this as AcquireClause<unknown>);
    this.semaphore.queue.push(waiter);
    return waiter as ClauseWait<R>;
  }

  /** The clause's result once it won: the handler's, or undefined. */
  result(): R {
    return this.handler === undefined ? (undefined as R) : this.handler();
  }
}

let nextSemaphoreId = 1;

/**
 * Limits how many tasks do something at once: each holds a permit while it
 * works. Permits are granted in the order they were asked for.
 *
 * ```ts
 * const connections = new Semaphore(4);
 * for (const url of urls) {
 *   yield* spawn(() => connections.withPermit(() => fetchPage(url))); // at most 4 at a time
 * }
 * ```
 */
export class Semaphore {
  readonly name: string;
  /** The total number of permits. */
  readonly permits: number;
  /** @internal */ free: number;
  /** @internal */ readonly queue = new LinkedList<Token>();
  /** @internal */ acquiredCount = 0;
  /** @internal */ releasedCount = 0;
  /** @internal */ cancelledCount = 0;
  /** @internal */ returnedCount = 0;

  constructor(permits: number, options?: SyncOptions) {
    this.permits = checkInteger("new Semaphore(permits)", "permits", permits, 1);
    this.free = permits;
    this.name = displayName("new Semaphore(permits, options)", "semaphore", options, nextSemaphoreId++);
    if (watching) made(this, "Semaphore");
  }

  /** Permits free now. */
  get available(): number {
    return this.free;
  }

  /** Takes `n` permits, waiting in FIFO order until they are free. */
  acquire(n = 1): Operation<void> {
    return new Acquire(this, this.checkCount("acquire", n));
  }

  /** Takes `n` permits if they are free and nobody waits; never waits. */
  tryAcquire(n = 1): boolean {
    const count = this.checkCount("tryAcquire", n);
    if (!this.fits(count)) return false;
    this.take(count);
    return true;
  }

  /**
   * A select clause that takes `n` permits: at once if they are free and nobody
   * waits, else in FIFO order. `handler()`'s result becomes the select's; the
   * winner holds the permits and must `release(n)` them. A select cancelled
   * after it was granted them gives them back.
   */
  onAcquire<const R = void>(n = 1, handler?: () => R): SelectClause<R> {
    const count = this.checkCount("onAcquire", n);
    if (handler !== undefined && typeof handler !== "function") throw new TypeError(`${this.name}.onAcquire(n, handler): handler must be a function`);
    return new AcquireClause<R>(this, count, handler);
  }

  /** Gives back `n` permits; waiters are served in order. Throws if more are released than were acquired. */
  release(n = 1): void {
    const count = this.checkCount("release", n);
    if (this.free + count > this.permits) {
      throw new Error(
        `${this.name}.release(${count}): only ${this.permits - this.free} of ${this.permits} permits are held; release what was acquired`,
      );
    }
    this.releasedCount += count;
    this.free += count;
    this.grant();
  }

  /** Runs `body` holding one permit, and releases it when it ends — however it ends. */
  withPermit<T>(body: Body<T>): Operation<T> {
    checkBody("semaphore.withPermit(body)", body);
    return operation(permittedRun<T>, this, body);
  }

  stats(): SemaphoreStats {
    return {
      name: this.name,
      permits: this.permits,
      available: this.free,
      waiting: this.queue.size,
      acquired: this.acquiredCount,
      released: this.releasedCount,
      cancelledWaiters: this.cancelledCount,
      returned: this.returnedCount,
    };
  }

  /** @internal The token's task (or select) gave up: it leaves the queue, or gives back its grant. */
  abandon(waiter: Token): void {
    if (waiter.status === ENQUEUED) {
      this.queue.remove(waiter);
      this.cancelledCount++;
    } else if (waiter.status === GRANTED) {
      this.returnedCount += waiter.count;
      this.acquiredCount -= waiter.count;
      this.free += waiter.count;
    } else {
      return;
    }
    waiter.status = CANCELLED;
    this.grant();
  }

  /** @internal `count` permits are free and nobody waits (invariant 2). */
  fits(count: number): boolean {
    return this.queue.size === 0 && this.free >= count;
  }

  /** @internal */
  take(count: number): void {
    this.free -= count;
    this.acquiredCount += count;
  }

  private grant(): void {
    for (let head = this.queue.head; head !== null && head.count <= this.free; head = this.queue.head) {
      this.queue.shift();
      const selector = head.selector;
      if (selector !== null && !selector.choose(head)) {
        // A select clause whose select chose another clause: it leaves, the next is served.
        head.status = CANCELLED;
        this.cancelledCount++;
        continue;
      }
      this.take(head.count);
      head.status = GRANTED;
      if (selector !== null) selector.complete();
      else (head as Acquire).wake();
    }
  }

  private checkCount(method: string, n: unknown): number {
    return checkInteger(`${this.name}.${method}(n)`, "n", n, 1, this.permits);
  }
}

/** `semaphore.withPermit(body)`. */
function* permittedRun<T>(semaphore: Semaphore, body: Body<T>): Iterator<Instruction, T, unknown> {
  yield* semaphore.acquire(1);
  try {
    return yield* bodyOperation("semaphore.withPermit(body)", body);
  } finally {
    semaphore.release(1);
  }
}
