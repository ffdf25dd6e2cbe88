// withResolvers(): a one-shot value settled from plain code or a task, awaited
// by many; rejection; later settlements ignored; cancellation of a waiter.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { run, sleep, spawn, withResolvers } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

describe("withResolvers", () => {
  test("resolved from plain code (a timer callback), awaited by a task", async () => {
    const { operation, resolve } = withResolvers<string>();
    setTimeout(() => resolve("from a callback"), 1);
    assert.equal(await run(() => operation), "from a callback");
  });

  test("every waiter gets the value; a wait after it is settled returns at once", () =>
    runTest(function* ({ clock }) {
      const { operation, resolve } = withResolvers<number>();
      const waiters = [];
      for (let i = 0; i < 3; i++) waiters.push(yield* spawn(() => operation));
      yield* spawn(function* () {
        yield* sleep(10);
        assert.equal(resolve(42), true);
      });
      for (const waiter of waiters) assert.equal(yield* waiter, 42);
      assert.equal(clock.now(), 10);
      assert.equal(yield* operation, 42);
      assert.equal(clock.now(), 10);
    }));

  test("reject throws the error to every waiter", () =>
    runTest(function* () {
      const { operation, reject } = withResolvers<number>();
      const boom = new Error("boom");
      reject(boom);
      for (let i = 0; i < 2; i++) {
        let thrown: unknown;
        try {
          yield* operation;
        } catch (error) {
          thrown = error;
        }
        assert.equal(thrown, boom);
      }
    }));

  test("only the first settlement counts; later ones return false", () =>
    runTest(function* () {
      const { operation, resolve, reject } = withResolvers<string>();
      assert.equal(resolve("first"), true);
      assert.equal(resolve("second"), false);
      assert.equal(reject(new Error("late")), false);
      assert.equal(yield* operation, "first");
    }));

  test("a cancelled waiter unwinds and leaves the others waiting; nothing is owed back", () =>
    runTest(function* () {
      const { operation, resolve } = withResolvers<string>();
      const log: string[] = [];
      const cancelled = yield* spawn(function* () {
        try {
          log.push(yield* operation);
        } finally {
          log.push("cancelled waiter unwound");
        }
      });
      const other = yield* spawn(() => operation);
      yield* sleep(1);
      yield* cancelled.cancel();
      resolve("value");
      assert.equal(yield* other, "value");
      assert.deepEqual(log, ["cancelled waiter unwound"]);
    }));

  test("outside a task, yield* operation is a TypeError saying so", () => {
    const { operation } = withResolvers<void>();
    assert.throws(() => operation[Symbol.iterator]().next(), {
      name: "TypeError",
      message: /^yield\* withResolvers\(\)\.operation must be used inside a Strand task/,
    });
  });
});
