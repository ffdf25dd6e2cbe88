// interval(): ticks at fixed times, conflated for a slow reader, closed when
// the task that made it ends (however it ends).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { interval, sleep, spawn, suspend, type ReceiveChannel } from "../../src/index.js";
import { interval as fromChannelEntry } from "../../src/channel/index.js";
import { runTest } from "../../src/testing/index.js";

describe("interval", () => {
  test("delivers tick n at start + n × ms", () =>
    runTest(function* ({ clock }) {
      const ticks = yield* interval(10);
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) seen.push(`${yield* ticks.receive()}@${clock.now()}`);
      assert.deepEqual(seen, ["1@10", "2@20", "3@30"]);
    }));

  test("a slow reader skips ticks (conflated) and the ticks do not drift", () =>
    runTest(function* ({ clock }) {
      const ticks = yield* interval(10);
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) {
        seen.push(`${yield* ticks.receive()}@${clock.now()}`);
        yield* sleep(25); // slower than the ticks
      }
      // At t=60 the reader's timer (set at 35) fires before tick 6's (set at 50): it gets 5.
      assert.deepEqual(seen, ["1@10", "3@35", "5@60"]);
    }));

  test("closes when the task that made it ends, however it ends", () =>
    runTest(function* () {
      let completed: ReceiveChannel<number> | undefined;
      yield* (yield* spawn(function* () {
        completed = yield* interval(5);
        yield* completed.receive();
      }));
      assert.equal(completed!.isClosedForReceive, true);

      let cancelled: ReceiveChannel<number> | undefined;
      const task = yield* spawn(function* () {
        cancelled = yield* interval(5);
        yield* suspend();
      });
      yield* sleep(12);
      yield* task.cancel();
      const stats = cancelled!.stats();
      assert.equal(cancelled!.isClosedForReceive, false, "the newest tick is still buffered");
      assert.equal(cancelled!.tryReceive().ok, true);
      assert.deepEqual(cancelled!.tryReceive(), { ok: false, reason: "closed" });
      assert.equal(stats.sent, 2);
      yield* sleep(100); // nothing ticks any more
      assert.equal(cancelled!.stats().sent, 2);
    }));

  test("exported from strand/channel too", () => {
    assert.equal(fromChannelEntry, interval);
  });

  test("bad input names the argument", () => {
    assert.throws(() => interval(0), { name: "RangeError", message: "interval(ms): ms must be > 0, got 0" });
    assert.throws(() => interval(Infinity), { name: "RangeError", message: "interval(ms): ms must be a number of milliseconds ≥ 0 and finite, got Infinity" });
    assert.throws(() => interval("1s" as never), { name: "TypeError", message: 'interval(ms): ms must be a number of milliseconds, got "1s"' });
  });
});
