// External work (issue 8): the runtime counts the outside things that can
// still wake a task — pending call() promises, action()s, hold()s — and while
// any is pending, runTest's virtual clock does not jump ahead of real time.
// These scenarios wait on real timers of a few tens of milliseconds, as a test
// of real I/O would; they assert order and outcome, never a duration.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { action, call, channel, hold, now, sleep, spawn, timeout, TimeoutError, type Operation } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

/** A real promise that resolves after `ms` real milliseconds. */
const realDelay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("the virtual clock and outside work", () => {
  test("timeout(5_000, call(realFetch)) succeeds when the fetch answers in 30 ms of real time", () =>
    runTest(function* () {
      const page = yield* timeout(5_000, () => call(() => realDelay(30, "page")));
      assert.equal(page, "page");
      assert.equal(yield* now(), 0, "fast I/O takes no virtual time");
    }));

  test("a timeout around I/O that never answers still fires, after real time", () =>
    runTest(function* () {
      let aborted = false;
      try {
        yield* timeout(40, () =>
          call((signal) => {
            signal.addEventListener("abort", () => (aborted = true));
            return new Promise<never>(() => {});
          }),
        );
        assert.fail("no timeout");
      } catch (error) {
        assert.ok(error instanceof TimeoutError, String(error));
      }
      assert.equal(yield* now(), 40);
      assert.equal(aborted, true, "the call's signal aborted");
    }));

  test("a loop of short real calls under a timeout is timed out too (real time is counted across the calls)", () =>
    runTest(function* () {
      let calls = 0;
      try {
        yield* timeout(40, function* () {
          for (;;) {
            yield* call(() => realDelay(5, null));
            calls++;
          }
        });
        assert.fail("no timeout");
      } catch (error) {
        assert.ok(error instanceof TimeoutError, String(error));
      }
      assert.ok(calls >= 1, `${calls} calls completed before the timeout`);
    }));

  test("timers keep their virtual order around fast I/O", () =>
    runTest(function* () {
      const log: string[] = [];
      const sleeper = yield* spawn(function* () {
        yield* sleep(100);
        log.push(`timer at ${yield* now()}`);
      });
      const reader = yield* spawn(function* () {
        const value = yield* action<string>((resolve) => {
          const timer = setTimeout(() => resolve("file contents"), 5);
          return () => clearTimeout(timer);
        });
        log.push(`read "${value}" at ${yield* now()}`);
      });
      yield* reader;
      yield* sleeper;
      assert.deepEqual(log, ['read "file contents" at 0', "timer at 100"]);
    }));

  test("followRealTime: false jumps regardless (the old behaviour, on request)", () =>
    runTest(
      function* () {
        try {
          yield* timeout(5_000, () => call(() => realDelay(30, "page")));
          assert.fail("the clock should have jumped to the timeout");
        } catch (error) {
          assert.ok(error instanceof TimeoutError, String(error));
        }
      },
      { followRealTime: false },
    ));
});

describe("hold()", () => {
  test("a hold keeps a run that waits on an outside callback from being reported as deadlocked", () =>
    runTest(function* () {
      const inbox = channel<string>(1);
      const release = yield* hold();
      setTimeout(() => {
        inbox.trySend("from outside");
        release();
      }, 10);
      assert.equal(yield* inbox.receive(), "from outside");
      release(); // a second release does nothing
    }));

  test("hold() outside a task is a TypeError", () => {
    const operation = hold() as Operation<() => void>;
    assert.throws(() => operation[Symbol.iterator]().next(), TypeError);
  });
});
