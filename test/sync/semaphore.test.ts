// Semaphore: permits granted in FIFO order (a large request at the head is not
// starved by small ones), conservation (releasing more than acquired throws),
// withPermit releasing however the body ends, prompt cancellation (permits
// granted to a waiter cancelled before it ran are given back and re-granted),
// no trace left by a cancelled waiter, stats, and bad input.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, yieldNow, sleep } from "../../src/index.js";
import { Semaphore } from "../../src/sync/index.js";
import { runTest } from "../../src/testing/index.js";

describe("Semaphore", () => {
  test("acquire, tryAcquire, release, available", () =>
    runTest(function* () {
      const semaphore = new Semaphore(3);
      assert.equal(semaphore.permits, 3);
      yield* semaphore.acquire();
      yield* semaphore.acquire(2);
      assert.equal(semaphore.available, 0);
      assert.equal(semaphore.tryAcquire(), false);
      semaphore.release(2);
      assert.equal(semaphore.tryAcquire(2), true);
      semaphore.release(3);
      assert.equal(semaphore.available, 3);
      assert.deepEqual(semaphore.stats(), {
        name: semaphore.name,
        permits: 3,
        available: 3,
        waiting: 0,
        acquired: 5,
        released: 5,
        cancelledWaiters: 0,
        returned: 0,
      });
    }));

  test("at most `permits` tasks hold a permit at once", () =>
    runTest(function* () {
      const semaphore = new Semaphore(2);
      let inside = 0;
      let most = 0;
      for (let i = 0; i < 6; i++) {
        yield* spawn(() =>
          semaphore.withPermit(function* () {
            inside++;
            most = Math.max(most, inside);
            yield* sleep(10);
            inside--;
          }),
        );
      }
      yield* sleep(100);
      assert.equal(most, 2);
      assert.equal(semaphore.available, 2);
    }));

  test("FIFO: waiters are served in order, and a large request at the head blocks smaller ones behind it (no barging)", () =>
    runTest(function* () {
      const semaphore = new Semaphore(3);
      const order: string[] = [];
      yield* semaphore.acquire(2); // 1 left
      const big = yield* spawn(function* () {
        yield* semaphore.acquire(2);
        order.push("big");
      });
      const small = yield* spawn(function* () {
        yield* semaphore.acquire(1);
        order.push("small");
      });
      yield* yieldNow();
      assert.equal(semaphore.available, 1, "one is free, but the head needs two");
      assert.equal(semaphore.stats().waiting, 2);
      assert.equal(semaphore.tryAcquire(1), false, "tryAcquire does not barge past the queue");
      semaphore.release(1); // 2 free: the head fits
      yield* big;
      assert.deepEqual(order, ["big"]);
      assert.equal(semaphore.available, 0);
      semaphore.release(2);
      yield* small;
      assert.deepEqual(order, ["big", "small"]);
      assert.equal(semaphore.available, 1);
      semaphore.release(2);
    }));

  test("one release serves as many waiters as it can, in order", () =>
    runTest(function* () {
      const semaphore = new Semaphore(3);
      yield* semaphore.acquire(3);
      const order: number[] = [];
      for (const i of [1, 2, 3]) {
        yield* spawn(function* () {
          yield* semaphore.acquire(1);
          order.push(i);
        });
      }
      yield* yieldNow();
      semaphore.release(2);
      yield* yieldNow();
      assert.deepEqual(order, [1, 2]);
      semaphore.release(1);
      yield* yieldNow();
      assert.deepEqual(order, [1, 2, 3]);
    }));

  test("a waiter cancelled at the head leaves no trace, and the next one is served if it fits", () =>
    runTest(function* () {
      const semaphore = new Semaphore(3);
      yield* semaphore.acquire(2);
      const big = yield* spawn(() => semaphore.acquire(3));
      const small = yield* spawn(() => semaphore.acquire(1));
      yield* yieldNow();
      assert.equal(semaphore.stats().waiting, 2);
      yield* big.cancel();
      yield* small; // it fits now that the head is gone
      const stats = semaphore.stats();
      assert.equal(stats.waiting, 0);
      assert.equal(stats.cancelledWaiters, 1);
      assert.equal(stats.available, 0);
    }));

  test("prompt: permits granted to a waiter cancelled in the same step are given back and granted to the next", () =>
    runTest(function* () {
      const semaphore = new Semaphore(2);
      yield* semaphore.acquire(2);
      const got: string[] = [];
      const first = yield* spawn(function* () {
        yield* semaphore.acquire(2);
        got.push("first");
      });
      const second = yield* spawn(function* () {
        yield* semaphore.acquire(2);
        got.push("second");
      });
      yield* yieldNow();
      semaphore.release(2); // granted to first
      assert.equal(semaphore.available, 0);
      first.cancel(); // before it ran
      assert.equal(semaphore.available, 0, "re-granted to second at once");
      assert.equal(semaphore.stats().waiting, 0);
      yield* second;
      assert.deepEqual(got, ["second"], "the cancelled acquire never also succeeded");
      semaphore.release(2);
      const stats = semaphore.stats();
      assert.equal(stats.returned, 2);
      assert.equal(stats.available + stats.acquired - stats.released, 2, "conservation");
    }));

  test("prompt: with nobody else waiting, the given-back permits are free again", () =>
    runTest(function* () {
      const semaphore = new Semaphore(1);
      yield* semaphore.acquire();
      const waiter = yield* spawn(() => semaphore.acquire());
      yield* yieldNow();
      semaphore.release();
      waiter.cancel();
      assert.equal(semaphore.available, 1);
    }));

  test("withPermit releases when the body throws or its task is cancelled", () =>
    runTest(function* () {
      const semaphore = new Semaphore(1);
      let caught: unknown;
      try {
        yield* semaphore.withPermit(function* () {
          throw new Error("boom");
        });
      } catch (error) {
        caught = error;
      }
      assert.match((caught as Error).message, /boom/);
      assert.equal(semaphore.available, 1);
      const holder = yield* spawn(() => semaphore.withPermit(() => sleep(1_000)));
      yield* yieldNow();
      assert.equal(semaphore.available, 0);
      yield* holder.cancel();
      assert.equal(semaphore.available, 1);
      assert.equal(yield* semaphore.withPermit(function* () { return "ok"; }), "ok");
    }));

  test("releasing more than was acquired is a clear Error and changes nothing", () =>
    runTest(function* () {
      const semaphore = new Semaphore(2, { name: "pool" });
      yield* semaphore.acquire();
      assert.throws(() => semaphore.release(2), /semaphore "pool"\.release\(2\): only 1 of 2 permits are held/);
      assert.equal(semaphore.available, 1);
      semaphore.release();
      assert.throws(() => semaphore.release(), /only 0 of 2 permits are held/);
    }));

  test("bad input: permits -1, 1.5, 0, \"x\"; n out of range or not an integer", () => {
    const named = (name: string) => (error: unknown) => error instanceof Error && error.message.includes(name);
    assert.throws(() => new Semaphore(-1), (error: unknown) => error instanceof RangeError && named("permits")(error));
    assert.throws(() => new Semaphore(1.5), RangeError);
    assert.throws(() => new Semaphore(0), RangeError);
    assert.throws(() => new Semaphore(Infinity), RangeError);
    assert.throws(() => new Semaphore(NaN), RangeError);
    assert.throws(() => new Semaphore("x" as never), (error: unknown) => error instanceof TypeError && /permits must be an integer ≥ 1, got "x"/.test(error.message));
    assert.throws(() => new Semaphore(2, { name: 5 } as never), /name must be a string/);
    const semaphore = new Semaphore(2);
    assert.throws(() => semaphore.acquire(3), (error: unknown) => error instanceof RangeError && /n must be an integer from 1 to 2, got 3/.test(error.message));
    assert.throws(() => semaphore.acquire(0), RangeError);
    assert.throws(() => semaphore.tryAcquire(1.5), RangeError);
    assert.throws(() => semaphore.release("1" as never), TypeError);
    assert.throws(() => semaphore.withPermit(null as never), TypeError);
  });
});
