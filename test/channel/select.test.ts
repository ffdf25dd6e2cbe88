// select: exactly one clause wins and the others are withdrawn; every clause
// kind (onReceive, onSend, onReceiveCatching, onTimeout, onDefault); unbiased
// choice among ready clauses (seeded), selectBiased's order; a select never
// pairs with itself; closed-channel clauses as kotlinx (onReceive and onSend
// throw ChannelClosed, onReceiveCatching gets a closed result); a cancelled
// select leaves every channel as it was; the cooperative budget.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, sleep, yieldNow, type Operation, type SelectClause } from "../../src/index.js";
import { channel } from "../../src/channel/channel.js";
import { select, selectBiased, onTimeout, onDefault } from "../../src/select.js";
import { ChannelClosed } from "../../src/errors.js";
import { BUDGET } from "../../src/core/runtime.js";
import { runTest } from "../../src/testing/index.js";
import { assertSame, assertStats, elements, kinds, recording, sendsCanWait } from "./kinds.js";

type E = { id: string };

function* thrown(operation: Operation<unknown>): Operation<unknown> {
  try {
    yield* operation;
  } catch (error) {
    return error;
  }
  assert.fail("expected the operation to throw");
}

for (const kind of kinds) {
  describe(`select over ${kind.name} channels`, () => {
    test("exactly one clause wins; the others are withdrawn at once", () =>
      runTest(function* () {
        const [a, b, c] = ["a", "b", "c"].map((name) => recording<E>(kind, name));
        const selecting = yield* spawn(function* () {
          return yield* select(
            a.ch.onReceive((value) => ["a", value] as const),
            b.ch.onReceive((value) => ["b", value] as const),
            c.ch.onReceive((value) => ["c", value] as const),
          );
        });
        yield* yieldNow();
        for (const { ch } of [a, b, c]) assertStats(ch, { waitingReceivers: 1 });
        const [x] = elements(1, "x");
        assert.deepEqual(b.ch.trySend(x), { ok: true });
        for (const { ch } of [a, c]) assertStats(ch, { cancelledWaiters: 1 }, `${ch.name}: withdrawn when b won`);
        assertStats(b.ch, { sent: 1, received: 1 });
        const [winner, value] = yield* selecting;
        assert.equal(winner, "b");
        assert.equal(value, x, "by reference");
        // Nobody waits on a or c any more: sends there do not reach the finished select.
        const [y] = elements(1, "y");
        assert.deepEqual(a.ch.trySend(y), kind.size === 0 ? { ok: false, reason: "full" } : { ok: true });
      }));

    test("onSend wins when a receiver waits, and hands the element over by reference", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const other = recording<E>(kind);
        const receiver = yield* spawn(function* () {
          return yield* ch.receive();
        });
        yield* yieldNow();
        const [x, y] = elements(2);
        // other.ch's onReceive is never ready; ch's onSend is (a receiver waits).
        const result = yield* select(other.ch.onReceive(() => "received"), ch.onSend(x, () => "sent"));
        assert.equal(result, "sent");
        assert.equal(yield* receiver, x);
        assertStats(ch, { sent: 1, received: 1 });
        assertStats(other.ch, {}, "an immediate select registers nothing");
        // Without a handler, onSend's result is undefined.
        if (kind.size > 0) assert.equal(yield* select(ch.onSend(y)), undefined);
        assert.deepEqual(undelivered, []);
      }));

    if (sendsCanWait(kind)) {
      test("a waiting onSend wins when a receiver comes; the losing clauses are withdrawn", () =>
        runTest(function* () {
          const { ch } = recording<E>(kind);
          const other = recording<E>(kind);
          const buffered = elements(kind.size, "b");
          for (const element of buffered) ch.trySend(element);
          const [w] = elements(1, "w");
          const selecting = yield* spawn(function* () {
            return yield* select(ch.onSend(w, () => "sent"), other.ch.onReceive(() => "received"), onTimeout(100, () => "timeout"));
          });
          yield* yieldNow();
          assertStats(ch, { sent: kind.size, buffered: kind.size, waitingSenders: 1 });
          const got: E[] = [];
          for (let result = ch.tryReceive(); result.ok; result = ch.tryReceive()) got.push(result.value);
          assertSame(got, [...buffered, w]);
          assert.equal(yield* selecting, "sent");
          assertStats(other.ch, { cancelledWaiters: 1 });
        }));
    }

    test("onReceiveCatching gets elements, then the closed result with the cause", () =>
      runTest(function* () {
        const { ch } = recording<E>(kind);
        const [x] = elements(1, "x");
        const cause = new Error("end");
        yield* spawn(function* () {
          yield* ch.send(x);
          ch.close(cause);
        });
        const first = yield* select(ch.onReceiveCatching());
        assert.ok(first.ok && first.value === x);
        const second = yield* select(ch.onReceiveCatching((result) => ({ wrapped: result })));
        assert.deepEqual(second, { wrapped: { ok: false, reason: "closed", cause } });
        assertStats(ch, { sent: 1, received: 1, closed: true });
      }));

    test("closed-channel clauses (kotlinx): onReceive and onSend throw ChannelClosed, onReceiveCatching gets closed", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind, "done");
        const waiting = recording<E>(kind);
        const cause = new Error("finished");
        ch.close(cause);
        const [x] = elements(1, "x");
        for (const clause of [ch.onReceive(), ch.onSend(x)]) {
          const error = yield* thrown(select(waiting.ch.onReceive(), clause));
          assert.ok(error instanceof ChannelClosed);
          assert.equal((error as Error).cause, cause);
          assert.match((error as Error).message, /channel "done" is closed/);
        }
        assert.deepEqual(undelivered, [], "onSend only offered: the caller keeps x");
        assert.deepEqual(yield* select(waiting.ch.onReceive(), ch.onReceiveCatching()), { ok: false, reason: "closed", cause });
        // A closed clause is ready: it wins over clauses that would wait.
        assert.equal(yield* selectBiased(waiting.ch.onReceive(() => "never"), ch.onReceiveCatching(() => "closed")), "closed");
        assertStats(waiting.ch, {}, "no clause ever registered");
        assertStats(ch, { closed: true });
      }));

    test("a closed channel's clause still receives what is buffered or waiting, then reports closed", () =>
      runTest(function* () {
        const { ch } = recording<E>(kind);
        const [x] = elements(1, "x");
        if (kind.size === 0) {
          yield* spawn(function* () {
            yield* ch.send(x);
          });
          yield* yieldNow();
        } else ch.trySend(x);
        ch.close();
        assert.equal(yield* select(ch.onReceive()), x);
        assert.deepEqual(yield* select(ch.onReceiveCatching()), { ok: false, reason: "closed" });
        assert.ok((yield* thrown(select(ch.onReceive()))) instanceof ChannelClosed);
      }));

    test("a waiting select sees a close: onReceive throws, onReceiveCatching gets closed, other clauses withdrawn", () =>
      runTest(function* () {
        const { ch } = recording<E>(kind, "late");
        const other = recording<E>(kind);
        const throwing = yield* spawn(function* () {
          return yield* thrown(select(other.ch.onReceive(), ch.onReceive()));
        });
        const catching = yield* spawn(function* () {
          return yield* select(ch.onReceiveCatching(), other.ch.onReceive());
        });
        yield* yieldNow();
        assertStats(other.ch, { waitingReceivers: 2 });
        const cause = new Error("stop");
        ch.close(cause);
        assertStats(other.ch, { cancelledWaiters: 2 });
        const error = yield* throwing;
        assert.ok(error instanceof ChannelClosed && error.cause === cause);
        assert.deepEqual(yield* catching, { ok: false, reason: "closed", cause });
        assertStats(ch, { closed: true });
      }));

    if (sendsCanWait(kind)) {
      test("a waiting onSend: close() lets it still deliver; cancel() fails it without taking its element", () =>
        runTest(function* () {
          for (const end of ["close", "cancel"] as const) {
            const { ch, undelivered } = recording<E>(kind);
            const buffered = elements(kind.size, "b");
            for (const element of buffered) ch.trySend(element);
            const [w] = elements(1, "w");
            const selecting = yield* spawn(function* () {
              try {
                return yield* select(ch.onSend(w, () => "sent"));
              } catch (error) {
                return error;
              }
            });
            yield* yieldNow();
            if (end === "close") {
              ch.close();
              const got: E[] = [];
              for (let result = ch.tryReceive(); result.ok; result = ch.tryReceive()) got.push(result.value);
              assertSame(got, [...buffered, w], "senders waiting at close still deliver");
              assert.equal(yield* selecting, "sent");
              assert.deepEqual(undelivered, []);
            } else {
              ch.cancel();
              assert.ok((yield* selecting) instanceof ChannelClosed);
              assertSame(undelivered, buffered, "the buffer, but not the select's offered element");
              assertStats(ch, { sent: kind.size, undelivered: kind.size, closed: true, cancelled: true });
            }
          }
        }));
    }

    test("a cancelled waiting select leaves every channel as it was", () =>
      runTest(function* () {
        const receiving = recording<E>(kind, "r");
        const sending = recording<E>(kind, "s");
        const catching = recording<E>(kind, "c");
        const full = elements(sendsCanWait(kind) ? kind.size : 0, "b");
        for (const element of full) sending.ch.trySend(element);
        const before = [receiving, sending, catching].map(({ ch }) => ch.stats());
        const [w] = elements(1, "w");
        const clauses: SelectClause<unknown>[] = [receiving.ch.onReceive(), catching.ch.onReceiveCatching(), onTimeout(1_000)];
        if (sendsCanWait(kind)) clauses.push(sending.ch.onSend(w));
        const selecting = yield* spawn(function* () {
          yield* select(...clauses);
          assert.fail("cancelled while waiting");
        });
        yield* yieldNow();
        assert.equal(receiving.ch.stats().waitingReceivers, 1);
        yield* selecting.cancel();
        [receiving, sending, catching].forEach(({ ch, undelivered }, i) => {
          const registered = i !== 1 || sendsCanWait(kind) ? 1 : 0;
          assert.deepEqual(ch.stats(), { ...before[i], cancelledWaiters: registered }, `${ch.name} as it was`);
          assert.deepEqual(undelivered, []);
        });
        const got: E[] = [];
        for (let result = sending.ch.tryReceive(); result.ok; result = sending.ch.tryReceive()) got.push(result.value);
        assertSame(got, full, "the select's onSend element never went in");
        // Its timer was removed too: nothing fires at 1 000 ms.
        yield* sleep(2_000);
      }));
  });
}

describe("select: clauses", () => {
  test("onReceive with and without a handler", () =>
    runTest(function* () {
      const ch = channel<number>(2);
      ch.trySend(1);
      ch.trySend(2);
      assert.equal(yield* select(ch.onReceive()), 1);
      assert.equal(yield* select(ch.onReceive((n) => `got ${n}`)), "got 2");
    }));

  test("onTimeout wins when nothing is ready within ms, at exactly that virtual time", () =>
    runTest(function* ({ clock }) {
      const ch = channel<number>();
      const start = clock.now();
      assert.equal(yield* select(ch.onReceive(() => "value"), onTimeout(50, () => "timed out")), "timed out");
      assert.equal(clock.now() - start, 50);
      assert.equal(yield* select(ch.onReceive(), onTimeout(10)), undefined, "no handler: undefined");
      assertStats(ch, { cancelledWaiters: 2 });
    }));

  test("onTimeout(0) times out at once when nothing is ready, but never beats a ready clause", () =>
    runTest(function* ({ clock }) {
      const ch = channel<number>(1);
      assert.equal(yield* select(ch.onReceive(() => "value"), onTimeout(0, () => "timeout")), "timeout");
      assert.equal(clock.now(), 0);
      ch.trySend(7);
      assert.equal(yield* select(onTimeout(0, () => "timeout"), ch.onReceive((n) => n)), 7);
    }));

  test("a channel clause that becomes ready before the timeout wins, and the timer is removed", () =>
    runTest(function* ({ clock }) {
      const ch = channel<string>();
      yield* spawn(function* () {
        yield* sleep(30);
        yield* ch.send("in time");
      });
      assert.equal(yield* select(ch.onReceive(), onTimeout(50, () => "timeout")), "in time");
      assert.equal(clock.now(), 30);
      yield* sleep(100); // the removed timer does not fire into anything
      assert.equal(clock.now(), 130);
    }));

  test("onTimeout(Infinity) never fires", () =>
    runTest(function* ({ clock }) {
      const ch = channel<string>();
      yield* spawn(function* () {
        yield* sleep(1_000_000);
        ch.trySend("eventually");
      });
      assert.equal(yield* select(ch.onReceive(), onTimeout(Infinity, () => "never")), "eventually");
      assert.equal(clock.now(), 1_000_000);
    }));

  test("onDefault wins only when no other clause is ready, and never waits", () =>
    runTest(function* ({ clock }) {
      const ch = channel<number>(1);
      assert.equal(yield* select(ch.onReceive(), onDefault(() => "nothing")), "nothing");
      assertStats(ch, {}, "a select with a default registers nothing");
      ch.trySend(1);
      assert.equal(yield* select(onDefault(() => "nothing"), ch.onReceive()), 1);
      assert.equal(yield* select(onDefault(() => "alone")), "alone");
      assert.equal(clock.now(), 0);
    }));
});

describe("select: fairness", () => {
  const SEEDS = [1, 2, 3, 42, 2024];
  const ROUNDS = 3_000;

  for (const seed of SEEDS) {
    test(`unbiased: three always-ready clauses each win a fair share (seed ${seed})`, () =>
      runTest(
        function* () {
          const channels = [0, 1, 2].map(() => channel<number>("unlimited"));
          for (const ch of channels) for (let i = 0; i < ROUNDS; i++) ch.trySend(i);
          const wins = [0, 0, 0];
          const order: number[][] = [[], [], []];
          for (let round = 0; round < ROUNDS; round++) {
            const [winner, value] = yield* select(...channels.map((ch, i) => ch.onReceive((value) => [i, value] as const)));
            wins[winner]++;
            order[winner].push(value);
          }
          // Expected ROUNDS/3 = 1000 each, σ ≈ 25.8; ±160 is over 6σ. The seeds are fixed, so this cannot flake.
          for (const count of wins) assert.ok(Math.abs(count - ROUNDS / 3) < 160, `wins ${wins} (seed ${seed})`);
          // Each channel still hands its own elements over in order.
          order.forEach((values) => assert.deepEqual(values, values.map((_, i) => i)));
        },
        { seed },
      ));
  }

  test("unbiased: only ready clauses win, and they share fairly; onSend and onReceive alike", () =>
    runTest(
      function* () {
        const idle = channel<number>();
        const incoming = channel<number>("unlimited");
        const outgoing = channel<number>("unlimited");
        for (let i = 0; i < 2_000; i++) incoming.trySend(i);
        const wins = { idle: 0, receive: 0, send: 0 };
        for (let round = 0; round < 2_000; round++) {
          const winner = yield* select(
            idle.onReceive(() => "idle" as const),
            incoming.onReceive(() => "receive" as const),
            outgoing.onSend(round, () => "send" as const),
          );
          wins[winner]++;
        }
        assert.equal(wins.idle, 0);
        // Expected 1000 each, σ ≈ 22.4.
        assert.ok(Math.abs(wins.receive - 1_000) < 140 && Math.abs(wins.send - 1_000) < 140, JSON.stringify(wins));
        assert.equal(outgoing.stats().buffered, wins.send);
        assertStats(idle, {});
      },
      { seed: 7 },
    ));

  test("the choice is reproducible for a seed, and differs between seeds", async () => {
    function* choices(): Operation<string> {
      const channels = [0, 1, 2, 3].map(() => channel<number>("unlimited"));
      for (const ch of channels) for (let i = 0; i < 64; i++) ch.trySend(i);
      let picked = "";
      for (let round = 0; round < 64; round++) picked += yield* select(...channels.map((ch, i) => ch.onReceive(() => String(i))));
      return picked;
    }
    const [a, b, c] = await Promise.all([runTest(choices, { seed: 5 }), runTest(choices, { seed: 5 }), runTest(choices, { seed: 6 })]);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  test("selectBiased takes the first ready clause in order", () =>
    runTest(function* () {
      const channels = [0, 1, 2].map(() => channel<number>("unlimited"));
      for (const ch of channels) for (let i = 0; i < 10; i++) ch.trySend(i);
      for (let round = 0; round < 10; round++) {
        assert.equal(yield* selectBiased(...channels.map((ch, i) => ch.onReceive(() => i))), 0);
      }
      for (let round = 0; round < 10; round++) {
        assert.equal(yield* selectBiased(...channels.map((ch, i) => ch.onReceive(() => i))), 1, "the first is drained");
      }
      assert.equal(yield* selectBiased(channels[2].onReceive(() => 2), onDefault(() => -1)), 2);
    }));
});

describe("select: never pairs with itself", () => {
  test("sending and receiving on one rendezvous channel: it waits, and times out", () =>
    runTest(function* () {
      const { ch, undelivered } = recording<string>(kinds[0]);
      const result = yield* select(ch.onSend("mine", () => "sent"), ch.onReceive((value) => `received ${value}`), onTimeout(10, () => "timeout"));
      assert.equal(result, "timeout");
      assert.deepEqual(undelivered, []);
      assertStats(ch, { cancelledWaiters: 2 });
    }));

  for (const end of ["receiver", "sender"] as const) {
    test(`sending and receiving on one channel: another task's ${end} pairs with the right end`, () =>
      runTest(function* () {
        const ch = channel<string>();
        const selecting = yield* spawn(function* () {
          return yield* select(ch.onSend("mine", () => "sent"), ch.onReceive((value) => `received ${value}`));
        });
        yield* yieldNow();
        assertStats(ch, { waitingSenders: 1, waitingReceivers: 1 }, "both ends wait (invariant 3's one exception)");
        if (end === "receiver") {
          assert.deepEqual(ch.tryReceive(), { ok: true, value: "mine" });
          assert.equal(yield* selecting, "sent");
        } else {
          assert.deepEqual(ch.trySend("theirs"), { ok: true });
          assert.equal(yield* selecting, "received theirs");
        }
        assertStats(ch, { sent: 1, received: 1, cancelledWaiters: 1 });
      }));
  }

  test("two selects that each send and receive on one channel pair with each other, once", () =>
    runTest(
      function* () {
        const ch = channel<string>();
        const first = yield* spawn(function* () {
          return yield* select(ch.onSend("from first", () => "first sent"), ch.onReceive((value) => `first got ${value}`));
        });
        yield* yieldNow();
        const second = yield* select(ch.onSend("from second", () => "second sent"), ch.onReceive((value) => `second got ${value}`));
        const outcome = [yield* first, second].sort();
        assert.ok(
          JSON.stringify(outcome) === JSON.stringify(["first got from second", "second sent"]) ||
            JSON.stringify(outcome) === JSON.stringify(["first sent", "second got from first"]),
          String(outcome),
        );
        assertStats(ch, { sent: 1, received: 1, cancelledWaiters: 1 });
      },
      { seed: 3 },
    ));
});

describe("select: the cooperative budget", () => {
  const STARVED = 200_000;

  const loops: { name: string; prepare(): () => Operation<unknown> }[] = [
    {
      name: "select(onSend) on an unlimited channel",
      prepare() {
        const ch = channel<number>("unlimited");
        return () => select(ch.onSend(1));
      },
    },
    {
      name: "select(onReceiveCatching) on a closed channel",
      prepare() {
        const ch = channel<number>();
        ch.close();
        return () => select(ch.onReceiveCatching());
      },
    },
    {
      name: "regression: select(onReceive, onDefault) polling an empty channel",
      prepare() {
        const ch = channel<number>();
        return () => select(ch.onReceive(), onDefault(() => null));
      },
    },
    {
      name: "select(onDefault) alone",
      prepare() {
        return () => select(onDefault(() => null));
      },
    },
    {
      name: "send() on an unlimited channel",
      prepare() {
        const ch = channel<number>("unlimited");
        return () => ch.send(1);
      },
    },
    {
      name: "receiveCatching() on a closed channel",
      prepare() {
        const ch = channel<number>();
        ch.close();
        return () => ch.receiveCatching();
      },
    },
  ];

  for (const loop of loops) {
    test(`a loop of ${loop.name} lets other tasks run within ${BUDGET} completions, and is cancellable`, () =>
      runTest(function* () {
        let otherRuns = 0;
        let longest = 0;
        let iterations = 0;
        const busy = yield* spawn(function* () {
          const next = loop.prepare();
          let seen = otherRuns;
          let streak = 0;
          for (; iterations < STARVED; iterations++) {
            yield* next();
            if (otherRuns !== seen) {
              seen = otherRuns;
              streak = 0;
            }
            longest = Math.max(longest, ++streak);
          }
        });
        yield* spawn(function* () {
          for (let i = 0; i < 20; i++) {
            otherRuns++;
            yield* yieldNow();
          }
        });
        for (let i = 0; i < 5; i++) yield* yieldNow();
        yield* busy.cancel();
        assert.equal(busy.state, "cancelled");
        assert.ok(iterations < STARVED, "the loop noticed its cancellation");
        assert.ok(otherRuns > 0, "the other task ran");
        assert.ok(longest <= BUDGET, `at most ${BUDGET} completions between the other task's turns, saw ${longest}`);
      }));
  }
});
