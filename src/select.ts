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
import { AGAIN, AT_ONCE, BEFORE, PARK, Trap, checkStage, savedStage, setStage, type Begun, type Stage } from "./core/trap.js";
import { isSaveableClause, saveable, type Restoring, type SaveableClause, type SaveableWait, type Saving } from "./core/saving.js";
import type { TaskRecord } from "./core/task.js";
import type { TimerEntry } from "./core/timers.js";
import { addTimer, randomOf, removeTimer } from "./core/runtime.js";
import type { Operation } from "./types.js";
import { checkMs } from "./validate.js";
import { keep } from "./core/keep.js";

/** `onTimeout(ms)`: wins when its timer fires first. Several may be given; the earliest fires first. */
class TimeoutClause<R> implements SaveableClause<R> {
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

  // Snapshots (core/saving.ts): what is left of its timer.
  static save(clause: TimeoutClause<unknown>): { ms: number; handler: (() => unknown) | null } {
    return { ms: clause.ms, handler: clause.handler ?? null };
  }
  static revive(data: { ms: number; handler: (() => unknown) | null }): TimeoutClause<unknown> {
    if (typeof data.ms !== "number" || !(data.ms >= 0) || (data.handler !== null && typeof data.handler !== "function")) throw new TypeError("a saved onTimeout clause has no duration");
    return new TimeoutClause(data.ms, data.handler ?? undefined);
  }
  savedWait(wait: ClauseWait<R>, saving: Saving): { left: number; seq: number } | null {
    const timer = wait as TimeoutWait<R>;
    return timer.heapIndex >= 0 ? { left: timer.deadline - saving.now, seq: timer.seq } : null;
  }
  revivedWait(selector: Selector, data: { left: number; seq: number } | null): TimeoutWait<R> {
    const wait = new TimeoutWait(selector as Select, this);
    if (data !== null && typeof data === "object" && typeof data.left === "number" && typeof data.seq === "number") {
      wait.left = data.left;
      wait.seq = data.seq;
    }
    return wait;
  }
}

class TimeoutWait<R> implements ClauseWait<R>, TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;
  /** Revived: what its timer had left when saved (null: it had fired). */
  left: number | null = null;
  constructor(
    readonly selector: Select,
    private readonly clause: TimeoutClause<R>,
  ) {}
  rejoin(restoring: Restoring): void {
    if (this.left !== null) restoring.timer(this.selector.task, this, this.left, this.seq);
  }
  wakesAt(): number {
    return this.heapIndex >= 0 ? this.deadline : Infinity;
  }
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

/** `onDefault(handler)`: the select's own "nothing was ready" branch, not a clause that waits. */
class DefaultClause<R> implements SelectClause<R> {
  constructor(readonly handler: () => R) {}
  static save(clause: DefaultClause<unknown>): { handler: () => unknown } {
    return { handler: clause.handler };
  }
  static revive(data: { handler: () => unknown }): DefaultClause<unknown> {
    if (typeof data.handler !== "function") throw new TypeError("a saved onDefault clause has no handler");
    return new DefaultClause(data.handler);
  }
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

const ATTEMPTING = 0;
const WAITING = 1;
const CHOSEN = 2;
const RETRY = 3;
const ABANDONED = 4;

/**
 * A select: a trap that attempts its clauses and completes at once, or
 * enqueues a wait on every clause, parks, and is the `Selector` those waits
 * answer to. A retry begins it again (AGAIN).
 */
const NO_ORDER: readonly number[] = Object.freeze([]);
const NO_CLAUSES: readonly SelectClause<unknown>[] = Object.freeze([]);
let keptSelect = false;

class Select extends Trap<unknown> implements Selector {
  // Plain stores in the constructor (not class fields): one select per call, on the hot path.
  private declare state: number;
  /** ATTEMPTING: the result of the clause that completed at once. */
  private declare outcome: unknown;
  private declare chosen: ClauseWait<unknown> | null;
  /** The waits it enqueued (made when it first waits), one per clause, in `order`. */
  private declare waits: ClauseWait<unknown>[] | null;
  private declare order: readonly number[];
  private declare readonly clauses: readonly SelectClause<unknown>[];
  private declare readonly biased: boolean;
  private declare readonly fallback: DefaultClause<unknown> | undefined;

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

  // -- Snapshots (core/saving.ts): the clauses, and each wait through its clause.

  static save(select: Select, saving: Saving): SavedSelect {
    const stage = savedStage(select);
    const state = select.state;
    if (state === ABANDONED) throw new Error(`${select.describe()} was abandoned, so it cannot be saved`);
    let waits: SavedSelect["waits"] = [];
    if (state === WAITING || state === CHOSEN) {
      const clauses = select.clauses;
      const all = select.waits!;
      // Waiting: every wait, in the order they were enqueued. Chosen: the winner only (the others were withdrawn).
      const kept = state === WAITING ? all : [select.chosen!];
      waits = kept.map((wait) => {
        const clause = clauses[select.clauseOf(wait)]!;
        if (!isSaveableClause(clause)) throw new Error(`${select.describe()}: a select clause waiting for ${clause.describe()} cannot be saved yet`);
        return { clause, data: clause.savedWait(wait, saving) };
      });
    }
    return { clauses: [...select.clauses], biased: select.biased, state, stage, waits, outcome: state === ATTEMPTING ? select.outcome : undefined };
  }

  static revive(data: SavedSelect): Select {
    const { clauses, state, waits } = data;
    if (!Array.isArray(clauses) || !clauses.every(isSelectClause) || typeof data.biased !== "boolean" || !Array.isArray(waits)) throw new TypeError("a saved select has no clauses");
    if (state !== ATTEMPTING && state !== WAITING && state !== CHOSEN && state !== RETRY) throw new TypeError("a saved select has an unknown state");
    const select = new Select(clauses, data.biased, clauses.find((clause) => clause instanceof DefaultClause) as DefaultClause<unknown> | undefined);
    setStage(select, checkStage(data.stage));
    select.state = state;
    select.outcome = data.outcome;
    select.revivedWaits = waits.map(({ clause, data: wait }) => {
      if (!clauses.includes(clause) || !isSaveableClause(clause)) throw new TypeError("a saved select's wait has no clause of its own");
      return clause.revivedWait(select, wait as never);
    });
    select.order = waits.map(({ clause }) => clauses.indexOf(clause));
    select.waits = select.revivedWaits;
    if (state === CHOSEN) select.chosen = select.revivedWaits[0] ?? null;
    return select;
  }

  /** Revived waits, registered when the task is back (`rearm`). */
  private declare revivedWaits: Array<ClauseWait<unknown> & { rejoin(restoring: Restoring): void }>;

  /** The earliest timeout of a waiting select; null if a clause waits on something outside (saving.ts). */
  wakesAt(): number | null {
    if (this.state !== WAITING) return null;
    let earliest = Infinity;
    for (const wait of this.waits!) {
      const at = (wait as Partial<SaveableWait>).wakesAt?.() ?? Infinity;
      if (at === null) return null;
      earliest = Math.min(earliest, at);
    }
    return earliest;
  }

  rearm(task: TaskRecord<unknown>, restoring: Restoring): void {
    this.task = task;
    if (this.state === WAITING) for (const wait of this.revivedWaits) wait.rejoin(restoring);
  }

  /** The index of the clause `wait` was enqueued for. */
  private clauseOf(wait: ClauseWait<unknown>): number {
    return this.order[this.waits!.indexOf(wait)]!;
  }
}

interface SavedSelect {
  clauses: SelectClause<unknown>[];
  biased: boolean;
  state: number;
  stage: Stage;
  waits: Array<{ clause: SelectClause<unknown>; data: unknown }>;
  outcome: unknown;
}

saveable<Select & SaveableWait>({ id: "strand:select", Class: Select, save: Select.save, revive: Select.revive });
saveable<TimeoutClause<unknown>>({ id: "strand:timeout.clause", Class: TimeoutClause, save: TimeoutClause.save, revive: TimeoutClause.revive });
saveable<DefaultClause<unknown>>({ id: "strand:default.clause", Class: DefaultClause, save: DefaultClause.save, revive: DefaultClause.revive });

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
    if (clause instanceof DefaultClause) {
      defaults++;
      fallback = clause;
    }
    if (clause instanceof TimeoutClause) timeouts++;
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

