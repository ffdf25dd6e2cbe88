// retry(): tries, exponential back-off with a cap and seeded jitter, retryIf,
// each try as a scope, and cancellation never retried.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Cancelled, retry, sleep, spawn, suspend, type Operation } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

/** A body that fails its first `failures` tries, logging the time of each try. */
function flaky(log: number[], failures: number, now: () => number): () => Operation<string> {
  let tries = 0;
  return function* () {
    log.push(now());
    yield* sleep(1);
    if (++tries <= failures) throw new Error(`try ${tries} failed`);
    return `ok after ${tries}`;
  };
}

describe("retry", () => {
  test("retries with exponential back-off capped at maxDelay, and returns the first success", () =>
    runTest(function* ({ clock }) {
      const starts: number[] = [];
      const result = yield* retry(flaky(starts, 4, () => clock.now()), { attempts: 5, delay: 10, factor: 3, maxDelay: 50 });
      assert.equal(result, "ok after 5");
      // Each try takes 1 ms; the waits are 10, 30, 50 (90 capped), 50.
      assert.deepEqual(starts, [0, 11, 42, 93, 144]);
    }));

  test("attempts is the total number of tries; the last error is thrown", () =>
    runTest(function* ({ clock }) {
      const starts: number[] = [];
      let thrown: unknown;
      try {
        yield* retry(flaky(starts, 10, () => clock.now()), { attempts: 3, delay: 5 });
      } catch (error) {
        thrown = error;
      }
      assert.equal((thrown as Error).message, "try 3 failed");
      assert.deepEqual(starts, [0, 6, 17]);
    }));

  test("the defaults: 3 tries, 100 ms then 200 ms", () =>
    runTest(function* ({ clock }) {
      const starts: number[] = [];
      yield* retry(flaky(starts, 2, () => clock.now()));
      assert.deepEqual(starts, [0, 101, 302]);
    }));

  test("retryIf decides, given the error and the try's number", () =>
    runTest(function* ({ clock }) {
      const starts: number[] = [];
      const asked: string[] = [];
      let thrown: unknown;
      try {
        yield* retry(flaky(starts, 10, () => clock.now()), {
          attempts: 10,
          delay: 1,
          retryIf: (error, attempt) => {
            asked.push(`${attempt}: ${(error as Error).message}`);
            return attempt < 2;
          },
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal((thrown as Error).message, "try 2 failed");
      assert.deepEqual(asked, ["1: try 1 failed", "2: try 2 failed"]);
    }));

  test("jitter moves each wait by up to its fraction, from the run's seeded random source", async () => {
    const waitsFor = (seed: number) =>
      runTest(
        function* ({ clock }) {
          const starts: number[] = [];
          yield* retry(flaky(starts, 5, () => clock.now()), { attempts: 6, delay: 100, factor: 1, jitter: 0.5 });
          return starts.slice(1).map((start, i) => start - starts[i]! - 1);
        },
        { seed },
      );
    const first = await waitsFor(7);
    assert.deepEqual(await waitsFor(7), first, "the same seed, the same waits");
    assert.notDeepEqual(await waitsFor(8), first, "another seed, other waits");
    for (const wait of first) assert.ok(wait >= 50 && wait <= 150, `wait ${wait} outside 100 ± 50%`);
    assert.ok(new Set(first).size > 1, `waits vary: ${first.join(", ")}`);
  });

  test("each try is a scope: a failed child fails the try, and the try's tasks are gone before the next", () =>
    runTest(function* () {
      const log: string[] = [];
      let tries = 0;
      const result = yield* retry(
        function* () {
          const attempt = ++tries;
          yield* spawn(function* () {
            try {
              yield* sleep(5);
              if (attempt === 1) throw new Error("background check failed");
            } finally {
              log.push(`try ${attempt}: child ended`);
            }
          });
          yield* spawn(function* () {
            try {
              yield* sleep(attempt === 1 ? 1_000 : 2);
            } finally {
              log.push(`try ${attempt}: sibling ${attempt === 1 ? "torn down" : "done"}`);
            }
          });
          yield* sleep(10);
          return attempt;
        },
        { delay: 1 },
      );
      assert.equal(result, 2);
      assert.deepEqual(log, ["try 1: child ended", "try 1: sibling torn down", "try 2: sibling done", "try 2: child ended"]);
    }));

  test("cancelling the caller is not retried: during a try or during the back-off", () =>
    runTest(function* () {
      for (const cancelAt of [0.5, 5]) {
        let tries = 0;
        const task = yield* spawn(function* () {
          yield* retry(
            function* () {
              tries++;
              yield* sleep(1);
              throw new Error("fails");
            },
            { attempts: Infinity, delay: 10 },
          );
        });
        yield* sleep(cancelAt);
        yield* task.cancel();
        yield* sleep(1_000);
        assert.equal(tries, 1, `cancelled at ${cancelAt}`);
        assert.equal(task.state, "cancelled");
      }
    }));

  test("a Cancelled thrown by the body (it joined a cancelled task) is rethrown, not retried", () =>
    runTest(function* () {
      let tries = 0;
      let thrown: unknown;
      try {
        yield* retry(function* () {
          tries++;
          const child = yield* spawn(suspend);
          yield* child.cancel();
          yield* child;
        });
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof Cancelled);
      assert.equal(tries, 1);
    }));

  test("bad input names the argument", () => {
    const body = function* () {};
    const what = "retry(body, options)";
    assert.throws(() => retry(42 as never), { name: "TypeError", message: `${what}: body must be an operation or a function returning one (a generator function), got 42` });
    assert.throws(() => retry(body()), {
      name: "TypeError",
      message: `${what}: body is a generator object, which runs once; pass a function that makes the operation for each try (retry(() => fetchPage(url)))`,
    });
    assert.throws(() => retry(body, { attempts: 0 }), { name: "RangeError", message: `${what}: attempts must be an integer ≥ 1 (the total number of tries) or Infinity, got 0` });
    assert.throws(() => retry(body, { delay: -1 }), { name: "RangeError", message: `${what}: delay must be a number of milliseconds ≥ 0 and finite, got -1` });
    assert.throws(() => retry(body, { factor: 0.5 }), { name: "RangeError", message: `${what}: factor must be a finite number ≥ 1, got 0.5` });
    assert.throws(() => retry(body, { maxDelay: "1s" as never }), { name: "TypeError", message: `${what}: maxDelay must be a number of milliseconds, got "1s"` });
    assert.throws(() => retry(body, { jitter: 2 }), { name: "RangeError", message: `${what}: jitter must be a fraction from 0 to 1, got 2` });
    assert.throws(() => retry(body, { retryIf: true as never }), { name: "TypeError", message: `${what}: retryIf must be a function, got true` });
    assert.throws(() => retry(body, 3 as never), { name: "TypeError", message: `${what}: options must be an object, got 3` });
  });
});
