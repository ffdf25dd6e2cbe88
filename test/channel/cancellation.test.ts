// Prompt cancellation (DESIGN.md): a cancelled send or receive never also
// succeeds; an element handed to a receiver (or a select) that is cancelled
// before it runs goes back to the channel — never lost, never delivered twice;
// send() owns its element, so a send cancelled before it delivered hands the
// element to onUndelivered, while trySend and onSend only offer. Over every kind.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, yieldNow } from "../../src/index.js";
import { select } from "../../src/select.js";
import { BUDGET } from "../../src/core/runtime.js";
import { runTest } from "../../src/testing/index.js";
import { assertSame, assertStats, drops, elements, kinds, recording, sendsCanWait } from "./kinds.js";

const unlimited = kinds.find((kind) => kind.capacity === "unlimited")!;
import type { Channel } from "../../src/channel/channel.js";

type E = { id: string };

function drain<T>(ch: Channel<T>): T[] {
  const got: T[] = [];
  for (let result = ch.tryReceive(); result.ok; result = ch.tryReceive()) got.push(result.value);
  return got;
}

for (const kind of kinds) {
  describe(`prompt cancellation: ${kind.name}`, () => {
    test("a cancelled waiting receive never also succeeds, and leaves no waiter", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const got: E[] = [];
        const receiver = yield* spawn(function* () {
          got.push(yield* ch.receive());
        });
        yield* yieldNow();
        assertStats(ch, { waitingReceivers: 1 });
        yield* receiver.cancel();
        assert.equal(receiver.state, "cancelled");
        assertStats(ch, { cancelledWaiters: 1 });
        const [x] = elements(1, "x");
        assert.deepEqual(ch.trySend(x), kind.size === 0 ? { ok: false, reason: "full" } : { ok: true }, "nobody waits any more");
        yield* yieldNow();
        assert.deepEqual(got, []);
        assert.deepEqual(undelivered, []);
      }));

    for (const how of ["trySend", "send"] as const) {
      test(`an element handed (by ${how}) to a receiver cancelled in the same step goes back to the channel`, () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const got: E[] = [];
          const receiver = yield* spawn(function* () {
            got.push(yield* ch.receive());
          });
          yield* yieldNow();
          const [x] = elements(1, "x");
          if (how === "trySend") assert.deepEqual(ch.trySend(x), { ok: true });
          else yield* ch.send(x); // completes at once: a receiver waits
          assertStats(ch, { sent: 1, received: 1 }, "handed over");
          receiver.cancel(); // before the receiver ran
          assertStats(ch, { sent: 1, buffered: 1 }, "given back");
          yield* yieldNow();
          assert.equal(receiver.state, "cancelled");
          assert.deepEqual(got, [], "the cancelled receive did not also succeed");
          const next = ch.tryReceive();
          assert.ok(next.ok && next.value === x, "the next receiver gets it");
          assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" }, "exactly once");
          assert.deepEqual(undelivered, []);
          assertStats(ch, { sent: 1, received: 1 });
        }));
    }

    test("an element given back goes to the next waiting receiver", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const got: [string, E][] = [];
        const first = yield* spawn(function* () {
          got.push(["first", yield* ch.receive()]);
        });
        yield* spawn(function* () {
          const result = yield* ch.receiveCatching();
          if (result.ok) got.push(["second", result.value]);
        });
        yield* yieldNow();
        const [x] = elements(1, "x");
        ch.trySend(x);
        first.cancel();
        assertStats(ch, { sent: 1, received: 1, cancelledWaiters: 0 });
        yield* yieldNow();
        assert.deepEqual(got, [["second", x]]);
        assert.equal(got[0][1], x);
        assert.deepEqual(undelivered, []);
      }));

    if (kind.size !== 0) {
      test("an element given back goes to the head, before later elements", () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const receiver = yield* spawn(function* () {
            yield* ch.receive();
            assert.fail("cancelled before it ran");
          });
          yield* yieldNow();
          const [x, y] = elements(2);
          ch.trySend(x); // handed to the receiver
          ch.trySend(y); // buffered
          receiver.cancel();
          if (kind.policy === "drop-oldest" && kind.size === 1) {
            // Conflated keeps only the latest: x is older than y, so the policy drops it.
            assertSame(undelivered, [x]);
            assertSame(drain(ch), [y]);
            assertStats(ch, { sent: 2, received: 1, dropped: 1, undelivered: 1 });
          } else {
            assertSame(drain(ch), [x, y]);
            assert.deepEqual(undelivered, []);
            assertStats(ch, { sent: 2, received: 2 });
          }
        }));
    }

    if (kind.size !== Infinity && kind.size > 0) {
      test(`an element given back to a full buffer ${kind.policy === "drop-oldest" ? "is the oldest, so the policy drops it" : "still goes to the head"}`, () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const receiver = yield* spawn(function* () {
            yield* ch.receive();
          });
          yield* yieldNow();
          const [x] = elements(1, "x");
          const buffered = elements(kind.size, "b");
          ch.trySend(x);
          for (const element of buffered) assert.deepEqual(ch.trySend(element), { ok: true });
          receiver.cancel();
          if (kind.policy === "drop-oldest") {
            assertSame(undelivered, [x]);
            assertSame(drain(ch), buffered);
            assertStats(ch, { sent: kind.size + 1, received: kind.size, dropped: 1, undelivered: 1 });
          } else {
            assertSame(drain(ch), [x, ...buffered]);
            assert.deepEqual(undelivered, []);
            assertStats(ch, { sent: kind.size + 1, received: kind.size + 1 });
          }
        }));
    }

    test("a receiver handed an element before the channel was cancelled still gets it", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const receiver = yield* spawn(function* () {
          return yield* ch.receive();
        });
        yield* yieldNow();
        const [x] = elements(1, "x");
        ch.trySend(x);
        ch.cancel();
        assert.equal(yield* receiver, x);
        assert.deepEqual(undelivered, []);
        assertStats(ch, { sent: 1, received: 1, closed: true, cancelled: true });
      }));

    test("an element handed to a receiver, then the channel cancelled, then the receiver cancelled: onUndelivered once", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const receiver = yield* spawn(function* () {
          yield* ch.receive();
          assert.fail("cancelled before it ran");
        });
        yield* yieldNow();
        const [x] = elements(1, "x");
        ch.trySend(x);
        ch.cancel();
        receiver.cancel();
        assertSame(undelivered, [x]);
        yield* yieldNow();
        assertSame(undelivered, [x]);
        assertStats(ch, { sent: 1, undelivered: 1, closed: true, cancelled: true });
      }));

    test("regression: an element given back to a channel already closed for receive goes to onUndelivered (not stranded)", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const receiver = yield* spawn(function* () {
          yield* ch.receive();
          assert.fail("cancelled before it ran");
        });
        yield* yieldNow();
        const [x] = elements(1, "x");
        ch.trySend(x);
        ch.close();
        assert.equal(ch.isClosedForReceive, true, "nothing left: every later receiver sees closed");
        receiver.cancel();
        assert.equal(ch.isClosedForReceive, true, "closed for receive stays closed");
        assert.deepEqual(ch.tryReceive(), { ok: false, reason: "closed" });
        assertSame(undelivered, [x]);
        assertStats(ch, { sent: 1, undelivered: 1, closed: true });
      }));

    if (kind.size !== 0) {
      // (A rendezvous channel cannot hold a waiting sender while a receiver holds a hand-over.)
      test("an element given back to a closed channel that still has elements goes to the head", () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const receiver = yield* spawn(function* () {
            yield* ch.receive();
          });
          yield* yieldNow();
          const [x, y] = elements(2);
          ch.trySend(x);
          ch.trySend(y);
          ch.close();
          receiver.cancel();
          if (kind.size === 1 && kind.policy === "drop-oldest") {
            assertSame(undelivered, [x], "conflated: the older element is dropped");
            assertSame(drain(ch), [y]);
          } else {
            assert.deepEqual(undelivered, []);
            assertSame(drain(ch), [x, y], "receivers drain the given-back element first");
          }
          assert.equal(ch.isClosedForReceive, true);
        }));
    }

    for (const clause of ["onReceive", "onReceiveCatching"] as const) {
      test(`a select chosen by ${clause} and cancelled before it ran gives the element back`, () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const other = recording<E>(kind);
          const got: unknown[] = [];
          const selecting = yield* spawn(function* () {
            got.push(yield* select(clause === "onReceive" ? ch.onReceive() : ch.onReceiveCatching(), other.ch.onReceive()));
          });
          yield* yieldNow();
          const [x] = elements(1, "x");
          assert.deepEqual(ch.trySend(x), { ok: true });
          assertStats(other.ch, { cancelledWaiters: 1 }, "the losing clause was withdrawn at once");
          selecting.cancel();
          yield* yieldNow();
          assert.deepEqual(got, []);
          assertSame(drain(ch), [x], "the next receiver gets it, once");
          assert.deepEqual(undelivered, []);
          assertStats(ch, { sent: 1, received: 1 });
          assertStats(other.ch, { cancelledWaiters: 1 });
        }));
    }

    if (sendsCanWait(kind)) {
      test("a cancelled waiting send hands its element to onUndelivered, and it is never received", () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const buffered = elements(kind.size, "b");
          for (const element of buffered) ch.trySend(element);
          const [w] = elements(1, "w");
          const sender = yield* spawn(function* () {
            yield* ch.send(w);
            assert.fail("a cancelled send does not also succeed");
          });
          yield* yieldNow();
          assertStats(ch, { sent: kind.size, buffered: kind.size, waitingSenders: 1 });
          yield* sender.cancel();
          assertSame(undelivered, [w]);
          assertSame(drain(ch), buffered);
          assertStats(ch, { sent: kind.size, received: kind.size, cancelledWaiters: 1, undelivered: 1 });
        }));

      test("a send whose element was taken, cancelled before it ran, is delivered and not also undelivered", () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const buffered = elements(kind.size, "b");
          for (const element of buffered) ch.trySend(element);
          const [w] = elements(1, "w");
          const sender = yield* spawn(function* () {
            yield* ch.send(w);
          });
          yield* yieldNow();
          const got = [ch.tryReceive()]; // takes the head; the sender's element moves in (or is taken)
          sender.cancel();
          for (let result = ch.tryReceive(); result.ok; result = ch.tryReceive()) got.push(result);
          assertSame(
            got.map((result) => (result.ok ? result.value : null)),
            [...buffered, w],
          );
          assert.deepEqual(undelivered, []);
          assertStats(ch, { sent: kind.size + 1, received: kind.size + 1 });
        }));

      test("a cancelled select's onSend only offered: its element is not undelivered", () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          for (const element of elements(kind.size, "b")) ch.trySend(element);
          const [w] = elements(1, "w");
          const selecting = yield* spawn(function* () {
            yield* select(ch.onSend(w));
          });
          yield* yieldNow();
          assertStats(ch, { sent: kind.size, buffered: kind.size, waitingSenders: 1 });
          yield* selecting.cancel();
          assert.deepEqual(undelivered, []);
          assertStats(ch, { sent: kind.size, buffered: kind.size, cancelledWaiters: 1 });
        }));

      test("a select whose onSend was taken, then cancelled before it ran, delivered its element once", () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const buffered = elements(kind.size, "b");
          for (const element of buffered) ch.trySend(element);
          const [w] = elements(1, "w");
          const selecting = yield* spawn(function* () {
            yield* select(ch.onSend(w));
          });
          yield* yieldNow();
          const got = drain(ch);
          selecting.cancel();
          assertSame(got, [...buffered, w]);
          assert.deepEqual(undelivered, []);
          assertStats(ch, { sent: kind.size + 1, received: kind.size + 1 });
        }));
    }

    if (!sendsCanWait(kind)) {
      test(`regression: a send cancelled at its budget yield hands its element to onUndelivered (every ${BUDGET}th send yields)`, () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const passed: E[] = [];
          const sender = yield* spawn(function* () {
            for (let i = 0; ; i++) {
              const element = { id: `e${i}` };
              passed.push(element);
              yield* ch.send(element);
            }
          });
          yield* yieldNow(); // the sender runs until its budget is spent, then yields to us
          assert.ok(passed.length > 0 && passed.length <= BUDGET, `the sender yielded after ${passed.length} sends`);
          yield* sender.cancel(); // it is parked at the yield inside its last send()
          const accounted = [...drain(ch), ...undelivered];
          assert.equal(accounted.length, passed.length, "every element passed to send() is received or undelivered");
          assert.equal(new Set(accounted).size, passed.length, "each exactly once");
          const last = passed[passed.length - 1];
          assert.ok(undelivered.includes(last), "the cancelled send's element went to onUndelivered");
          const stats = ch.stats();
          assert.equal(stats.sent, passed.length - 1, "the cancelled send was never accepted");
          assert.equal(stats.undelivered, undelivered.length);
          if (!drops(kind)) assertSame(undelivered, [last]);
        }));
    }

  });
}

describe("prompt cancellation at the budget yield", () => {
  test("a receive cancelled at its budget yield takes nothing", () =>
    runTest(function* () {
      const { ch, undelivered } = recording<E>(unlimited);
      const sent = elements(BUDGET * 2);
      for (const element of sent) ch.trySend(element);
      const got: E[] = [];
      const receiver = yield* spawn(function* () {
        for (;;) got.push(yield* ch.receive());
      });
      yield* yieldNow();
      assert.ok(got.length > 0 && got.length < BUDGET, `the receiver yielded after ${got.length} receives`);
      yield* receiver.cancel();
      assertSame([...got, ...drain(ch)], sent, "nothing lost, nothing twice, in order");
      assert.deepEqual(undelivered, []);
    }));
});
