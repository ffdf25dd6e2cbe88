// forEach / map: lazy pulls, the concurrency limit, results in input order,
// a failure cancelling the rest and closing the source, cancellation, bad input.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { channel, ChannelClosed, forEach, map, sleep, spawn, suspend, type Operation } from "../../src/index.js";
import { runTest, seededRandom } from "../../src/testing/index.js";

/** A sync source that logs each pull and whether it was closed. */
function* numbers(log: string[], count: number): Generator<number> {
  try {
    for (let i = 0; i < count; i++) {
      log.push(`pull ${i}`);
      yield i;
    }
  } finally {
    log.push("source closed");
  }
}

describe("forEach and map", () => {
  test("map returns results in input order; at most `concurrency` run at once", () =>
    runTest(function* ({ clock }) {
      let live = 0;
      let most = 0;
      const results = yield* map(
        [50, 10, 30, 20, 40],
        function* (ms, index) {
          most = Math.max(most, ++live);
          yield* sleep(ms);
          live--;
          return `${index}: ${ms} ms, done at ${clock.now()}`;
        },
        { concurrency: 2 },
      );
      assert.deepEqual(results, ["0: 50 ms, done at 50", "1: 10 ms, done at 10", "2: 30 ms, done at 40", "3: 20 ms, done at 60", "4: 40 ms, done at 90"]);
      assert.equal(most, 2);
    }));

  test("items are pulled lazily: one pull per free slot, never ahead", () =>
    runTest(function* () {
      const log: string[] = [];
      yield* forEach(
        numbers(log, 4),
        function* (n) {
          log.push(`start ${n}`);
          yield* sleep(10 * (n + 1));
          log.push(`end ${n}`);
        },
        { concurrency: 2 },
      );
      // The source's finally runs when a free worker finds it exhausted (after "end 2").
      assert.deepEqual(log, ["pull 0", "start 0", "pull 1", "start 1", "end 0", "pull 2", "start 2", "end 1", "pull 3", "start 3", "end 2", "source closed", "end 3"]);
    }));

  test("the default concurrency is 1: one after another", () =>
    runTest(function* ({ clock }) {
      const ends: number[] = [];
      yield* forEach([10, 10, 10], function* (ms) {
        yield* sleep(ms);
        ends.push(clock.now());
      });
      assert.deepEqual(ends, [10, 20, 30]);
    }));

  test("concurrency Infinity runs every item at once", () =>
    runTest(function* ({ clock }) {
      yield* forEach(
        Array.from({ length: 100 }, (_, i) => i),
        function* () {
          yield* sleep(10);
        },
        { concurrency: Infinity },
      );
      assert.equal(clock.now(), 10);
    }));

  test("an async iterable source, and an empty one", () =>
    runTest(function* () {
      async function* letters() {
        for (const letter of "abc") {
          await null;
          yield letter;
        }
      }
      const upper = yield* map(
        letters(),
        function* (letter) {
          yield* sleep(1);
          return letter.toUpperCase();
        },
        { concurrency: 2 },
      );
      assert.deepEqual(upper, ["A", "B", "C"]);
      assert.deepEqual(yield* map([], function* () {}), []);
    }));

  test("a channel source is received from until it is closed (its cause thrown); it is not cancelled on failure", () =>
    runTest(function* () {
      const jobs = channel<number>(4);
      for (let n = 1; n <= 4; n++) jobs.trySend(n);
      jobs.close();
      const doubled = yield* map(
        jobs,
        function* (n) {
          yield* sleep(5 - n);
          return n * 2;
        },
        { concurrency: 2 },
      );
      assert.deepEqual(doubled, [2, 4, 6, 8]);

      const failing = channel<number>(2);
      failing.trySend(1);
      failing.close(new Error("upstream failed"));
      let thrown: unknown;
      try {
        yield* forEach(failing, function* () {});
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof ChannelClosed);
      assert.equal(((thrown as ChannelClosed).cause as Error).message, "upstream failed");

      const shared = channel<number>(4);
      for (let n = 1; n <= 4; n++) shared.trySend(n);
      try {
        yield* forEach(shared, function* (n) {
          if (n === 2) throw new Error("two");
        });
      } catch {
        // expected
      }
      assert.deepEqual(shared.tryReceive(), { ok: true, value: 3 }, "the channel stays open for other receivers");
    }));

  test("a failure cancels the running bodies, stops the pulls, closes the source, and is thrown", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const boom = new Error("item 2 failed");
      let thrown: unknown;
      try {
        yield* forEach(
          numbers(log, 100),
          function* (n) {
            try {
              yield* sleep(n === 2 ? 5 : 100);
              if (n === 2) throw boom;
            } finally {
              log.push(`finally ${n}`);
            }
          },
          { concurrency: 3 },
        );
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      assert.equal(clock.now(), 5);
      assert.deepEqual(log, ["pull 0", "pull 1", "pull 2", "finally 2", "finally 1", "finally 0", "source closed"]);
    }));

  test("a failed async source closes too (its finally runs)", () =>
    runTest(function* () {
      const log: string[] = [];
      async function* feed() {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          log.push("feed closed");
        }
      }
      let thrown: unknown;
      try {
        yield* forEach(feed(), function* (n) {
          if (n === 3) throw new Error("three");
          yield* sleep(1);
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal((thrown as Error).message, "three");
      yield* sleep(1); // the async source closes in the background
      assert.deepEqual(log, ["feed closed"]);
    }));

  test("cancelling the caller tears down the bodies and closes the source", () =>
    runTest(function* () {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        yield* forEach(
          numbers(log, 100),
          function* (n) {
            try {
              yield* suspend();
            } finally {
              yield* sleep(1); // a teardown that suspends: nothing is pulled after it
              log.push(`finally ${n}`);
            }
          },
          { concurrency: 2 },
        );
      });
      yield* sleep(10);
      yield* task.cancel();
      assert.deepEqual(log, ["pull 0", "pull 1", "finally 1", "finally 0", "source closed"]);
    }));

  test("randomized: results, the limit and lazy pulls hold for any durations and limit (seeded)", async () => {
    const seed = Number(process.env.STRAND_FOREACH_SEED ?? 20261127);
    const random = seededRandom(seed);
    for (let round = 0; round < 200; round++) {
      const count = Math.floor(random() * 30);
      const limit = 1 + Math.floor(random() * 8);
      const durations = Array.from({ length: count }, () => 1 + Math.floor(random() * 20));
      const message = `seed ${seed}, round ${round}: ${count} items, concurrency ${limit}, durations ${durations.join(",")}`;
      await runTest(function* () {
        let live = 0;
        let most = 0;
        let pulled = 0;
        let finished = 0;
        function* source(): Generator<number> {
          for (const ms of durations) {
            pulled++;
            assert.ok(pulled - finished <= limit, `${message}: pulled ahead`);
            yield ms;
          }
        }
        const results = yield* map(
          source(),
          function* (ms, index): Operation<number> {
            most = Math.max(most, ++live);
            yield* sleep(ms);
            live--;
            finished++;
            return index * 1000 + ms;
          },
          { concurrency: limit },
        );
        assert.deepEqual(
          results,
          durations.map((ms, index) => index * 1000 + ms),
          message,
        );
        assert.equal(most, Math.min(limit, count), message);
      });
    }
  });

  test("a body that returns something other than an operation is a TypeError naming the item", async () => {
    await assert.rejects(
      runTest(function* () {
        yield* forEach([1, 2], ((n: number) => (n === 2 ? 42 : sleep(1))) as never);
      }),
      { name: "TypeError", message: "forEach(items, body, options): body returned 42 for item 1, expected an operation (use a generator function)" },
    );
  });

  test("bad input names the argument", () => {
    const body = function* () {};
    assert.throws(() => forEach(42 as never, body), {
      name: "TypeError",
      message: "forEach(items, body, options): items must be an iterable or an async iterable (not a Strand operation), got 42",
    });
    assert.throws(() => map(sleep(1) as never, body), {
      name: "TypeError",
      message: "map(items, body, options): items must be an iterable or an async iterable (not a Strand operation), got an object",
    });
    assert.throws(() => forEach([1], "body" as never), {
      name: "TypeError",
      message: 'forEach(items, body, options): body must be a function, got "body"',
    });
    assert.throws(() => forEach([1], (async () => {}) as never), {
      name: "TypeError",
      message: "forEach(items, body, options): body is an async function; it must be a generator function (function* (item, index) {...})",
    });
    for (const concurrency of [0, 1.5, -1, NaN, "8"]) {
      assert.throws(() => map([1], body, { concurrency: concurrency as number }), {
        name: "RangeError",
        message: `map(items, body, options): concurrency must be an integer ≥ 1 or Infinity, got ${typeof concurrency === "string" ? `"${concurrency}"` : concurrency}`,
      });
    }
    assert.throws(() => map([1], body, null as never), {
      name: "TypeError",
      message: "map(items, body, options): options must be an object, got null",
    });
  });
});
