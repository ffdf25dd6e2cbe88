// race, all, allSettled and timeout: results, errors, and the teardown of the
// operations that lost or were cut off, before the combinator returns.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, sleep, suspend, race, all, allSettled, timeout, current, TimeoutError, type Operation, type Task } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

/** An operation that sleeps `ms`, then returns `value`; its teardown takes `teardownMs` and is logged. */
function* sleeper<T>(log: string[], name: string, ms: number, value: T, teardownMs = 0, tasks?: Task<unknown>[]): Operation<T> {
  tasks?.push(yield* current());
  let finished = false;
  try {
    yield* sleep(ms);
    finished = true;
    return value;
  } finally {
    if (!finished) {
      if (teardownMs > 0) yield* sleep(teardownMs);
      log.push(`${name} torn down`);
    }
  }
}

function* failer(ms: number, error: Error): Operation<never> {
  yield* sleep(ms);
  throw error;
}

describe("race", () => {
  test("the first to finish wins; the losers are cancelled and torn down before race returns", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const tasks: Task<unknown>[] = [];
      const winner = yield* race([
        sleeper(log, "slow", 30, "slow", 5, tasks),
        sleeper(log, "fast", 10, "fast", 0, tasks),
        sleeper(log, "slower", 50, "slower", 7, tasks),
      ]);
      log.push(`race returned ${winner} at ${clock.now()}`);
      // The losers are cancelled together: their teardowns (5 and 7 ms) overlap.
      assert.deepEqual(log, ["slow torn down", "slower torn down", "race returned fast at 17"]);
      assert.deepEqual(
        tasks.map((task) => task.state),
        ["cancelled", "completed", "cancelled"],
      );
    }));

  test("the first to fail wins too: its error is thrown and the others are torn down", () =>
    runTest(function* () {
      const log: string[] = [];
      const boom = new Error("boom");
      let thrown: unknown;
      try {
        yield* race([sleeper(log, "slow", 30, "slow"), failer(10, boom)]);
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      assert.deepEqual(log, ["slow torn down"]);
    }));

  test("an operation that completes at once wins", () =>
    runTest(function* () {
      const log: string[] = [];
      const result = yield* race([
        sleeper(log, "slow", 30, "slow"),
        (function* () {
          return "immediate";
        })(),
      ]);
      assert.equal(result, "immediate");
    }));

  test("cancelling the task that races cancels every contestant", () =>
    runTest(function* () {
      const log: string[] = [];
      const racer = yield* spawn(() => race([sleeper(log, "a", 30, 1), sleeper(log, "b", 40, 2)]));
      yield* sleep(5);
      yield* racer.cancel();
      assert.deepEqual(log.sort(), ["a torn down", "b torn down"]);
      assert.equal(racer.state, "cancelled");
    }));
});

describe("all", () => {
  test("returns every result, in the order of the operations, after all finished", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const results = yield* all([sleeper(log, "a", 30, "a"), sleeper(log, "b", 10, 2), sleeper(log, "c", 20, true)]);
      assert.deepEqual(results, ["a", 2, true]);
      assert.equal(clock.now(), 30);
      assert.deepEqual(log, []);
    }));

  test("an empty list gives an empty array", () =>
    runTest(function* () {
      assert.deepEqual(yield* all([]), []);
    }));

  test("one failure cancels the others, which are torn down before the error is thrown", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const boom = new Error("boom");
      let thrown: unknown;
      try {
        yield* all([sleeper(log, "a", 30, "a", 5), failer(10, boom), sleeper(log, "c", 40, "c", 5)]);
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      assert.deepEqual(log, ["c torn down", "a torn down"]);
      assert.equal(clock.now(), 20);
    }));

  test("the calling task survives the failure (all is an error boundary)", () =>
    runTest(function* () {
      try {
        yield* all([failer(1, new Error("x"))]);
      } catch {
        // expected
      }
      yield* sleep(1);
      assert.equal((yield* current()).state, "running");
    }));
});

describe("allSettled", () => {
  test("reports how each ended; a failure does not cancel the others", () =>
    runTest(function* () {
      const log: string[] = [];
      const boom = new Error("boom");
      const results = yield* allSettled([sleeper(log, "a", 30, "a"), failer(10, boom), sleeper(log, "c", 20, 3)]);
      assert.deepEqual(results, [
        { status: "fulfilled", value: "a" },
        { status: "rejected", reason: boom },
        { status: "fulfilled", value: 3 },
      ]);
      assert.deepEqual(log, []);
    }));
});

describe("timeout", () => {
  test("a body that finishes in time returns its value", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      assert.equal(yield* timeout(100, sleeper(log, "body", 40, "value")), "value");
      assert.equal(clock.now(), 40);
      assert.deepEqual(log, []);
    }));

  test("a body that takes too long is torn down, then TimeoutError is thrown", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const tasks: Task<unknown>[] = [];
      let thrown: unknown;
      try {
        yield* timeout(50, sleeper(log, "body", 1_000, "late", 10, tasks));
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof TimeoutError, String(thrown));
      assert.equal(thrown.name, "TimeoutError");
      assert.equal(thrown.ms, 50);
      assert.match(thrown.message, /50 ms/);
      assert.deepEqual(log, ["body torn down"]);
      assert.equal(clock.now(), 60, "thrown after the body's 10 ms teardown");
      assert.equal(tasks[0].state, "cancelled");
    }));

  test("a body that fails throws its own error", () =>
    runTest(function* () {
      const boom = new Error("boom");
      let thrown: unknown;
      try {
        yield* timeout(100, failer(10, boom));
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
    }));

  test("a body that completes at once returns its value", () =>
    runTest(function* () {
      assert.equal(
        yield* timeout(10, function* () {
          return 7;
        }),
        7,
      );
    }));

  test("timeout(Infinity) never times out; the caller can still be cancelled", () =>
    runTest(function* () {
      const log: string[] = [];
      const waiter = yield* spawn(() => timeout(Infinity, sleeper(log, "body", Infinity, 0)));
      yield* sleep(3_600_000);
      assert.equal(waiter.state, "running");
      yield* waiter.cancel();
      assert.deepEqual(log, ["body torn down"]);
    }));

  test("a TimeoutError inside the body is not confused with the timeout's own", () =>
    runTest(function* () {
      let thrown: unknown;
      try {
        yield* timeout(1_000, function* () {
          yield* timeout(10, suspend);
        });
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof TimeoutError);
      assert.equal(thrown.ms, 10, "the inner timeout fired");
    }));
});
