// Channel behaviour, parameterized over every kind (kinds.ts): FIFO hand-over,
// trySend/tryReceive, receiveCatching, close and cancel, the overflow policies
// and onUndelivered, async iteration, each(), hand-over by reference, and the
// stats() snapshot each scenario leaves.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { channel, spawn, sleep, yieldNow, type Operation, type Task } from "../../src/index.js";
import { ChannelClosed } from "../../src/errors.js";
import { runTest } from "../../src/testing/index.js";
import { assertSame, assertStats, drops, elements, kinds, make, offerReference, recording, sendsCanWait, type ChannelKind } from "./kinds.js";

type E = { id: string };

/** Runs `operation` and returns what it threw (fails if it did not throw). */
function* thrown(operation: Operation<unknown>): Operation<unknown> {
  try {
    yield* operation;
  } catch (error) {
    return error;
  }
  assert.fail("expected the operation to throw");
}

function assertClosedError(error: unknown, cause: unknown, channelName: string, cancelled = false): void {
  assert.ok(error instanceof ChannelClosed, `expected ChannelClosed, got ${String(error)}`);
  assert.equal(error.name, "ChannelClosed");
  assert.equal((error as Error).cause, cause);
  assert.match(error.message, new RegExp(channelName.replace(/[#"]/g, ".")));
  assert.match(error.message, cancelled ? /cancelled/ : /closed/);
}

/** How many elements to put in the buffer to fill it (unlimited: a handful). */
function fill(kind: ChannelKind): number {
  return kind.size === Infinity ? 5 : kind.size;
}

for (const kind of kinds) {
  describe(`channel: ${kind.name}`, () => {
    test("starts open and empty", () => {
      const { ch } = recording<E>(kind, "fresh");
      assert.equal(ch.name, 'channel "fresh"');
      assert.equal(ch.isClosedForSend, false);
      assert.equal(ch.isClosedForReceive, false);
      assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" });
      const stats = ch.stats();
      assert.equal(stats.name, 'channel "fresh"');
      assert.equal(stats.capacity, kind.size);
      assertStats(ch, {});
    });

    test("send/receive hand elements over in FIFO order (the policy applies while the receiver has not run)", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const sent = elements(20);
        const got: E[] = [];
        const consumer = yield* spawn(function* () {
          for (;;) {
            const result = yield* ch.receiveCatching();
            if (!result.ok) return;
            got.push(result.value);
          }
        });
        yield* yieldNow(); // the consumer waits
        for (const element of sent) yield* ch.send(element);
        ch.close();
        yield* consumer;
        // Kinds whose sends wait hand everything over; the others send all 20 before
        // the consumer runs: the first goes to it, the rest meet the buffer's policy.
        const reference = offerReference(kind, sent.slice(1));
        const expected = sendsCanWait(kind) ? sent : [sent[0], ...reference.buffered];
        assertSame(got, expected, "received");
        assertSame(undelivered, sendsCanWait(kind) ? [] : reference.dropped, "undelivered");
        assertStats(ch, {
          sent: 20,
          received: got.length,
          dropped: undelivered.length,
          undelivered: undelivered.length,
          closed: true,
        });
      }));

    test("trySend and tryReceive follow the buffer and the overflow policy, with tagged results", () => {
      const { ch, undelivered } = recording<E>(kind);
      const offered = elements(kind.size === Infinity ? 25 : kind.size + 3);
      const results = offered.map((element) => ch.trySend(element));
      const reference = offerReference(kind, offered);
      results.forEach((result, i) =>
        assert.deepEqual(result, reference.full.includes(offered[i]) ? { ok: false, reason: "full" } : { ok: true }, `trySend #${i}`),
      );
      assertSame(undelivered, reference.dropped, "dropped to onUndelivered, once each");
      const accepted = offered.length - reference.full.length;
      assertStats(ch, {
        sent: accepted,
        buffered: reference.buffered.length,
        dropped: reference.dropped.length,
        undelivered: reference.dropped.length,
      });
      const got: E[] = [];
      for (let result = ch.tryReceive(); result.ok; result = ch.tryReceive()) got.push(result.value);
      assertSame(got, reference.buffered, "tryReceive drains the buffer in order");
      assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" });
      assertStats(ch, {
        sent: accepted,
        received: got.length,
        dropped: reference.dropped.length,
        undelivered: reference.dropped.length,
      });
    });

    test("trySend hands to a waiting receiver; tryReceive takes from a waiting sender", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const [x] = elements(1, "x");
        const receiver = yield* spawn(function* () {
          return yield* ch.receive();
        });
        yield* yieldNow();
        assertStats(ch, { waitingReceivers: 1 });
        assert.deepEqual(ch.trySend(x), { ok: true });
        assert.equal(yield* receiver, x);
        assertStats(ch, { sent: 1, received: 1 });
        if (!sendsCanWait(kind)) return;
        const buffered = elements(kind.size, "b");
        for (const element of buffered) assert.deepEqual(ch.trySend(element), { ok: true });
        const [w] = elements(1, "w");
        const sender = yield* spawn(function* () {
          yield* ch.send(w);
          return "sent";
        });
        yield* yieldNow();
        assertStats(ch, { sent: 1 + kind.size, received: 1, buffered: kind.size, waitingSenders: 1 });
        const got: E[] = [];
        for (let result = ch.tryReceive(); result.ok; result = ch.tryReceive()) got.push(result.value);
        assertSame(got, [...buffered, w], "the waiting sender's element comes after the buffer");
        assert.equal(yield* sender, "sent");
        assertStats(ch, { sent: 2 + kind.size, received: 2 + kind.size });
        assert.deepEqual(undelivered, []);
      }));

    for (const cause of [undefined, new Error("no more")]) {
      test(`receiveCatching tells elements from closed ${cause === undefined ? "(no cause)" : "(with the cause)"}`, () =>
        runTest(function* () {
          const { ch } = recording<E>(kind);
          const [a, b] = elements(2);
          yield* spawn(function* () {
            yield* ch.send(a);
            yield* ch.send(b);
            ch.close(cause);
          });
          const results = [yield* ch.receiveCatching(), yield* ch.receiveCatching(), yield* ch.receiveCatching()];
          const closed = cause === undefined ? { ok: false, reason: "closed" } : { ok: false, reason: "closed", cause };
          assert.deepEqual(results, [{ ok: true, value: a }, { ok: true, value: b }, closed]);
          assert.equal((results[0] as { value: E }).value, a);
          assert.deepEqual(yield* ch.receiveCatching(), closed, "stays closed");
          assertStats(ch, { sent: 2, received: 2, closed: true });
        }));
    }

    test("close(cause): buffered elements and senders already waiting still deliver, then receivers see closed", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind, "jobs");
        const buffered = elements(fill(kind), "b");
        for (const element of buffered) assert.deepEqual(ch.trySend(element), { ok: true });
        const [w, z] = [...elements(1, "w"), ...elements(1, "z")];
        let sender: Task<string> | null = null;
        if (sendsCanWait(kind)) {
          sender = yield* spawn(function* () {
            yield* ch.send(w);
            return "delivered";
          });
          yield* yieldNow();
          assert.equal(ch.stats().waitingSenders, 1);
        }
        const cause = new Error("shutting down");
        assert.equal(ch.close(cause), true);
        assert.equal(ch.isClosedForSend, true);
        assert.equal(ch.isClosedForReceive, false, "elements are still to be received");

        // New sends are refused: trySend only offers (the caller keeps z); send() takes ownership.
        assert.deepEqual(ch.trySend(z), { ok: false, reason: "closed", cause });
        assert.deepEqual(undelivered, []);
        assertClosedError(yield* thrown(ch.send(z)), cause, 'channel "jobs"');
        assertSame(undelivered, [z], "a refused send() hands its element to onUndelivered");

        const expected = sender === null ? buffered : [...buffered, w];
        const got: E[] = [];
        for (let i = 0; i < expected.length; i++) got.push(yield* ch.receive());
        assertSame(got, expected, "drained after close");
        if (sender !== null) assert.equal(yield* sender, "delivered", "a sender waiting at close still delivers");
        assert.equal(ch.isClosedForReceive, true);
        assertClosedError(yield* thrown(ch.receive()), cause, 'channel "jobs"');
        assert.deepEqual(yield* ch.receiveCatching(), { ok: false, reason: "closed", cause });
        assert.deepEqual(ch.tryReceive(), { ok: false, reason: "closed", cause });
        assertStats(ch, { sent: expected.length, received: expected.length, undelivered: 1, closed: true });
      }));

    test("close wakes waiting receivers with closed", () =>
      runTest(function* () {
        const { ch } = recording<E>(kind, "idle");
        const cause = new Error("bye");
        const plain = yield* spawn(function* () {
          return yield* thrown(ch.receive());
        });
        const catching = yield* spawn(function* () {
          return yield* ch.receiveCatching();
        });
        yield* yieldNow();
        assertStats(ch, { waitingReceivers: 2 });
        ch.close(cause);
        assertStats(ch, { closed: true });
        assertClosedError(yield* plain, cause, 'channel "idle"');
        assert.deepEqual(yield* catching, { ok: false, reason: "closed", cause });
      }));

    test("close twice returns false and changes nothing; cancel after close still cancels, once", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind);
        const buffered = elements(fill(kind));
        for (const element of buffered) ch.trySend(element);
        const first = new Error("first");
        assert.equal(ch.close(first), true);
        const before = ch.stats();
        assert.equal(ch.close(new Error("second")), false);
        assert.equal(ch.close(), false);
        assert.deepEqual(ch.stats(), before);
        assert.deepEqual(ch.trySend({ id: "late" }), { ok: false, reason: "closed", cause: first }, "the first cause stays");
        assert.equal(ch.cancel(new Error("third")), true);
        assert.equal(ch.cancel(), false);
        assert.equal(ch.close(), false);
        assertSame(undelivered, buffered, "cancel after close drops what was left");
        assert.deepEqual(ch.tryReceive(), { ok: false, reason: "closed", cause: first }, "cancel keeps close's cause");
        assertStats(ch, { sent: buffered.length, undelivered: buffered.length, closed: true, cancelled: true });
      }));

    test("cancel(cause) drops the buffer to onUndelivered and fails waiting senders", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind, "work");
        const buffered = elements(fill(kind), "b");
        for (const element of buffered) ch.trySend(element);
        const waiting = sendsCanWait(kind) ? elements(2, "w") : [];
        const senders: Task<unknown>[] = [];
        for (const element of waiting) {
          senders.push(
            yield* spawn(function* () {
              return yield* thrown(ch.send(element));
            }),
          );
        }
        yield* yieldNow();
        assert.equal(ch.stats().waitingSenders, waiting.length);
        const cause = new Error("abort");
        assert.equal(ch.cancel(cause), true);
        assert.equal(ch.isClosedForSend, true);
        assert.equal(ch.isClosedForReceive, true, "nothing is left to receive");
        assertSame(undelivered, [...buffered, ...waiting], "buffer first, then the waiting senders' elements, each once");
        for (const sender of senders) assertClosedError(yield* sender, cause, 'channel "work"', true);
        assert.deepEqual(ch.tryReceive(), { ok: false, reason: "closed", cause });
        assertClosedError(yield* thrown(ch.receive()), cause, 'channel "work"', true);
        const [late] = elements(1, "late");
        assertClosedError(yield* thrown(ch.send(late)), cause, 'channel "work"', true);
        assertSame(undelivered, [...buffered, ...waiting, late]);
        assertStats(ch, {
          sent: buffered.length,
          undelivered: buffered.length + waiting.length + 1,
          closed: true,
          cancelled: true,
        });
      }));

    test("cancel(cause) fails waiting receivers", () =>
      runTest(function* () {
        const { ch, undelivered } = recording<E>(kind, "feed");
        const cause = new Error("gone");
        const plain = yield* spawn(function* () {
          return yield* thrown(ch.receive());
        });
        const catching = yield* spawn(function* () {
          return yield* ch.receiveCatching();
        });
        yield* yieldNow();
        assert.equal(ch.cancel(cause), true);
        assertClosedError(yield* plain, cause, 'channel "feed"', true);
        assert.deepEqual(yield* catching, { ok: false, reason: "closed", cause });
        assert.deepEqual(undelivered, []);
        assertStats(ch, { closed: true, cancelled: true });
      }));

    if (drops(kind) || kind.size === Infinity) {
      test("send() never waits; overflow drops go to onUndelivered exactly once", () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const sent = elements(kind.size === Infinity ? 300 : kind.size + 7);
          for (const element of sent) yield* ch.send(element); // would hang if a send waited
          const reference = offerReference(kind, sent);
          assertSame(undelivered, reference.dropped);
          assertStats(ch, {
            sent: sent.length,
            buffered: reference.buffered.length,
            dropped: reference.dropped.length,
            undelivered: reference.dropped.length,
          });
          const got: E[] = [];
          for (let i = 0; i < reference.buffered.length; i++) got.push(yield* ch.receive());
          assertSame(got, reference.buffered);
          assertSame(undelivered, reference.dropped, "nothing else is dropped");
        }));
    } else {
      test("send() waits while the buffer is full, and resumes in order as receivers take", () =>
        runTest(function* () {
          const { ch, undelivered } = recording<E>(kind);
          const sent = elements(kind.size + 3);
          let done = 0;
          yield* spawn(function* () {
            for (const element of sent) {
              yield* ch.send(element);
              done++;
            }
          });
          yield* yieldNow();
          assert.equal(done, kind.size, "sends into free buffer space complete at once");
          assertStats(ch, { sent: kind.size, buffered: kind.size, waitingSenders: 1 });
          const got: E[] = [];
          for (const _ of sent) got.push(yield* ch.receive());
          assertSame(got, sent);
          yield* yieldNow();
          assert.equal(done, sent.length);
          assert.deepEqual(undelivered, []);
          assertStats(ch, { sent: sent.length, received: sent.length });
        }));
    }

    test("for await from async code receives until close", async () => {
      const { ch, undelivered } = recording<E>(kind);
      const sent = elements(6);
      const producer = runTest(function* () {
        for (const element of sent) {
          yield* ch.send(element);
          yield* sleep(1);
        }
        ch.close();
      });
      const got: E[] = [];
      for await (const element of ch) got.push(element);
      await producer;
      // The producer sleeps between sends, but the iterator runs on the host's
      // event loop: a dropping kind may still drop. Everything is accounted for.
      if (!drops(kind)) assertSame(got, sent);
      assertSame([...got, ...undelivered].sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1))), sent, "each element once");
      assertStats(ch, { sent: 6, received: got.length, dropped: undelivered.length, undelivered: undelivered.length, closed: true });
    });

    test("for await throws ChannelClosed after draining when closed with a cause", async () => {
      const { ch } = recording<E>(kind, "stream");
      const [a] = elements(1);
      const cause = new Error("upstream failed");
      const producer = runTest(function* () {
        yield* ch.send(a);
        ch.close(cause);
      });
      const got: E[] = [];
      await assert.rejects(
        (async () => {
          for await (const element of ch) got.push(element);
        })(),
        (error: unknown) => {
          assertClosedError(error, cause, 'channel "stream"');
          return true;
        },
      );
      await producer;
      assertSame(got, [a]);
    });

    test("each(body) runs a function or a generator per element and ends on close", () =>
      runTest(function* () {
        const { ch } = recording<E>(kind);
        const sent = elements(4);
        yield* spawn(function* () {
          for (const element of sent) yield* ch.send(element);
          yield* sleep(10);
          ch.close();
        });
        const got: E[] = [];
        yield* ch.each(function* (element) {
          got.push(element);
          if (got.length === 1) yield* sleep(5); // a slow body: later elements wait (or meet the policy)
        });
        if (!drops(kind)) assertSame(got, sent);
        else assert.equal(got[0], sent[0], "the first went straight to the waiting loop");

        const second = recording<E>(kind);
        const [a] = elements(1, "a");
        yield* spawn(function* () {
          yield* second.ch.send(a);
          second.ch.close();
        });
        const plain: E[] = [];
        yield* second.ch.each((element) => {
          plain.push(element);
        });
        assertSame(plain, [a]);
        assertStats(second.ch, { sent: 1, received: 1, closed: true });
      }));

    test("each(body) throws ChannelClosed with the cause after the last element", () =>
      runTest(function* () {
        const { ch } = recording<E>(kind, "src");
        const cause = new Error("broken");
        const [a] = elements(1);
        yield* spawn(function* () {
          yield* ch.send(a);
          ch.close(cause);
        });
        const got: E[] = [];
        const error = yield* thrown(ch.each((element) => void got.push(element)));
        assertClosedError(error, cause, 'channel "src"');
        assertSame(got, [a]);
      }));

    test("elements are handed over by reference, never copied", () =>
      runTest(function* () {
        const { ch } = recording<Uint8Array>(kind);
        const descriptor = new Uint8Array(1024);
        const receiver = yield* spawn(function* () {
          return yield* ch.receive();
        });
        yield* yieldNow();
        yield* ch.send(descriptor);
        const received = yield* receiver;
        assert.equal(received, descriptor);
        received[0] = 42;
        assert.equal(descriptor[0], 42, "the receiver writes into the sender's buffer");
        if (kind.size > 0) {
          ch.trySend(descriptor);
          const result = ch.tryReceive();
          assert.ok(result.ok && result.value === descriptor);
        }
      }));
  });
}

describe("channel: edge cases", () => {
  test("regression: cancel() hands every element to onUndelivered even when the callback throws, then rethrows", () =>
    runTest(function* () {
      const handed: string[] = [];
      const failure = new Error("callback failed");
      const ch = make<string>(kinds[1], {
        onUndelivered: (element) => {
          handed.push(element);
          if (element === "b") throw failure;
        },
      });
      ch.trySend("b");
      const sender = yield* spawn(function* () {
        return yield* thrown(ch.send("w"));
      });
      yield* yieldNow();
      assert.throws(() => ch.cancel(), (error: unknown) => error === failure);
      assert.deepEqual(handed, ["b", "w"], "the waiting sender's element too, after the throw");
      assert.ok((yield* sender) instanceof ChannelClosed);
      assertStats(ch, { sent: 1, undelivered: 2, closed: true, cancelled: true });
      // Several failures come back together.
      const many = make<string>(kinds[2], {
        onUndelivered: (element) => {
          throw new Error(element);
        },
      });
      many.trySend("x");
      many.trySend("y");
      assert.throws(
        () => many.cancel(),
        (error: unknown) => error instanceof AggregateError && error.errors.map((e: Error) => e.message).join() === "x,y",
      );
      assertStats(many, { sent: 2, undelivered: 2, closed: true, cancelled: true });
    }));

  test("an operation object run twice is two operations", () =>
    runTest(function* () {
      const ch = make<string>(kinds[3]);
      const send = ch.send("again");
      yield* send;
      yield* send;
      const receive = ch.receive();
      assert.equal(yield* receive, "again");
      assert.equal(yield* receive, "again");
      assertStats(ch, { sent: 2, received: 2 });
    }));

  test("a channel's name appears in its errors and stats; unnamed channels are numbered", () => {
    const named = make<number>(kinds[0], { name: "orders" });
    const unnamed = make<number>(kinds[0]);
    assert.equal(named.stats().name, 'channel "orders"');
    assert.match(unnamed.name, /^channel #\d+$/);
  });
});

describe("channel with using", () => {
  test("leaving a using block closes the channel; what is buffered still drains", () =>
    runTest(function* () {
      const outer = channel<number>(2);
      {
        using jobs = outer;
        jobs.trySend(1);
      }
      assert.equal(outer.isClosedForSend, true);
      assert.deepEqual(outer.tryReceive(), { ok: true, value: 1 });
      assert.deepEqual(outer.tryReceive(), { ok: false, reason: "closed" });
    }));
});
