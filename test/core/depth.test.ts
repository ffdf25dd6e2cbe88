// Depth: operations written with fn() are trampolined by the run loop, so their
// recursion is bounded by memory, not the native stack. Raw yield* recursion
// still works until V8's stack runs out; then the task fails with an error that
// names it and points at fn, and the rest of the runtime carries on.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { fn, spawn, sleep, suspend, yieldNow, supervisor, type Operation } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

describe("fn: trampolined calls", () => {
  test("a recursion 100,000 levels deep that suspends at the bottom completes with the right value", () =>
    runTest(function* ({ clock }) {
      const depth = fn(function* (n: number): Operation<number> {
        if (n === 0) {
          yield* sleep(1);
          return 0;
        }
        return 1 + (yield* depth(n - 1));
      });
      assert.equal(yield* depth(100_000), 100_000);
      assert.equal(clock.now(), 1);
    }));

  test("a deep fn recursion may suspend at every level", () =>
    runTest(function* () {
      const sum = fn(function* (n: number): Operation<number> {
        if (n === 0) return 0;
        yield* yieldNow();
        return n + (yield* sum(n - 1));
      });
      assert.equal(yield* sum(20_000), (20_000 * 20_001) / 2);
    }));

  test("arguments and `this` reach the body", () =>
    runTest(function* () {
      const object = {
        factor: 3,
        scale: fn(function* (this: { factor: number }, a: number, b: number): Operation<number> {
          return (a + b) * this.factor;
        }),
      };
      assert.equal(yield* object.scale(1, 2), 9);
      assert.equal(object.scale.name, "");
      const named = fn(function* answer(): Operation<number> {
        return 42;
      });
      assert.equal(named.name, "answer");
    }));

  test("an error thrown at the bottom propagates up through the fn frames and can be caught in a middle frame", () =>
    runTest(function* () {
      const boom = new Error("bottom");
      const passed: number[] = [];
      const dive = fn(function* (n: number): Operation<string> {
        if (n === 0) {
          yield* sleep(1);
          throw boom;
        }
        if (n === 5_000) {
          try {
            return yield* dive(n - 1);
          } catch (error) {
            assert.equal(error, boom);
            return `caught at ${n}`;
          }
        }
        try {
          return yield* dive(n - 1);
        } finally {
          passed.push(n);
        }
      });
      assert.equal(yield* dive(10_000), "caught at 5000");
      // Every frame below the catch was unwound by the error, every one above returned normally.
      assert.equal(passed.length, 9_999);
      assert.equal(passed[0], 1);
      assert.equal(passed[4_998], 4_999);
      assert.equal(passed[4_999], 5_001);
      assert.equal(passed[9_998], 10_000);
    }));

  test("an uncaught error at the bottom of a deep recursion fails the task with that error", () =>
    runTest(function* () {
      const boom = new Error("bottom");
      const dive = fn(function* (n: number): Operation<never> {
        if (n === 0) throw boom;
        return yield* dive(n - 1);
      });
      let thrown: unknown;
      try {
        yield* supervisor(function* () {
          yield* dive(50_000);
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
    }));

  test("cancelling a task suspended 10,000 fn levels deep runs every level's finally, deepest first", () =>
    runTest(function* () {
      const unwound: number[] = [];
      const DEPTH = 10_000;
      let reachedBottom = false;
      const dive = fn(function* (n: number): Operation<void> {
        try {
          if (n === 0) {
            reachedBottom = true;
            yield* suspend();
          } else {
            yield* dive(n - 1);
          }
        } catch {
          unwound.push(-1); // cancellation never runs catch blocks
        } finally {
          unwound.push(n);
        }
      });
      const task = yield* spawn(() => dive(DEPTH));
      yield* yieldNow();
      assert.equal(reachedBottom, true);
      yield* task.cancel();
      assert.equal(task.state, "cancelled");
      assert.equal(unwound.length, DEPTH + 1);
      assert.deepEqual(
        unwound,
        Array.from({ length: DEPTH + 1 }, (_, i) => i),
      );
    }));

  test("finally blocks deep in an fn stack may suspend while the task is cancelled", () =>
    runTest(function* ({ clock }) {
      const log: number[] = [];
      const dive = fn(function* (n: number): Operation<void> {
        try {
          if (n === 0) yield* suspend();
          else yield* dive(n - 1);
        } finally {
          if (n % 1_000 === 0) {
            yield* sleep(1);
            log.push(n);
          }
        }
      });
      const task = yield* spawn(() => dive(3_000));
      yield* yieldNow();
      yield* task.cancel();
      assert.deepEqual(log, [0, 1_000, 2_000, 3_000]);
      assert.equal(clock.now(), 4);
    }));

  test("an fn call used outside a task throws a TypeError naming fn", () => {
    const op = fn(function* (): Operation<number> {
      return 1;
    });
    assert.throws(() => op()[Symbol.iterator]().next(), (error: unknown) => error instanceof TypeError && /fn\(\)/.test(error.message));
  });
});

describe("raw yield* recursion", () => {
  test("works at moderate depth", () =>
    runTest(function* () {
      function* depth(n: number): Operation<number> {
        if (n === 0) {
          yield* sleep(1);
          return 0;
        }
        return 1 + (yield* depth(n - 1));
      }
      assert.equal(yield* depth(1_000), 1_000);
    }));

  test("overflowing the stack fails the task with a RangeError naming it and pointing at fn; other tasks keep running", () =>
    runTest(function* () {
      function* depth(n: number): Operation<number> {
        if (n === 0) {
          yield* sleep(1);
          return 0;
        }
        return 1 + (yield* depth(n - 1));
      }
      let ticks = 0;
      const ticker = yield* spawn(function* () {
        for (;;) {
          ticks++;
          yield* sleep(1);
        }
      });
      let thrown: unknown;
      let deep!: { toString(): string; path: string; state: string };
      yield* supervisor(function* () {
        const task = yield* spawn(() => depth(1_000_000), { name: "too-deep" });
        deep = task;
        try {
          yield* task;
        } catch (error) {
          thrown = error;
        }
      });
      assert.ok(thrown instanceof RangeError, String(thrown));
      assert.ok(thrown.message.includes(String(deep)), thrown.message);
      assert.match(thrown.message, /too-deep/);
      assert.match(thrown.message, /fn\(/);
      assert.ok(thrown.cause instanceof RangeError, "the original stack overflow is kept as the cause");
      assert.equal(deep.state, "failed");
      const ticksAtFailure = ticks;
      yield* sleep(5);
      assert.ok(ticks > ticksAtFailure, "the other task keeps running");
      assert.equal(ticker.state, "running");
      yield* ticker.cancel();
    }));
});
