// useAbortSignal(): one signal for the rest of the task, aborted at its end or
// at once on cancellation, shared by several calls.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { call, Cancelled, sleep, spawn, suspend, useAbortSignal } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

describe("useAbortSignal", () => {
  test("cancellation aborts it at once, before the task's finally, with Cancelled as the reason", () =>
    runTest(function* () {
      const log: string[] = [];
      let signal: AbortSignal | undefined;
      const task = yield* spawn(function* () {
        signal = yield* useAbortSignal();
        signal.addEventListener("abort", () => log.push("aborted"));
        try {
          yield* suspend();
        } finally {
          log.push(`finally, aborted: ${signal.aborted}`);
        }
      });
      yield* sleep(1);
      assert.equal(signal!.aborted, false);
      yield* task.cancel();
      assert.deepEqual(log, ["aborted", "finally, aborted: true"]);
      assert.ok(signal!.reason instanceof Cancelled);
      assert.equal((signal!.reason as Cancelled).task, task);
    }));

  test("an ordinary end aborts it after the task's finally blocks and children, with an AbortError", () =>
    runTest(function* () {
      const log: string[] = [];
      let signal: AbortSignal | undefined;
      const task = yield* spawn(function* () {
        signal = yield* useAbortSignal();
        yield* spawn(function* () {
          yield* sleep(5);
          log.push(`child done, aborted: ${signal!.aborted}`);
        });
        try {
          return "result";
        } finally {
          log.push(`finally, aborted: ${signal.aborted}`);
        }
      });
      assert.equal(yield* task, "result");
      assert.deepEqual(log, ["finally, aborted: false", "child done, aborted: false"]);
      assert.equal(signal!.aborted, true);
      assert.equal((signal!.reason as Error).name, "AbortError");
    }));

  test("one signal serves several calls: a cancellation aborts whichever is pending", () =>
    runTest(function* () {
      const seen: string[] = [];
      /** A promise API that honours its signal, as fetch does. */
      const request = (name: string, signal: AbortSignal) =>
        new Promise<string>((resolve, reject) => {
          if (name === "slow") {
            signal.addEventListener("abort", () => {
              seen.push(`${name} aborted`);
              reject(signal.reason);
            });
          } else {
            resolve(name);
          }
        });
      const task = yield* spawn(function* () {
        const signal = yield* useAbortSignal();
        seen.push(yield* call(() => request("fast", signal)));
        seen.push(yield* call(() => request("slow", signal)));
      });
      yield* sleep(10);
      yield* task.cancel();
      assert.deepEqual(seen, ["fast", "slow aborted"]);
    }));

  test("each call makes a new signal", () =>
    runTest(function* () {
      const a = yield* useAbortSignal();
      const b = yield* useAbortSignal();
      assert.notEqual(a, b);
    }));

  test("outside a task it is a TypeError saying so", () => {
    const operation = useAbortSignal();
    assert.throws(() => operation[Symbol.iterator]().next(), {
      name: "TypeError",
      message: "useAbortSignal() must be used inside a Strand task: start one with run(...) and compose operations with yield*",
    });
  });
});
