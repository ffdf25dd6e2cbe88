/**
 * select: waits on several channel operations (and a timeout) at once; exactly
 * one clause wins, and every other clause is withdrawn.
 *
 * Select states (`SelectWait.state`):
 *
 * | state    | meaning                                                        |
 * |----------|----------------------------------------------------------------|
 * | WAITING  | its tokens are queued on their channels (and its timer set)     |
 * | CHOSEN   | one token won; all others were withdrawn; the task is resumed  |
 * | ABANDONED| the task was cancelled while waiting; every token withdrawn    |
 *
 * WAITING → CHOSEN | ABANDONED. A select cancelled after it was CHOSEN but
 * before its task ran gives a received element back to its channel, so a
 * cancelled select leaves every channel as it was.
 *
 * Fairness: among clauses ready at once, the choice is uniformly random (Go);
 * `selectBiased` takes the first ready clause in order (kotlinx). A clause on a
 * closed channel is ready, as in kotlinx: `onReceive` and `onSend` then throw
 * `ChannelClosed`; `onReceiveCatching` gets a closed result.
 *
 * Budget: a select that completes at once — a ready clause, or its default —
 * spends the task's budget like any immediate operation, so a polling loop of
 * selects yields to other tasks and notices its cancellation.
 */
import { Suspension, YIELD_NOW, type Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import type { TaskRecord } from "./core/task.js";
import type { TimerEntry } from "./core/timers.js";
import {
  ChannelClause,
  DRAINED,
  EMPTY,
  RECEIVE,
  RECEIVE_CATCHING,
  REFUSED,
  SEND,
  Waiter,
  WOKEN_CLOSED,
  type Chooser,
  type SelectClause,
} from "./channel.js";
import { addTimer, budgetSpent, randomOf, removeTimer, requireCurrent } from "./core/runtime.js";
import type { Operation } from "./types.js";
import { checkMs } from "./validate.js";

const TIMEOUT = 10;
const DEFAULT = 11;

class TimeoutClause<R> implements SelectClause<R> {
  readonly kind = TIMEOUT;
  constructor(
    readonly ms: number,
    readonly handler: (() => R) | undefined,
  ) {}
}

class DefaultClause<R> implements SelectClause<R> {
  readonly kind = DEFAULT;
  constructor(readonly handler: () => R) {}
}

/**
 * A select clause that wins when `ms` milliseconds pass with no other clause
 * ready; `handler()`'s result becomes the select's.
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

const WAITING = 0;
const CHOSEN = 1;
const ABANDONED = 2;

class SelectTimer implements TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;
  constructor(private readonly wait: SelectWait) {}
  fire(): void {
    const wait = this.wait;
    if (wait.state !== WAITING) return;
    wait.state = CHOSEN;
    wait.winner = -1;
    wait.withdrawAll(null);
    wait.wake();
  }
}

/** The suspension a waiting select parks on; its tokens answer to it. */
class SelectWait extends Suspension implements Chooser {
  state = WAITING;
  /** Index of the winning clause; -1 for the timeout. */
  winner = -2;
  token: Waiter | null = null;
  readonly tokens: Waiter[] = [];
  /** The clause index of each token. */
  readonly clauses: number[] = [];
  timer: SelectTimer | null = null;

  constructor(task: TaskRecord<unknown>) {
    super(task);
  }

  choose(waiter: Waiter): boolean {
    if (this.state !== WAITING) return false;
    this.state = CHOSEN;
    this.winner = this.clauses[this.tokens.indexOf(waiter)];
    this.token = waiter;
    this.withdrawAll(waiter);
    return true;
  }

  resumeWith(): void {
    this.wake();
  }

  withdrawAll(except: Waiter | null): void {
    for (const token of this.tokens) if (token !== except) token.withdraw();
    if (this.timer !== null) removeTimer(this.task, this.timer);
  }

  describe(): string {
    const parts = this.tokens.map((token) => `${token.kind === SEND ? "send on" : "receive on"} ${token.channel.name}`);
    if (this.timer !== null) parts.push(`timeout at t=${this.timer.deadline}`);
    return `select: ${parts.join(" | ")}`;
  }

  abort(): void {
    if (this.state === WAITING) {
      this.state = ABANDONED;
      this.withdrawAll(null);
    } else if (this.token !== null && this.token.kind !== SEND && this.token.state !== WOKEN_CLOSED) {
      // Chosen, but cancelled before it ran: the received element goes back.
      this.token.channel.giveBack(this.token.element);
    }
  }
}

type Clause = ChannelClause<unknown> | TimeoutClause<unknown> | DefaultClause<unknown>;

function checkClauses(what: string, clauses: readonly SelectClause<unknown>[]): Clause[] {
  if (clauses.length === 0) throw new TypeError(`${what}: needs at least one clause (onReceive, onSend, onTimeout, onDefault)`);
  let defaults = 0;
  let timeouts = 0;
  clauses.forEach((clause, i) => {
    if (!(clause instanceof ChannelClause || clause instanceof TimeoutClause || clause instanceof DefaultClause)) {
      throw new TypeError(`${what}: clause ${i} is not a select clause; make clauses with ch.onReceive(), ch.onSend(), onTimeout() or onDefault()`);
    }
    if (clause instanceof DefaultClause) defaults++;
    if (clause instanceof TimeoutClause) timeouts++;
  });
  if (defaults > 1) throw new TypeError(`${what}: at most one onDefault clause`);
  if (timeouts > 1) throw new TypeError(`${what}: at most one onTimeout clause`);
  if (defaults > 0 && timeouts > 0) throw new TypeError(`${what}: onDefault and onTimeout cannot be combined (a select with a default never waits)`);
  return clauses as Clause[];
}

function ready(clause: Clause): boolean {
  if (!(clause instanceof ChannelClause)) return false;
  return clause.kind === SEND ? clause.channel.canSend(null) : clause.channel.canReceive(null);
}

function handle(clause: ChannelClause<unknown>, value: unknown): unknown {
  const handler = clause.handler as ((value: unknown) => unknown) | undefined;
  if (clause.kind === SEND) return handler === undefined ? undefined : handler(undefined);
  return handler === undefined ? value : handler(value);
}

/** Completes a ready channel clause now. */
function perform(clause: ChannelClause<unknown>): unknown {
  const channel = clause.channel;
  if (clause.kind === SEND) {
    if (channel.offer(clause.element, null) === REFUSED) throw channel.closedError();
    return handle(clause, undefined);
  }
  const element = channel.poll(null);
  if (element === EMPTY) throw new Error("internal: a ready receive clause found nothing");
  if (element === DRAINED) {
    if (clause.kind === RECEIVE) throw channel.closedError();
    return handle(clause, channel.closedResult());
  }
  return handle(clause, clause.kind === RECEIVE_CATCHING ? { ok: true, value: element } : element);
}

function* selectOperation(clauses: Clause[], biased: boolean): Generator<Instruction, unknown, unknown> {
  const me = requireCurrent(biased ? "selectBiased()" : "select()");
  const random = randomOf(me);
  const fallback = clauses.find((clause) => clause instanceof DefaultClause) as DefaultClause<unknown> | undefined;
  for (;;) {
    let pick: ChannelClause<unknown> | null = null;
    let candidates = 0;
    for (const clause of clauses) {
      if (!ready(clause)) continue;
      if (biased) {
        pick = clause as ChannelClause<unknown>;
        break;
      }
      // Reservoir sampling: each ready clause is kept with probability 1/candidates.
      if (random() * ++candidates < 1) pick = clause as ChannelClause<unknown>;
    }
    if (pick === null) {
      if (fallback === undefined) break;
      // Taking the default is an immediate completion too: it spends the budget,
      // so a polling loop of selects with a default cannot starve other tasks.
      if (!budgetSpent()) return fallback.handler();
    } else if (!budgetSpent()) return perform(pick);
    yield YIELD_NOW; // then look again: what was ready may have changed
  }

  const wait = new SelectWait(me);
  // Unbiased: the tokens are queued in random order (Go's select locks and
  // enqueues in a shuffled order too), so when a partner arrives later for two
  // clauses on one channel, neither is always first in its queue.
  const order = biased ? clauses.map((_, index) => index) : shuffled(clauses.length, random);
  for (const index of order) {
    const clause = clauses[index];
    if (clause instanceof ChannelClause) {
      const token = new Waiter(clause.channel, clause.kind, clause.element, wait);
      token.task = me;
      wait.tokens.push(token);
      wait.clauses.push(index);
      clause.channel.enqueue(token);
    } else if (clause instanceof TimeoutClause && clause.ms !== Infinity) {
      wait.timer = new SelectTimer(wait);
      addTimer(me, wait.timer, clause.ms);
    }
  }
  yield wait;
  if (wait.winner === -1) {
    const timeout = clauses.find((clause) => clause instanceof TimeoutClause) as TimeoutClause<unknown>;
    return timeout.handler === undefined ? undefined : timeout.handler();
  }
  const clause = clauses[wait.winner] as ChannelClause<unknown>;
  const token = wait.token!;
  if (token.state === WOKEN_CLOSED) {
    if (clause.kind === RECEIVE_CATCHING) return handle(clause, clause.channel.closedResult());
    throw clause.channel.closedError();
  }
  if (clause.kind === SEND) return handle(clause, undefined);
  return handle(clause, clause.kind === RECEIVE_CATCHING ? { ok: true, value: token.element } : token.element);
}

/** The indices 0..n-1 in a random order (Fisher–Yates). */
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
  const checked = checkClauses("select(...clauses)", clauses);
  return operation(selectOperation, checked, false) as Operation<Results<C>>;
}

/** Like `select`, but prefers the first ready clause in the order given (kotlinx's select). */
export function selectBiased<const C extends readonly SelectClause<unknown>[]>(...clauses: C): Operation<Results<C>> {
  const checked = checkClauses("selectBiased(...clauses)", clauses);
  return operation(selectOperation, checked, true) as Operation<Results<C>>;
}
