/**
 * select: waits on several clauses at once — channel ends, locks, permits,
 * task ends, timeouts, or any object implementing the clause protocol
 * (core/clause.ts); exactly one clause wins, and every other one is withdrawn.
 *
 * A select is a trap (core/trap.ts). Its states (`Select.state`):
 *
 * | state     | meaning                                                         |
 * |-----------|-----------------------------------------------------------------|
 * | ATTEMPTING| asking each clause to complete at once; the first to do so wins |
 * | WAITING   | its clauses' waits are registered; nothing has won yet           |
 * | CHOSEN    | one wait won (`choose`); every other one was withdrawn           |
 * | RETRY     | a level-triggered clause may be ready: all waits withdrawn, the  |
 * |           | select begins again (AGAIN) and attempts its clauses again       |
 * | ABANDONED | the task was cancelled while waiting; every wait withdrawn       |
 *
 * ATTEMPTING → (a clause completes: done) | WAITING → CHOSEN | RETRY |
 * ABANDONED; RETRY → ATTEMPTING. A select cancelled after it was CHOSEN but
 * before its task ran gives the hand-off back (`giveBack`), so a cancelled
 * select leaves every channel, lock and semaphore as it was.
 *
 * Fairness: clauses are attempted, and a waiting select's clauses enqueued, in
 * a uniformly random order (Go; seeded under `runTest`), so among clauses ready
 * at once each is equally likely to win, and when a partner arrives later for
 * two clauses on one channel, neither is always first in its queue.
 * `selectBiased` attempts and enqueues in order (kotlinx). A clause on a closed
 * channel is ready, as in kotlinx: `onReceive` and `onSend` then throw
 * `ChannelClosed`; `onReceiveCatching` gets a closed result.
 *
 * Budget (the BEFORE rule): a select yields for the task's budget before it
 * attempts anything, every time (so a cancellation at that yield loses
 * nothing), like every immediate operation:
 * a polling loop of selects with `onDefault` yields to other tasks and notices
 * its cancellation.
 */
import { NOT_READY, isSelectClause, type ClauseWait, type SelectClause, type Selector } from "./core/clause.js";
import { WITHDRAWN, type Abort } from "./core/instructions.js";
import { AGAIN, AT_ONCE, BEFORE, PARK, Trap, type Begun } from "./core/trap.js";
import type { TaskRecord } from "./core/task.js";
import type { TimerEntry } from "./core/timers.js";
import { addTimer, randomOf, removeTimer } from "./core/runtime.js";
import type { Operation } from "./types.js";
import { checkMs } from "./validate.js";
import { keep } from "./core/keep.js";

/**
 * What `select` checks of its own clause kinds, read from a field rather than
 * by `instanceof`: a program that never makes a timeout clause bundles none.
 */
const TIMEOUT_ROLE = 1;
const DEFAULT_ROLE = 2;
type Role = { readonly selectRole?: number };

/** @internal `onTimeout(ms)`: wins when its timer fires first. Several may be given; the earliest fires first. */
export class TimeoutClause<R> implements SelectClause<R> {
  readonly selectRole = TIMEOUT_ROLE;
  constructor(
    readonly ms: number,
    readonly handler: (() => R) | undefined,
  ) {}
  describe(): string {
    return `timeout after ${this.ms} ms`;
  }
  attempt(): typeof NOT_READY {
    return NOT_READY;
  }
  enqueue(selector: Selector): ClauseWait<R> {
    const wait = new TimeoutWait(selector as Select, this);
    if (this.ms !== Infinity) addTimer(wait.selector.task, wait, this.ms);
    return wait;
  }
}

/** @internal */
export class TimeoutWait<R> implements ClauseWait<R>, TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;
  constructor(
    readonly selector: Select,
    private readonly clause: TimeoutClause<R>,
  ) {}
  fire(): void {
    if (this.selector.choose(this)) this.selector.complete();
  }
  withdraw(): void {
    removeTimer(this.selector.task, this);
  }
  giveBack(): void {}
  result(): R {
    return this.clause.handler === undefined ? (undefined as R) : this.clause.handler();
  }
}

/** @internal `onDefault(handler)`: the select's own "nothing was ready" branch, not a clause that waits. */
export class DefaultClause<R> implements SelectClause<R> {
  readonly selectRole = DEFAULT_ROLE;
  constructor(readonly handler: () => R) {}
  describe(): string {
    return "default";
  }
  attempt(): typeof NOT_READY {
    return NOT_READY;
  }
  enqueue(): ClauseWait<R> {
    throw new Error("internal: a select with a default never waits");
  }
}

/**
 * A select clause that wins when `ms` milliseconds pass with no other clause
 * ready; `handler()`'s result becomes the select's. A select may have several
 * (the earliest wins).
 */
export function onTimeout<const R = undefined>(ms: number, handler?: () => R): SelectClause<R> {
  checkMs("onTimeout(ms)", "ms", ms);
  if (handler !== undefined && typeof handler !== "function") throw new TypeError("onTimeout(ms, handler): handler must be a function");
  return new TimeoutClause(ms, handler);
}

/** A select clause that wins at once when no other clause is ready: the select never waits. */
export function onDefault<const R>(handler: () => R): SelectClause<R> {
  if (typeof handler !== "function") throw new TypeError("onDefault(handler): handler must be a function");
  return new DefaultClause(handler);
}

// Select states (`Select.state`).
export const ATTEMPTING = 0;
export const WAITING = 1;
export const CHOSEN = 2;
export const RETRY = 3;
export const ABANDONED = 4;

const NO_ORDER: readonly number[] = Object.freeze([]);
const NO_CLAUSES: readonly SelectClause<unknown>[] = Object.freeze([]);
let keptSelect = false;

/**
 * @internal A select: a trap that attempts its clauses and completes at once, or
 * enqueues a wait on every clause, parks, and is the `Selector` those waits
 * answer to. A retry begins it again (AGAIN).
 */
export class Select extends Trap<unknown> implements Selector {
  // Plain stores in the constructor (not class fields): one select per call, on the hot path.
  // @internal rather than private: strand/durable saves and revives selects (durable/saveables/select.ts).
  /** @internal */ declare state: number;
  /** @internal ATTEMPTING: the result of the clause that completed at once. */
  declare outcome: unknown;
  /** @internal */ declare chosen: ClauseWait<unknown> | null;
  /** @internal The waits it enqueued (made when it first waits), one per clause, in `order`. */
  declare waits: ClauseWait<unknown>[] | null;
  /** @internal */ declare order: readonly number[];
  /** @internal */ declare readonly clauses: readonly SelectClause<unknown>[];
  /** @internal */ declare readonly biased: boolean;
  /** @internal */ declare readonly fallback: DefaultClause<unknown> | undefined;

  constructor(clauses: readonly SelectClause<unknown>[], biased: boolean, fallback: DefaultClause<unknown> | undefined) {
    super(BEFORE); // yield for the budget before attempting anything: a cancellation there loses nothing
    this.state = ATTEMPTING;
    this.outcome = undefined;
    this.chosen = null;
    this.waits = null;
    this.order = NO_ORDER; // set by begin: assigned here too, so every select has one shape
    this.clauses = clauses;
    this.biased = biased;
    this.fallback = fallback;
    if (!keptSelect) {
      keptSelect = true;
      keep(new Select(NO_CLAUSES, biased, undefined)); // its hidden classes (core/keep.ts)
    }
  }

  protected get what(): string {
    return this.biased ? "selectBiased()" : "select()";
  }

  protected begin(me: TaskRecord<unknown>): Begun {
    const clauses = this.clauses;
    const order: readonly number[] = this.biased ? inOrder(clauses.length) : randomOrder(clauses.length, randomOf(me));
    this.state = ATTEMPTING;
    for (const index of order) {
      const result = clauses[index].attempt();
      if (result !== NOT_READY) {
        this.outcome = result;
        return AT_ONCE;
      }
    }
    if (this.fallback !== undefined) {
      this.outcome = this.fallback.handler();
      return AT_ONCE;
    }
    this.state = WAITING;
    this.order = order; // which clause each wait is for (a snapshot saves each wait through its clause)
    const waits: ClauseWait<unknown>[] = (this.waits = []); // a retry's old waits are all withdrawn
    for (const index of order) {
      waits.push(clauses[index].enqueue(this));
      if (this.state !== WAITING) return AT_ONCE; // a clause completed (or asked for a retry) while enqueuing
    }
    return PARK;
  }

  protected result(): unknown {
    switch (this.state) {
      case ATTEMPTING:
        return this.outcome;
      case RETRY:
        return AGAIN;
      default:
        return this.chosen!.result();
    }
  }

  protected again(): Select {
    return new Select(this.clauses, this.biased, this.fallback);
  }

  choose(wait: ClauseWait<unknown>): boolean {
    if (this.state !== WAITING) return false;
    this.state = CHOSEN;
    this.chosen = wait;
    this.withdrawAll(wait);
    return true;
  }

  complete(): void {
    if (this.parked) this.wake();
  }

  retry(): void {
    if (this.state !== WAITING) return;
    this.state = RETRY;
    this.withdrawAll(null);
    if (this.parked) this.wake();
  }

  private withdrawAll(except: ClauseWait<unknown> | null): void {
    for (const wait of this.waits!) if (wait !== except) wait.withdraw();
  }

  override describe(): string {
    return `select: ${this.clauses.map((clause) => clause.describe()).join(" | ")}`;
  }

  abort(): Abort {
    if (this.state === WAITING) {
      this.state = ABANDONED;
      this.withdrawAll(null);
    } else if (this.state === CHOSEN) {
      // Chosen, but cancelled before it ran: what the winner was handed goes back.
      this.chosen!.giveBack();
    }
    return WITHDRAWN;
  }

  /** @internal The index of the clause `wait` was enqueued for. */
  clauseOf(wait: ClauseWait<unknown>): number {
    return this.order[this.waits!.indexOf(wait)]!;
  }
}

/** Checks the clauses; returns the default clause, if there is one. */
function checkClauses(what: string, clauses: readonly SelectClause<unknown>[]): DefaultClause<unknown> | undefined {
  if (clauses.length === 0) throw new TypeError(`${what}: needs at least one clause (onReceive, onSend, onLock, onJoin, onTimeout, onDefault, ...)`);
  let fallback: DefaultClause<unknown> | undefined;
  let defaults = 0;
  let timeouts = 0;
  // A plain loop: no closure (and captured variables) allocated per select.
  for (let i = 0; i < clauses.length; i++) {
    const clause = clauses[i];
    if (!isSelectClause(clause)) {
      throw new TypeError(
        `${what}: clause ${i} is not a select clause; make clauses with ch.onReceive(), ch.onSend(), mutex.onLock(), task.onJoin(), onTimeout() or onDefault(), or implement SelectClause`,
      );
    }
    const role = (clause as Role).selectRole;
    if (role === DEFAULT_ROLE) {
      defaults++;
      fallback = clause as DefaultClause<unknown>;
    } else if (role === TIMEOUT_ROLE) {
      timeouts++;
    }
  }
  if (defaults > 1) throw new TypeError(`${what}: at most one onDefault clause`);
  if (defaults > 0 && timeouts > 0) throw new TypeError(`${what}: onDefault and onTimeout cannot be combined (a select with a default never waits)`);
  return fallback;
}

const identities: number[][] = [];

/** 0..n-1 in order (shared arrays: selectBiased allocates none). */
function inOrder(n: number): number[] {
  return (identities[n] ??= Array.from({ length: n }, (_, i) => i));
}

/** Up to this many clauses, a random order is one of a precomputed table's permutations: no allocation per select. */
const TABLED = 5;
const permutations: number[][][] = [];

/** The indices 0..n-1 in a uniformly random order (read-only: shared between selects). */
function randomOrder(n: number, random: () => number): readonly number[] {
  if (n > TABLED) return shuffled(n, random);
  const table = (permutations[n] ??= permutationsOf(n));
  return table[Math.floor(random() * table.length)];
}

/** Every permutation of 0..n-1 (n! of them; 120 at most here). */
function permutationsOf(n: number): number[][] {
  if (n === 0) return [[]];
  const result: number[][] = [];
  for (const rest of permutationsOf(n - 1)) {
    for (let at = 0; at <= rest.length; at++) result.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return result;
}

/** The indices 0..n-1 in a random order (Fisher–Yates, inside-out). */
function shuffled(n: number, random: () => number): number[] {
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = Math.floor(random() * (i + 1));
    order.push(order[j]);
    order[j] = i;
  }
  return order;
}

type Results<C extends readonly SelectClause<unknown>[]> = C[number] extends SelectClause<infer R> ? R : never;

/**
 * Waits until one of the clauses can complete, completes exactly that one, and
 * returns its handler's result. Among clauses ready at once the choice is random
 * (seeded under `runTest`), so no channel starves.
 *
 * ```ts
 * const message = yield* select(
 *   replies.onReceive((reply) => `reply: ${reply}`),
 *   requests.onSend(next, () => "sent"),
 *   onTimeout(1_000, () => "timed out"),
 * );
 * ```
 */
export function select<const C extends readonly SelectClause<unknown>[]>(...clauses: C): Operation<Results<C>> {
  const fallback = checkClauses("select(...clauses)", clauses);
  return new Select(clauses, false, fallback) as Operation<Results<C>>;
}

/** Like `select`, but prefers the first ready clause in the order given (kotlinx's select). */
export function selectBiased<const C extends readonly SelectClause<unknown>[]>(...clauses: C): Operation<Results<C>> {
  const fallback = checkClauses("selectBiased(...clauses)", clauses);
  return new Select(clauses, true, fallback) as Operation<Results<C>>;
}

