/**
 * The model-based test's harness: random programs over 1–3 channels of random
 * kinds, run by several tasks on the virtual clock with a seeded runtime, and
 * checked against a reference ledger of every element.
 *
 * A program is data (so fast-check can shrink and print it). Each task runs a
 * list of actions: send / trySend / receive / tryReceive / receiveCatching /
 * select (1–3 channel clauses, sometimes onTimeout or onDefault, sometimes
 * biased) / close / cancel / cancelling another task / sleeps and yields /
 * bursts of sends and polling loops long enough to spend the budget. A
 * controller also cancels tasks at scheduled times. When everything has
 * settled, tasks still blocked are cancelled, then every channel is cancelled
 * (so buffered elements go to onUndelivered), and the ledger must balance.
 *
 * The reference accounting:
 * - every element gets a ledger entry when it is passed to send/trySend/onSend,
 *   with how its sender saw it end (ok, refused as closed, full, lost to another
 *   clause, or cancelled);
 * - receivers record each element they get (they ran: the element is theirs),
 *   onUndelivered records each element it is handed, classified by what the
 *   channel was doing (an overflow drop, cancel() dropping the buffer, a
 *   give-back to a channel nobody can receive from, or a send that was never
 *   accepted);
 * - probes on the channel's internal hand-over points (offer/poll/giveBack,
 *   wrapped per instance) log the moment each element is handed to a receiver
 *   and given back, in one global event order.
 *
 * What must hold:
 * 1. Every element passed to send() is received exactly once or handed to
 *    onUndelivered exactly once; trySend/onSend elements that did not complete
 *    are neither; a cancelled select delivered at most one of its elements.
 * 2. Per sender and channel, elements are first handed to receivers in the
 *    order they were sent (dropping kinds: the handed subsequence is in order).
 * 3. Hand-overs minus give-backs equal what receivers got: nothing handed to a
 *    receiver that vanished, nothing received that was not handed.
 * 4. Closed for receive is final: no element is handed after a receiver saw
 *    the channel closed.
 * 5. After every task ends no waiter is registered, and stats() agree with the
 *    ledger: received, undelivered, dropped, and sent = received + buffered +
 *    undelivered elements that had been accepted.
 * 6. A select that took its default had no ready clause; trySend "full" and
 *    tryReceive "empty" agree with the channel's state; a drop-oldest or
 *    conflated buffer never holds more than its capacity.
 */
import fc from "fast-check";
import { spawn, sleep, timeout, yieldNow, TimeoutError, type Operation, type Task } from "../../src/index.js";
import { ChannelImpl, type Channel } from "../../src/channel/channel.js";
import type { SelectClause } from "../../src/core/clause.js";
import { select, selectBiased, onTimeout, onDefault } from "../../src/select.js";
import { ChannelClosed } from "../../src/errors.js";
import { runTest } from "../../src/testing/index.js";
import { kinds, make, type ChannelKind } from "./kinds.js";

// -- Programs -----------------------------------------------------------------

type ClauseSpec = { type: "send" | "receive" | "receiveCatching"; ch: number };

export type Action =
  | { op: "trySend" | "tryReceive"; ch: number }
  /** `within`: run the operation under timeout(within), which cancels it when time is up. */
  | { op: "send" | "receive" | "receiveCatching"; ch: number; within: number | null }
  | { op: "select"; clauses: ClauseSpec[]; extra: "none" | "timeout" | "default"; ms: number; biased: boolean }
  | { op: "close"; ch: number; cause: boolean }
  | { op: "cancel"; ch: number }
  | { op: "cancelTask"; task: number; wait: boolean }
  /** In one step: trySend (perhaps to a waiting receiver), maybe close or cancel the channel, cancel a task (perhaps that receiver). */
  | { op: "handAndCancel"; ch: number; then: "none" | "close" | "cancel"; task: number }
  | { op: "sleep"; ms: number }
  | { op: "yield" }
  | { op: "burst"; ch: number; n: number }
  | { op: "poll"; ch: number; n: number };

export interface Program {
  /** Kind index (into `kinds`) of each channel. */
  channels: number[];
  /** Each task's actions, run in order. */
  tasks: Action[][];
  /** The controller cancels task `task` at virtual time `at`. */
  cancels: { at: number; task: number }[];
  /** Seeds the runtime's random choices (select). */
  seed: number;
}

export interface Sizes {
  maxTasks: number;
  maxActions: number;
  /** Longest burst of sends / polling loop (the budget is 128). */
  maxBurst: number;
  /** fast-check's size for the lists of tasks and actions (how long they tend to be). */
  size: "small" | "medium" | "large";
}

export const ciSizes: Sizes = { maxTasks: 5, maxActions: 16, maxBurst: 300, size: "medium" };
export const stressSizes: Sizes = { maxTasks: 8, maxActions: 40, maxBurst: 400, size: "medium" };

export function programArbitrary(sizes: Sizes): fc.Arbitrary<Program> {
  const ch = fc.nat({ max: 2 });
  const clause = fc.record({ type: fc.constantFrom("send" as const, "receive" as const, "receiveCatching" as const), ch });
  const simple = (op: "trySend" | "tryReceive") => fc.record({ op: fc.constant(op), ch });
  const within = fc.option(fc.nat({ max: 5 }), { nil: null, freq: 2 });
  const blocking = (op: "send" | "receive" | "receiveCatching") => fc.record({ op: fc.constant(op), ch, within });
  const action: fc.Arbitrary<Action> = fc.oneof(
    { weight: 12, arbitrary: blocking("send") },
    { weight: 12, arbitrary: blocking("receive") },
    { weight: 4, arbitrary: simple("trySend") },
    { weight: 4, arbitrary: simple("tryReceive") },
    { weight: 4, arbitrary: blocking("receiveCatching") },
    {
      weight: 8,
      arbitrary: fc.record({
        op: fc.constant("select" as const),
        clauses: fc.array(clause, { minLength: 1, maxLength: 3 }),
        extra: fc.constantFrom("none" as const, "none" as const, "timeout" as const, "default" as const),
        ms: fc.nat({ max: 3 }),
        biased: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("close" as const), ch, cause: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("cancel" as const), ch }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("cancelTask" as const), task: fc.nat({ max: 7 }), wait: fc.boolean() }) },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("handAndCancel" as const),
        ch,
        then: fc.constantFrom("none" as const, "none" as const, "close" as const, "cancel" as const),
        task: fc.nat({ max: 7 }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("sleep" as const), ms: fc.nat({ max: 3 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("yield" as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("burst" as const), ch, n: fc.integer({ min: 1, max: sizes.maxBurst }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("poll" as const), ch, n: fc.integer({ min: 1, max: sizes.maxBurst }) }) },
  );
  return fc.record({
    channels: fc.array(fc.nat({ max: kinds.length - 1 }), { minLength: 1, maxLength: 3 }),
    tasks: fc.array(fc.array(action, { maxLength: sizes.maxActions, size: sizes.size }), { minLength: 2, maxLength: sizes.maxTasks, size: sizes.size }),
    cancels: fc.array(fc.record({ at: fc.nat({ max: 20 }), task: fc.nat({ max: 7 }) }), { maxLength: 3 }),
    seed: fc.nat(),
  });
}

// -- The ledger ---------------------------------------------------------------

interface Element {
  readonly id: number;
  readonly sender: number;
  readonly seq: number;
  readonly ch: number;
}

type Via = "send" | "trySend" | "onSend";
type Outcome = "pending" | "ok" | "refused" | "full" | "lost" | "cancelled";
type UndeliveredAs = "drop" | "cancelBuffer" | "givenBack" | "notAccepted";

interface Entry {
  element: Element;
  via: Via;
  outcome: Outcome;
  received: number;
  undelivered: number;
  undeliveredAs: UndeliveredAs | null;
  hands: number;
  backs: number;
  /** Event index of its first hand-over to a receiver, or -1. */
  firstHand: number;
  /** For onSend: the select it belongs to. */
  select: number;
}

interface ChannelState {
  index: number;
  kind: ChannelKind;
  ch: Channel<Element>;
  observed: number;
  undelivered: number;
  drops: number;
  cancelBuffer: number;
  givenBack: number;
  giveBacks: number;
  lastDropped: number;
  cancelBufferLeft: number;
  inGiveBack: boolean;
  /** Elements given back into the buffer, head first: the next hand-overs must take them in this order. */
  givenBackHead: Element[];
  closedObservedAt: number;
  closeCalled: boolean;
  cancelCalled: boolean;
}

export interface Result {
  ops: number;
  violations: string[];
}

/** Totals over every program run in this process: the stress count, and what the programs exercised. */
export const counters = {
  ops: 0,
  programs: 0,
  received: 0,
  handOvers: 0,
  giveBacks: 0,
  undelivered: { drop: 0, cancelBuffer: 0, givenBack: 0, notAccepted: 0 } as Record<UndeliveredAs, number>,
  cancelledSends: 0,
  cancelledSelects: 0,
  selectWins: { send: 0, receive: 0, catching: 0, timeout: 0, default: 0, closed: 0 } as Record<string, number>,
  closedSeen: 0,
  timeouts: 0,
  stragglers: 0,
};

const NOTHING = Symbol("nothing");

/** Runs `program` and returns the channel operations it ran and what went wrong. */
export async function execute(program: Program): Promise<Result> {
  const violations: string[] = [];
  const violate = (message: string) => {
    if (violations.length < 20) violations.push(message);
  };
  const ledger = new Map<Element, Entry>();
  let events = 0;
  let ops = 0;
  let nextId = 0;
  let nextSelect = 0;
  const seqs = program.tasks.map(() => 0);

  const states: ChannelState[] = program.channels.map((kindIndex, index) => {
    const kind = kinds[kindIndex];
    const state: ChannelState = {
      index,
      kind,
      ch: make<Element>(kind, { name: `c${index}`, onUndelivered: (element) => undelivered(state, element) }),
      observed: 0,
      undelivered: 0,
      drops: 0,
      cancelBuffer: 0,
      givenBack: 0,
      giveBacks: 0,
      lastDropped: 0,
      cancelBufferLeft: 0,
      inGiveBack: false,
      givenBackHead: [],
      closedObservedAt: Infinity,
      closeCalled: false,
      cancelCalled: false,
    };
    probe(state);
    return state;
  });
  const channelOf = (index: number) => states[index % states.length];

  function entryOf(element: Element, where: string): Entry | undefined {
    const entry = ledger.get(element);
    if (entry === undefined) violate(`${where}: an element the ledger never saw: ${JSON.stringify(element)}`);
    return entry;
  }

  function newElement(sender: number, state: ChannelState, via: Via, select = -1): Element {
    const element: Element = { id: nextId++, sender, seq: seqs[sender]++, ch: state.index };
    ledger.set(element, { element, via, outcome: "pending", received: 0, undelivered: 0, undeliveredAs: null, hands: 0, backs: 0, firstHand: -1, select });
    return element;
  }

  function undelivered(state: ChannelState, element: Element): void {
    const entry = entryOf(element, `onUndelivered of c${state.index}`);
    if (entry === undefined) return;
    if (element.ch !== state.index) violate(`element ${element.id} of c${element.ch} undelivered by c${state.index}`);
    const stats = state.ch.stats();
    let as: UndeliveredAs;
    if (stats.dropped > state.lastDropped) {
      state.lastDropped = stats.dropped;
      as = "drop";
      state.drops++;
    } else if (state.cancelBufferLeft > 0) {
      state.cancelBufferLeft--;
      as = "cancelBuffer";
      state.cancelBuffer++;
    } else if (state.inGiveBack) {
      as = "givenBack";
      state.givenBack++;
    } else as = "notAccepted";
    const queued = state.givenBackHead.indexOf(element);
    if (queued >= 0) state.givenBackHead.splice(queued, 1);
    entry.undelivered++;
    entry.undeliveredAs = as;
    counters.undelivered[as]++;
    state.undelivered++;
    if (entry.received + entry.undelivered > 1) violate(`element ${element.id} (${entry.via}) delivered twice: received ${entry.received}, undelivered ${entry.undelivered} (${as})`);
  }

  function hand(state: ChannelState, element: Element): void {
    const entry = entryOf(element, `hand-over on c${state.index}`);
    if (entry === undefined) return;
    events++;
    counters.handOvers++;
    entry.hands++;
    if (entry.firstHand < 0) entry.firstHand = events;
    if (state.givenBackHead.length > 0) {
      const head = state.givenBackHead.shift()!;
      if (head !== element) violate(`c${state.index}: element ${head.id} was given back to the head, but element ${element.id} was handed over before it`);
    }
    if (state.closedObservedAt < events) violate(`c${state.index}: element ${element.id} handed over after a receiver saw the channel closed`);
  }

  /** Wraps the channel's hand-over points (per instance) to log the event order. */
  function probe(state: ChannelState): void {
    const impl = state.ch as unknown as ChannelImpl<Element>;
    if (!(impl instanceof ChannelImpl)) throw new Error("the model's probe expects channel() to make a ChannelImpl");
    const offer = impl.offer.bind(impl);
    const poll = impl.poll.bind(impl);
    const giveBack = impl.giveBack.bind(impl);
    const cancel = impl.cancel.bind(impl);
    // A drop-oldest (or conflated) buffer never holds more than its capacity: what
    // does not fit is the oldest, and the policy drops it — given back or not.
    const bounded = state.kind.policy === "drop-oldest";
    const checkBound = () => {
      const stats = impl.stats();
      if (stats.buffered > stats.capacity) violate(`c${state.index} (${state.kind.name}) buffers ${stats.buffered} > capacity ${stats.capacity}`);
    };
    // The header's invariants 1 and 2, between operations.
    const checkInvariants = () => {
      const stats = impl.stats();
      if (stats.waitingReceivers > 0 && stats.buffered > 0) violate(`c${state.index}: receivers wait while ${stats.buffered} are buffered`);
      if (stats.waitingSenders > 0 && (stats.buffered < stats.capacity || state.kind.policy !== "suspend")) {
        violate(`c${state.index} (${state.kind.name}): a sender waits while the buffer has room (${stats.buffered} of ${stats.capacity})`);
      }
    };
    impl.offer = (element, from) => {
      const before = impl.stats().received;
      const result = offer(element, from);
      if (impl.stats().received > before) hand(state, element);
      if (bounded) checkBound();
      checkInvariants();
      return result;
    };
    impl.poll = (from) => {
      const result = poll(from);
      if (typeof result !== "symbol") hand(state, result);
      checkInvariants();
      return result;
    };
    impl.giveBack = (element) => {
      const entry = entryOf(element as Element, `give-back on c${state.index}`);
      if (entry !== undefined) entry.backs++;
      state.giveBacks++;
      counters.giveBacks++;
      const before = impl.stats().received;
      state.inGiveBack = true;
      try {
        giveBack(element);
      } finally {
        state.inGiveBack = false;
      }
      const after = impl.stats();
      if (after.received === before) hand(state, element as Element); // straight to a waiting receiver
      else if ((ledger.get(element as Element)?.undelivered ?? 0) === 0) state.givenBackHead.unshift(element as Element); // into the buffer's head
      if (bounded) checkBound();
      checkInvariants();
    };
    impl.cancel = (cause) => {
      state.cancelBufferLeft = impl.stats().buffered;
      try {
        return cancel(cause);
      } finally {
        if (state.cancelBufferLeft !== 0) violate(`c${state.index}: cancel() did not hand all ${impl.stats().buffered} buffered elements to onUndelivered`);
        state.cancelBufferLeft = 0;
      }
    };
  }

  function observe(state: ChannelState, element: unknown, how: string): void {
    const entry = entryOf(element as Element, `${how} on c${state.index}`);
    if (entry === undefined) return;
    if (entry.element.ch !== state.index) violate(`element ${entry.element.id} of c${entry.element.ch} received from c${state.index}`);
    entry.received++;
    state.observed++;
    counters.received++;
    if (entry.received + entry.undelivered > 1) violate(`element ${entry.element.id} (${entry.via}) delivered twice: received ${entry.received}, undelivered ${entry.undelivered} (${how})`);
  }

  function observeClosed(state: ChannelState, how: string): void {
    events++;
    counters.closedSeen++;
    if (state.closedObservedAt === Infinity) state.closedObservedAt = events;
    if (!state.ch.isClosedForReceive) violate(`c${state.index}: ${how} reported closed, but the channel is not closed for receive`);
  }

  function sendReady(state: ChannelState): boolean {
    const stats = state.ch.stats();
    return stats.closed || stats.waitingReceivers > 0 || stats.buffered < stats.capacity || state.kind.policy !== "suspend";
  }

  function receiveReady(state: ChannelState): boolean {
    const stats = state.ch.stats();
    return stats.buffered > 0 || stats.waitingSenders > 0 || state.ch.isClosedForReceive;
  }

  function expectClosed(error: unknown, what: string): void {
    if (!(error instanceof ChannelClosed)) violate(`${what} threw ${error instanceof Error ? error.stack : String(error)}`);
  }

  // -- Actions ----------------------------------------------------------------

  let tasks: Task<void>[] = [];

  function* send(me: number, state: ChannelState): Operation<Outcome> {
    const element = newElement(me, state, "send");
    const entry = ledger.get(element)!;
    ops++;
    let settled = false;
    try {
      yield* state.ch.send(element);
      entry.outcome = "ok";
      settled = true;
    } catch (error) {
      settled = true;
      expectClosed(error, `send on c${state.index}`);
      entry.outcome = "refused";
      if (!state.ch.isClosedForSend) violate(`c${state.index}: send threw ChannelClosed on an open channel`);
    } finally {
      if (!settled) {
        entry.outcome = "cancelled";
        counters.cancelledSends++;
      }
    }
    return entry.outcome;
  }

  /**
   * Runs `body` directly, or under timeout(ms): in a child task that is
   * cancelled when time is up. The body records what it got itself, in the
   * same step it got it, so a cancellation after that loses nothing.
   */
  function* within(ms: number | null, body: () => Operation<void>): Operation<void> {
    if (ms === null) return yield* body();
    try {
      yield* timeout(ms, body);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      counters.timeouts++;
    }
  }

  function* perform(me: number, action: Action): Operation<void> {
    switch (action.op) {
      case "send": {
        const state = channelOf(action.ch);
        return yield* within(action.within, function* () {
          yield* send(me, state);
        });
      }
      case "burst": {
        const state = channelOf(action.ch);
        // A producer loop: it stops when a send is refused (the channel closed).
        for (let i = 0; i < action.n; i++) if ((yield* send(me, state)) === "refused") return;
        return;
      }
      case "trySend": {
        const state = channelOf(action.ch);
        const element = newElement(me, state, "trySend");
        const entry = ledger.get(element)!;
        ops++;
        const result = state.ch.trySend(element);
        if (result.ok) entry.outcome = "ok";
        else if (result.reason === "full") {
          entry.outcome = "full";
          if (sendReady(state)) violate(`c${state.index}: trySend said full, but ${JSON.stringify(state.ch.stats())}`);
        } else {
          entry.outcome = "refused";
          if (!state.ch.isClosedForSend) violate(`c${state.index}: trySend said closed on an open channel`);
        }
        return;
      }
      case "receive": {
        const state = channelOf(action.ch);
        return yield* within(action.within, function* () {
          ops++;
          try {
            observe(state, yield* state.ch.receive(), "receive");
          } catch (error) {
            expectClosed(error, `receive on c${state.index}`);
            observeClosed(state, "receive");
          }
        });
      }
      case "receiveCatching": {
        const state = channelOf(action.ch);
        return yield* within(action.within, function* () {
          ops++;
          const result = yield* state.ch.receiveCatching();
          if (result.ok) observe(state, result.value, "receiveCatching");
          else observeClosed(state, "receiveCatching");
        });
      }
      case "tryReceive": {
        const state = channelOf(action.ch);
        ops++;
        const result = state.ch.tryReceive();
        if (result.ok) observe(state, result.value, "tryReceive");
        else if (result.reason === "closed") observeClosed(state, "tryReceive");
        else if (receiveReady(state)) violate(`c${state.index}: tryReceive said empty, but ${JSON.stringify(state.ch.stats())}`);
        return;
      }
      case "poll": {
        const state = channelOf(action.ch);
        for (let i = 0; i < action.n; i++) {
          ops++;
          try {
            const value = yield* select(state.ch.onReceive(), onDefault(() => NOTHING));
            if (value !== NOTHING) observe(state, value, "poll");
            else if (receiveReady(state)) violate(`c${state.index}: a polling select took its default, but ${JSON.stringify(state.ch.stats())}`);
          } catch (error) {
            expectClosed(error, `poll on c${state.index}`);
            observeClosed(state, "poll");
            return;
          }
        }
        return;
      }
      case "select":
        return yield* selectAction(me, action);
      case "close": {
        const state = channelOf(action.ch);
        ops++;
        const first = !state.closeCalled && !state.cancelCalled;
        state.closeCalled = true;
        if (state.ch.close(action.cause ? new Error(`c${state.index} closed by t${me}`) : undefined) !== first) {
          violate(`c${state.index}: close() returned ${!first} (already closed: ${!first})`);
        }
        return;
      }
      case "cancel": {
        const state = channelOf(action.ch);
        ops++;
        const first = !state.cancelCalled;
        state.cancelCalled = true;
        if (state.ch.cancel(new Error(`c${state.index} cancelled by t${me}`)) !== first) violate(`c${state.index}: cancel() returned ${!first}`);
        return;
      }
      case "handAndCancel": {
        yield* perform(me, { op: "trySend", ch: action.ch });
        if (action.then !== "none") yield* perform(me, { op: action.then, ch: action.ch, cause: false });
        return yield* perform(me, { op: "cancelTask", task: action.task, wait: false });
      }
      case "cancelTask": {
        const target = tasks[action.task % tasks.length];
        if (target === tasks[me]) return;
        if (action.wait) yield* target.cancel();
        else target.cancel();
        return;
      }
      case "sleep":
        return yield* sleep(action.ms);
      case "yield":
        return yield* yieldNow();
    }
  }

  function* selectAction(me: number, action: Extract<Action, { op: "select" }>): Operation<void> {
    type Won = { kind: "send"; i: number } | { kind: "receive"; i: number; value: Element } | { kind: "catching"; i: number; result: { ok: boolean; value?: Element } } | { kind: "timeout" } | { kind: "default" };
    const id = nextSelect++;
    const sends = new Map<number, Entry>();
    const clauses: SelectClause<Won>[] = action.clauses.map((spec, i) => {
      const state = channelOf(spec.ch);
      if (spec.type === "send") {
        const element = newElement(me, state, "onSend", id);
        sends.set(i, ledger.get(element)!);
        return state.ch.onSend(element, (): Won => ({ kind: "send", i }));
      }
      if (spec.type === "receive") return state.ch.onReceive((value): Won => ({ kind: "receive", i, value }));
      return state.ch.onReceiveCatching((result): Won => ({ kind: "catching", i, result }));
    });
    if (action.extra === "timeout") clauses.push(onTimeout(action.ms, (): Won => ({ kind: "timeout" })));
    if (action.extra === "default") clauses.push(onDefault((): Won => ({ kind: "default" })));
    ops++;
    let settled = false;
    try {
      const won = yield* (action.biased ? selectBiased : select)(...clauses);
      settled = true;
      counters.selectWins[won.kind]++;
      for (const [i, entry] of sends) entry.outcome = won.kind === "send" && won.i === i ? "ok" : "lost";
      switch (won.kind) {
        case "receive":
          observe(channelOf(action.clauses[won.i].ch), won.value, "select onReceive");
          break;
        case "catching": {
          const state = channelOf(action.clauses[won.i].ch);
          if (won.result.ok) observe(state, won.result.value, "select onReceiveCatching");
          else observeClosed(state, "select onReceiveCatching");
          break;
        }
        case "default":
          action.clauses.forEach((spec, i) => {
            const state = channelOf(spec.ch);
            if (spec.type === "send" ? sendReady(state) : receiveReady(state)) {
              violate(`select took its default, but clause ${i} (${spec.type} on c${state.index}) was ready: ${JSON.stringify(state.ch.stats())}`);
            }
          });
          break;
      }
    } catch (error) {
      settled = true;
      expectClosed(error, "select");
      counters.selectWins.closed++;
      for (const entry of sends.values()) entry.outcome = "lost";
    } finally {
      if (!settled) {
        counters.cancelledSelects++;
        for (const entry of sends.values()) entry.outcome = "cancelled";
      }
    }
  }

  function* taskBody(me: number): Operation<void> {
    for (const action of program.tasks[me]) {
      try {
        yield* perform(me, action);
      } catch (error) {
        violate(`t${me} ${action.op} threw ${error instanceof Error ? error.stack : String(error)}`);
      }
    }
  }

  // -- The run, then the books ------------------------------------------------

  await runTest(
    function* ({ clock }) {
      tasks = [];
      for (let t = 0; t < program.tasks.length; t++) tasks.push(yield* spawn(() => taskBody(t), { name: `t${t}` }));
      for (const { at, task } of [...program.cancels].sort((a, b) => a.at - b.at)) {
        if (at > clock.now()) yield* sleep(at - clock.now());
        tasks[task % tasks.length].cancel();
      }
      yield* sleep(10_000); // everything that can finish has finished
      for (const task of tasks) {
        // The stragglers (blocked forever) are cancelled.
        if (task.state === "running") counters.stragglers++;
        yield* task.cancel();
      }
      for (const task of tasks) {
        if (task.state !== "completed" && task.state !== "cancelled") violate(`${task} ended ${task.state}`);
      }
      for (const state of states) checkStats(state, "after every task ended");
      for (const state of states) {
        state.ch.cancel();
        state.cancelCalled = true;
      }
      for (const state of states) {
        checkStats(state, "after every channel was cancelled");
        if (state.ch.stats().buffered !== 0) violate(`c${state.index}: elements left after cancel()`);
      }
    },
    { seed: program.seed },
  );

  function checkStats(state: ChannelState, when: string): void {
    const stats = state.ch.stats();
    const where = `c${state.index} (${state.kind.name}) ${when}`;
    const expect = (what: string, actual: number | boolean, expected: number | boolean) => {
      if (actual !== expected) violate(`${where}: stats ${what} is ${actual}, the ledger says ${expected} — ${JSON.stringify(stats)}`);
    };
    expect("waitingSenders", stats.waitingSenders, 0);
    expect("waitingReceivers", stats.waitingReceivers, 0);
    expect("received", stats.received, state.observed);
    expect("undelivered", stats.undelivered, state.undelivered);
    expect("dropped", stats.dropped, state.drops);
    expect("sent", stats.sent, stats.received + stats.buffered + state.drops + state.cancelBuffer + state.givenBack);
    expect("closed", stats.closed, state.closeCalled || state.cancelCalled);
    expect("cancelled", stats.cancelled, state.cancelCalled);
    if (state.kind.policy === "suspend") expect("dropped (a suspending kind)", stats.dropped, 0);
    if (stats.buffered > stats.capacity + state.giveBacks) violate(`${where}: ${stats.buffered} buffered over capacity ${stats.capacity}`);
  }

  // Every element's books.
  const deliveredBySelect = new Map<number, number>();
  for (const entry of ledger.values()) {
    const { element, via, outcome } = entry;
    const total = entry.received + entry.undelivered;
    const name = `element ${element.id} (t${element.sender} #${element.seq} on c${element.ch}, ${via}, ${outcome})`;
    if (outcome === "pending") violate(`${name}: its sender never finished the operation`);
    const expected =
      via === "send" ? [1] : outcome === "ok" ? [1] : outcome === "cancelled" ? [0, 1] : [0];
    if (!expected.includes(total)) {
      violate(`${name}: received ${entry.received}, undelivered ${entry.undelivered} (${entry.undeliveredAs}); expected ${expected.join(" or ")} in all`);
    }
    if (outcome === "refused" && via === "send" && entry.undeliveredAs !== "notAccepted") violate(`${name}: a refused send must go to onUndelivered unaccepted`);
    if (entry.undeliveredAs === "notAccepted" && (via !== "send" || (outcome !== "refused" && outcome !== "cancelled"))) {
      violate(`${name}: handed to onUndelivered without being accepted`);
    }
    if ((entry.received > 0 || (entry.undeliveredAs !== null && entry.undeliveredAs !== "notAccepted")) && outcome !== "ok" && outcome !== "cancelled") {
      violate(`${name}: accepted by the channel although its sender saw ${outcome}`);
    }
    if (entry.hands - entry.backs !== entry.received) violate(`${name}: handed over ${entry.hands}×, given back ${entry.backs}×, but received ${entry.received}×`);
    if (via === "onSend" && outcome === "cancelled" && total > 0) {
      deliveredBySelect.set(entry.select, (deliveredBySelect.get(entry.select) ?? 0) + 1);
    }
  }
  for (const [select, count] of deliveredBySelect) if (count > 1) violate(`cancelled select #${select} delivered ${count} of its onSend elements`);

  // FIFO: per channel and sender, first hand-overs follow the order of sending.
  const lastHand = new Map<string, Entry>();
  const bySeq = [...ledger.values()].filter((entry) => entry.firstHand >= 0).sort((a, b) => a.element.id - b.element.id);
  for (const entry of bySeq) {
    const key = `${entry.element.ch}/${entry.element.sender}`;
    const previous = lastHand.get(key);
    if (previous !== undefined && previous.firstHand > entry.firstHand) {
      violate(`c${entry.element.ch}: t${entry.element.sender}'s #${entry.element.seq} was handed over before its #${previous.element.seq}`);
    }
    lastHand.set(key, entry);
  }

  counters.ops += ops;
  counters.programs++;
  return { ops, violations };
}

/** A fast-check property: the program runs and the books balance. */
export function property(sizes: Sizes) {
  return fc.asyncProperty(programArbitrary(sizes), async (program) => {
    const { violations } = await execute(program);
    if (violations.length > 0) throw new Error(`the books do not balance:\n  - ${violations.join("\n  - ")}`);
  });
}

/**
 * Runs `numRuns` programs from fast-check seed `seed`; on failure the error
 * names the seed (rerun with it) and fast-check's shrunk counterexample.
 */
export async function check(seed: number, numRuns: number, sizes: Sizes): Promise<void> {
  try {
    await fc.assert(property(sizes), { seed, numRuns, includeErrorInReport: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const report = `channel model failed with fast-check seed ${seed} (rerun: STRAND_MODEL_SEED=${seed})\n${message}`;
    console.error(report);
    throw new Error(report, { cause: error });
  }
}
