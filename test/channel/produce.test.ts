// produce / consume / consumeEach: the producer's end closes the channel (with
// its error as the cause), the consumer's end cancels it; and what a break out
// of for-await over a plain channel does.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { channel, ChannelClosed, consume, consumeEach, produce, run, scoped, sleep, spawn } from "../../src/index.js";
import { produce as fromChannelEntry } from "../../src/channel/index.js";
import { runTest } from "../../src/testing/index.js";

describe("produce and consume", () => {
  test("consumeEach receives everything in order; the channel closes when the body returns", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const numbers = yield* produce<number>(function* (out) {
        for (let n = 1; n <= 3; n++) {
          yield* out.send(n); // rendezvous: waits for the consumer
          log.push(`sent ${n} at ${clock.now()}`);
        }
      });
      yield* consumeEach(numbers, function* (n) {
        log.push(`got ${n}`);
        yield* sleep(10);
      });
      // The consumer parks first, so send 1 completes at once; sends 2 and 3 wait for it.
      assert.deepEqual(log, ["sent 1 at 0", "got 1", "got 2", "sent 2 at 10", "got 3", "sent 3 at 20"]);
      assert.equal(numbers.isClosedForReceive, true);
    }));

  test("capacity buffers ahead of the consumer", () =>
    runTest(function* () {
      const ready = yield* produce<number>(
        function* (out) {
          for (let n = 1; n <= 3; n++) yield* out.send(n);
        },
        { capacity: 3, name: "numbers" },
      );
      yield* sleep(1);
      assert.equal(ready.stats().buffered, 3);
      assert.equal(ready.name, 'channel "numbers"');
    }));

  test("the body's error closes the channel with it as the cause; it is not reported again", () =>
    runTest(function* () {
      const boom = new Error("disk read failed");
      const lines = yield* produce<string>(function* (out) {
        yield* out.send("first");
        throw boom;
      });
      const got: string[] = [];
      let thrown: unknown;
      try {
        yield* consumeEach(lines, (line) => void got.push(line));
      } catch (error) {
        thrown = error;
      }
      assert.deepEqual(got, ["first"]);
      assert.ok(thrown instanceof ChannelClosed);
      assert.equal((thrown as ChannelClosed).cause, boom);
      yield* sleep(1); // the caller carries on: the producer's failure was the consumer's to see
    }));

  test("consume cancels the channel when its body returns early: the producer stops (its finally runs)", () =>
    runTest(function* () {
      const log: string[] = [];
      const undelivered: number[] = [];
      const numbers = yield* produce<number>(
        function* (out) {
          try {
            for (let n = 1; ; n++) yield* out.send(n);
          } finally {
            log.push("producer stopped");
          }
        },
        { capacity: 2, onUndelivered: (n) => undelivered.push(n) },
      );
      const first = yield* consume(numbers, function* (ch) {
        return yield* ch.receive();
      });
      assert.equal(first, 1);
      yield* sleep(1);
      assert.deepEqual(log, ["producer stopped"]);
      assert.deepEqual(undelivered, [2, 3, 4]); // buffered, plus the send that was waiting
    }));

  test("consume cancels the channel when its body fails, and the error goes on", () =>
    runTest(function* () {
      const boom = new Error("bad line");
      let stopped = false;
      const lines = yield* produce<string>(function* (out) {
        try {
          for (;;) yield* out.send("line");
        } finally {
          stopped = true;
        }
      });
      let thrown: unknown;
      try {
        yield* consumeEach(lines, () => {
          throw boom;
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      yield* sleep(1);
      assert.equal(stopped, true);
    }));

  test("cancelling the caller tears down the producer and closes the channel", () =>
    runTest(function* () {
      let numbers: { isClosedForSend: boolean } | undefined;
      const log: string[] = [];
      const task = yield* spawn(function* () {
        const ch = yield* produce<number>(function* (out) {
          try {
            for (let n = 1; ; n++) yield* out.send(n);
          } finally {
            log.push("producer torn down");
          }
        });
        numbers = ch;
        yield* consumeEach(ch, function* () {
          yield* sleep(10);
        });
      });
      yield* sleep(25);
      yield* task.cancel();
      assert.deepEqual(log, ["producer torn down"]);
      assert.equal(numbers!.isClosedForSend, true);
    }));

  test("a producer failing after its consumer left fails the caller (nobody else would see it)", () =>
    runTest(function* () {
      const boom = new Error("cleanup failed");
      let thrown: unknown;
      try {
        yield* scoped(function* () {
          const numbers = yield* produce<number>(function* (out) {
            try {
              for (;;) yield* out.send(1);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw boom;
            }
          });
          yield* consume(numbers, (ch) => ch.receive());
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
    }));

  test("break out of for await over a plain channel leaves it open: the sender keeps its place", async () => {
    const jobs = channel<number>();
    const producer = run(function* () {
      for (let n = 1; n <= 3; n++) yield* jobs.send(n);
      jobs.close();
    });
    for await (const job of jobs) {
      assert.equal(job, 1);
      break; // withdraws this iterator's receive; does not close or cancel the channel
    }
    assert.equal(jobs.isClosedForSend, false);
    const rest: number[] = [];
    for await (const job of jobs) rest.push(job);
    assert.deepEqual(rest, [2, 3]);
    await producer;
  });

  test("exported from strand/channel too", () => {
    assert.equal(fromChannelEntry, produce);
  });

  test("bad input names the argument", () => {
    const body = function* () {};
    assert.throws(() => produce(42 as never), { name: "TypeError", message: "produce(body, options): body must be a function, got 42" });
    assert.throws(() => produce((async () => {}) as never), {
      name: "TypeError",
      message: "produce(body, options): body is an async function; it must be a generator function (function* (channel) {...})",
    });
    assert.throws(() => produce(body, { capacity: -1 }), { name: "RangeError", message: /^produce\(body, options\): capacity/ });
    assert.throws(() => produce(body, 5 as never), { name: "TypeError", message: "produce(body, options): options must be an object, got 5" });
    assert.throws(() => consume({} as never, body), {
      name: "TypeError",
      message: "consume(channel, body): channel must be a channel (or its receive end), got an object",
    });
    assert.throws(() => consume(channel(), "x" as never), { name: "TypeError", message: 'consume(channel, body): body must be a function, got "x"' });
    assert.throws(() => consumeEach(channel(), null as never), { name: "TypeError", message: "consumeEach(channel, handler): handler must be a function, got null" });
  });
});
