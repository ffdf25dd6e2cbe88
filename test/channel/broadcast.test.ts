// broadcast(): one sender, many subscribers with their own buffers and
// policies; all-or-nothing delivery; pacing by full "suspend" subscribers;
// unsubscribing (task end, unsubscribe, using, break); close; select; and a
// seeded model-based test against a reference of per-subscriber queues.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { broadcast, ChannelClosed, onDefault, select, sleep, spawn, yieldNow, type Subscription } from "../../src/index.js";
import { broadcast as fromChannelEntry } from "../../src/channel/index.js";
import { runTest, seededRandom } from "../../src/testing/index.js";

describe("broadcast", () => {
  test("every subscriber receives every element, in order", () =>
    runTest(function* () {
      const news = broadcast<string>({ name: "news" });
      const readers = [];
      for (const who of ["a", "b", "c"]) {
        readers.push(
          yield* spawn(function* () {
            const feed = yield* news.subscribe();
            const got: string[] = [];
            for (let i = 0; i < 3; i++) got.push(`${who}:${yield* feed.receive()}`);
            return got;
          }),
        );
      }
      yield* yieldNow(); // the readers subscribe
      for (const item of ["x", "y", "z"]) yield* news.send(item);
      for (const [i, reader] of readers.entries()) {
        const who = "abc"[i];
        assert.deepEqual(yield* reader, [`${who}:x`, `${who}:y`, `${who}:z`]);
      }
    }));

  test("a send with no subscribers completes at once; the element is gone", () =>
    runTest(function* () {
      const news = broadcast<number>();
      yield* news.send(1);
      assert.deepEqual(news.trySend(2), { ok: true });
      const feed = yield* news.subscribe();
      yield* news.send(3);
      assert.deepEqual(feed.tryReceive(), { ok: true, value: 3 });
      assert.deepEqual(feed.tryReceive(), { ok: false, reason: "empty" });
    }));

  test("a full suspend subscriber paces the sender; delivery is all or nothing", () =>
    runTest(function* ({ clock }) {
      const news = broadcast<number>({ capacity: 1 });
      const slow = yield* news.subscribe();
      const fast = yield* news.subscribe({ capacity: 10 });
      yield* news.send(1);
      assert.deepEqual(news.trySend(2), { ok: false, reason: "full" });
      assert.equal(fast.stats().buffered, 1, "the refused element reached nobody");
      const sender = yield* spawn(function* () {
        yield* news.send(2);
        return clock.now();
      });
      yield* sleep(10);
      assert.equal(fast.stats().buffered, 1, "still waiting: nobody has 2");
      assert.equal(yield* slow.receive(), 1); // room: the send goes through
      assert.equal(yield* sender, 10);
      assert.deepEqual([fast.tryReceive(), fast.tryReceive()], [
        { ok: true, value: 1 },
        { ok: true, value: 2 },
      ]);
    }));

  test("a drop-policy subscriber never makes the sender wait", () =>
    runTest(function* () {
      const news = broadcast<number>();
      const newest = yield* news.subscribe({ capacity: 1, onOverflow: "drop-oldest" });
      const dropped: number[] = [];
      const first = yield* news.subscribe({ capacity: 1, onOverflow: "drop-latest", onUndelivered: (n) => dropped.push(n) });
      for (let n = 1; n <= 5; n++) yield* news.send(n);
      assert.deepEqual(newest.tryReceive(), { ok: true, value: 5 });
      assert.deepEqual(first.tryReceive(), { ok: true, value: 1 });
      assert.deepEqual(dropped, [2, 3, 4, 5]);
    }));

  test("a send cancelled while it waits has delivered to nobody", () =>
    runTest(function* () {
      const news = broadcast<number>({ capacity: 1 });
      const full = yield* news.subscribe();
      const other = yield* news.subscribe({ capacity: 5 });
      news.trySend(1);
      const sender = yield* spawn(() => news.send(2));
      yield* sleep(1);
      yield* sender.cancel();
      yield* full.receive();
      assert.deepEqual(other.tryReceive(), { ok: true, value: 1 });
      assert.deepEqual(other.tryReceive(), { ok: false, reason: "empty" });
      assert.equal(news.trySend(3).ok, true);
    }));

  test("a subscription ends with its task; a full one leaving lets the sender go on", () =>
    runTest(function* () {
      const news = broadcast<number>({ capacity: 1 });
      let feed: Subscription<number> | undefined;
      const subscriber = yield* spawn(function* () {
        feed = yield* news.subscribe();
        yield* sleep(1_000); // never reads
      });
      yield* yieldNow();
      assert.equal(news.subscribers, 1);
      yield* news.send(1);
      const sender = yield* spawn(() => news.send(2));
      yield* sleep(5);
      yield* subscriber.cancel();
      yield* sender;
      assert.equal(news.subscribers, 0);
      assert.equal(feed!.isClosedForReceive, true);
    }));

  test("unsubscribe(), using and break out of for await end a subscription", async () => {
    const news = broadcast<number>();
    await runTest(function* () {
      const a = yield* news.subscribe();
      assert.equal(a.unsubscribe(), true);
      assert.equal(a.unsubscribe(), false);
      {
        using b = yield* news.subscribe();
        assert.equal(news.subscribers, 1);
        void b;
      }
      assert.equal(news.subscribers, 0);
    });
    let subscription: Subscription<number> | undefined;
    await runTest(function* () {
      subscription = yield* news.subscribe();
      news.trySend(1);
      news.trySend(2);
    });
    // (the test task ended, so it unsubscribed: async code subscribes through a long-lived task)
    assert.equal(subscription!.isClosedForReceive, true);
    const { run } = await import("../../src/index.js");
    const holder = run(function* () {
      subscription = yield* news.subscribe();
      yield* sleep(Infinity);
    });
    await new Promise((resolve) => setTimeout(resolve, 1));
    news.trySend(1);
    news.trySend(2);
    for await (const n of subscription!) {
      assert.equal(n, 1);
      break;
    }
    assert.equal(news.subscribers, 0);
    await holder.cancel();
  });

  test("close(): subscribers drain, then see closed (with the cause); sends throw; late subscribers get a closed channel", () =>
    runTest(function* () {
      const news = broadcast<number>({ name: "news" });
      const feed = yield* news.subscribe();
      yield* news.send(1);
      const cause = new Error("shutting down");
      assert.equal(news.close(cause), true);
      assert.equal(news.close(), false);
      assert.equal(yield* feed.receive(), 1);
      const end = yield* feed.receiveCatching();
      assert.equal(end.ok, false);
      assert.equal((end as { cause?: unknown }).cause, cause);
      let thrown: unknown;
      try {
        yield* news.send(2);
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof ChannelClosed);
      assert.equal((thrown as Error).message, 'broadcast "news" is closed: shutting down');
      assert.deepEqual(news.trySend(3), { ok: false, reason: "closed", cause });
      const late = yield* news.subscribe();
      assert.equal(late.isClosedForReceive, true);
    }));

  test("a waiting sender sees close() and throws", () =>
    runTest(function* () {
      const news = broadcast<number>({ capacity: 1 });
      yield* news.subscribe();
      news.trySend(1);
      const sender = yield* spawn(function* () {
        try {
          yield* news.send(2);
        } catch (error) {
          return error;
        }
      });
      yield* sleep(1);
      news.close();
      assert.ok((yield* sender) instanceof ChannelClosed);
    }));

  test("onSend and a subscription's onReceive are select clauses", () =>
    runTest(function* () {
      const news = broadcast<number>({ capacity: 1 });
      const feed = yield* news.subscribe();
      assert.equal(yield* select(news.onSend(1, () => "sent"), onDefault(() => "full")), "sent");
      assert.equal(yield* select(news.onSend(2, () => "sent"), onDefault(() => "full")), "full");
      const sender = yield* spawn(() => select(news.onSend(2, () => "sent later")));
      yield* sleep(1);
      assert.equal(yield* select(feed.onReceive((n) => `got ${n}`)), "got 1");
      assert.equal(yield* sender, "sent later");
      assert.equal(yield* select(feed.onReceive((n) => `got ${n}`)), "got 2");
    }));

  test("model: random try-operations against per-subscriber reference queues (seeded)", () => {
    const seed = Number(process.env.STRAND_BROADCAST_SEED ?? 0xb40adca57);
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    type Policy = "suspend" | "drop-oldest" | "drop-latest";
    interface ModelSub {
      capacity: number;
      policy: Policy;
      queue: number[];
      open: boolean;
      real: Subscription<number>;
    }
    return runTest(function* () {
      for (let round = 0; round < 100; round++) {
        const news = broadcast<number>();
        const subs: ModelSub[] = [];
        let closed = false;
        let next = 0;
        const trace: string[] = [];
        const where = () => `seed ${seed}, round ${round}, after: ${trace.slice(-8).join("; ")}`;
        for (let step = 0; step < 60; step++) {
          const action = pick(["subscribe", "send", "send", "send", "receive", "receive", "receive", "unsubscribe", "close"] as const);
          if (action === "subscribe") {
            const capacity = 1 + Math.floor(random() * 3);
            const policy = pick(["suspend", "drop-oldest", "drop-latest"] as const);
            const real = yield* news.subscribe({ capacity, onOverflow: policy });
            subs.push({ capacity, policy, queue: [], open: !closed, real });
            trace.push(`subscribe ${capacity} ${policy}`);
          } else if (action === "send") {
            const value = next++;
            const live = subs.filter((sub) => sub.open);
            const expected: string = closed ? "closed" : live.some((sub) => sub.policy === "suspend" && sub.queue.length >= sub.capacity) ? "full" : "ok";
            if (expected === "ok") {
              for (const sub of live) {
                if (sub.queue.length < sub.capacity) sub.queue.push(value);
                else if (sub.policy === "drop-oldest") sub.queue.splice(0, 1), sub.queue.push(value);
              }
            }
            const got = news.trySend(value);
            trace.push(`send ${value}: ${got.ok ? "ok" : got.reason}`);
            assert.equal(got.ok ? "ok" : got.reason, expected, where());
          } else if (action === "receive" && subs.length > 0) {
            const sub = pick(subs);
            const got = sub.real.tryReceive();
            const want: unknown = sub.queue.length > 0 ? { ok: true, value: sub.queue.shift() } : { ok: false, reason: sub.open && !closed ? "empty" : "closed" };
            trace.push(`receive ${subs.indexOf(sub)}: ${JSON.stringify(got)}`);
            assert.deepEqual(got.ok ? { ok: true, value: got.value } : { ok: false, reason: got.reason }, want, where());
          } else if (action === "unsubscribe" && subs.length > 0) {
            const sub = pick(subs);
            sub.real.unsubscribe();
            sub.open = false;
            sub.queue = [];
            trace.push(`unsubscribe ${subs.indexOf(sub)}`);
          } else if (action === "close" && random() < 0.2) {
            news.close();
            closed = true;
            trace.push("close");
          }
          // Closing keeps the subscriptions (they drain); unsubscribing, or subscribing after the close, does not count.
          assert.equal(news.subscribers, subs.filter((sub) => sub.open).length, where());
        }
        for (const sub of subs) sub.real.unsubscribe();
      }
    });
  });

  test("randomized: a sender and slow subscribers of every policy, with real waiting (seeded)", async () => {
    const seed = Number(process.env.STRAND_BROADCAST_SEED ?? 20261127);
    const random = seededRandom(seed);
    for (let round = 0; round < 30; round++) {
      const count = 1 + Math.floor(random() * 40);
      const specs = Array.from({ length: 1 + Math.floor(random() * 5) }, () => ({
        capacity: 1 + Math.floor(random() * 4),
        policy: (["suspend", "drop-oldest", "drop-latest"] as const)[Math.floor(random() * 3)]!,
        pause: Math.floor(random() * 4),
      }));
      const message = `seed ${seed}, round ${round}: ${count} elements, subscribers ${JSON.stringify(specs)}`;
      await runTest(
        function* () {
          const news = broadcast<number>();
          const readers = [];
          for (const spec of specs) {
            readers.push(
              yield* spawn(function* () {
                const feed = yield* news.subscribe({ capacity: spec.capacity, onOverflow: spec.policy });
                const got: number[] = [];
                yield* feed.each(function* (n) {
                  got.push(n);
                  if (spec.pause > 0) yield* sleep(spec.pause);
                });
                return got;
              }),
            );
          }
          yield* yieldNow();
          for (let n = 1; n <= count; n++) {
            yield* news.send(n);
            if (random() < 0.3) yield* sleep(1);
          }
          news.close();
          for (const [i, reader] of readers.entries()) {
            const got = yield* reader;
            const spec = specs[i]!;
            for (let k = 1; k < got.length; k++) assert.ok(got[k - 1]! < got[k]!, `${message}: subscriber ${i} out of order: ${got}`);
            if (spec.policy === "suspend") assert.deepEqual(got, Array.from({ length: count }, (_, k) => k + 1), `${message}: subscriber ${i}`);
            if (spec.policy === "drop-oldest") assert.equal(got.at(-1), count, `${message}: subscriber ${i} misses the newest`);
            if (spec.policy === "drop-latest") assert.equal(got[0], 1, `${message}: subscriber ${i} misses the first`);
          }
        },
        { seed: seed + round },
      );
    }
  });

  test("exported from strand/channel too", () => {
    assert.equal(fromChannelEntry, broadcast);
  });

  test("bad input names the argument", () =>
    runTest(function* () {
      assert.throws(() => broadcast(5 as never), { name: "TypeError", message: "broadcast(options): options must be an object, got 5" });
      assert.throws(() => broadcast({ capacity: -1 }), { name: "RangeError", message: /^broadcast\(options\): capacity must be an integer ≥ 0/ });
      assert.throws(() => broadcast({ onOverflow: "sometimes" as never }), {
        name: "TypeError",
        message: 'broadcast(options): onOverflow must be "suspend", "drop-oldest" or "drop-latest", got sometimes',
      });
      const news = broadcast<number>({ name: "news" });
      assert.throws(() => news.subscribe({ capacity: "lots" as never }), {
        name: "TypeError",
        message: 'broadcast "news".subscribe(options): capacity must be an integer ≥ 0, "unlimited" or "conflated", got "lots"',
      });
      assert.throws(() => news.onSend(1, 5 as never), { name: "TypeError", message: 'broadcast "news".onSend(value, handler): handler must be a function' });
    }));
});
