// Promises and callbacks at the edges: call(fn(signal)), action(executor),
// tasks started from async code and async code called from tasks.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { run, spawn, sleep, suspend, yieldNow, call, action, Cancelled, type Task } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

describe("call", () => {
  test("awaits a promise and returns its value", () =>
    runTest(function* () {
      const value = yield* call(async () => {
        await Promise.resolve();
        return "from a promise";
      });
      assert.equal(value, "from a promise");
    }));

  test("a rejected promise throws into the task, where it can be caught", () =>
    runTest(function* () {
      const boom = new Error("rejected");
      let thrown: unknown;
      try {
        yield* call(() => Promise.reject(boom));
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
    }));

  test("a plain value is returned as is; a synchronous throw is thrown", () =>
    runTest(function* () {
      assert.equal(yield* call(() => 5), 5);
      const boom = new Error("sync");
      let thrown: unknown;
      try {
        yield* call(() => {
          throw boom;
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
    }));

  test("accepts any thenable", () =>
    runTest(function* () {
      const thenable: PromiseLike<number> = {
        then(onfulfilled) {
          queueMicrotask(() => onfulfilled?.(9));
          return undefined as never;
        },
      };
      assert.equal(yield* call(() => thenable), 9);
    }));

  test("the AbortSignal aborts with Cancelled when the task is cancelled while waiting", () =>
    runTest(function* () {
      let signal!: AbortSignal;
      const events: string[] = [];
      const child = yield* spawn(function* () {
        yield* call((s) => {
          signal = s;
          s.addEventListener("abort", () => events.push("aborted"));
          return new Promise<never>(() => {}); // never settles on its own
        });
      });
      yield* yieldNow();
      assert.equal(signal.aborted, false);
      yield* child.cancel();
      assert.equal(signal.aborted, true);
      assert.ok(signal.reason instanceof Cancelled);
      assert.equal((signal.reason as Cancelled).task, child);
      assert.deepEqual(events, ["aborted"]);
      assert.equal(child.state, "cancelled");
    }));

  test("the signal does not abort when the promise settled first", () =>
    runTest(function* () {
      let signal!: AbortSignal;
      const value = yield* call(async (s) => {
        signal = s;
        return 1;
      });
      assert.equal(value, 1);
      yield* sleep(1);
      assert.equal(signal.aborted, false);
    }));

  test("a promise that settles after the cancel is ignored (the task never sees it)", async () => {
    let resolveIt!: (value: string) => void;
    const seen: string[] = [];
    const root = run(function* () {
      try {
        seen.push(
          yield* call(
            () =>
              new Promise<string>((resolve) => {
                resolveIt = resolve;
              }),
          ),
        );
      } finally {
        seen.push("finally");
      }
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await root.cancel();
    resolveIt("late");
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ["finally"]);
    assert.equal(root.state, "cancelled");
  });
});

describe("action", () => {
  test("a synchronous resolve returns at once; the cleanup runs exactly once", () =>
    runTest(function* () {
      let cleanups = 0;
      const value = yield* action<string>((resolve) => {
        resolve("sync");
        return () => cleanups++;
      });
      assert.equal(value, "sync");
      assert.equal(cleanups, 1);
    }));

  test("an asynchronous resolve wakes the task; the cleanup runs exactly once", () =>
    runTest(function* () {
      let cleanups = 0;
      const value = yield* action<number>((resolve) => {
        const timer = setTimeout(() => resolve(42), 0);
        return () => {
          cleanups++;
          clearTimeout(timer);
        };
      });
      assert.equal(value, 42);
      assert.equal(cleanups, 1);
    }));

  test("reject throws into the task; the cleanup runs exactly once", () =>
    runTest(function* () {
      let cleanups = 0;
      const boom = new Error("rejected");
      let thrown: unknown;
      try {
        yield* action<number>((_, reject) => {
          queueMicrotask(() => reject(boom));
          return () => cleanups++;
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      assert.equal(cleanups, 1);
    }));

  test("a synchronous reject and an executor that throws both throw into the task", () =>
    runTest(function* () {
      const boom = new Error("boom");
      for (const executor of [
        (_: unknown, reject: (error: unknown) => void) => reject(boom),
        () => {
          throw boom;
        },
      ]) {
        let thrown: unknown;
        try {
          yield* action(executor);
        } catch (error) {
          thrown = error;
        }
        assert.equal(thrown, boom);
      }
    }));

  test("cancelling the task runs the cleanup exactly once; later settlements are ignored", () =>
    runTest(function* () {
      let cleanups = 0;
      let resolveIt!: (value: number) => void;
      let rejectIt!: (error: unknown) => void;
      const after: string[] = [];
      const child = yield* spawn(function* () {
        const value = yield* action<number>((resolve, reject) => {
          resolveIt = resolve;
          rejectIt = reject;
          return () => cleanups++;
        });
        after.push(`got ${value}`);
      });
      yield* yieldNow();
      assert.equal(cleanups, 0);
      yield* child.cancel();
      assert.equal(cleanups, 1);
      resolveIt(1);
      rejectIt(new Error("late"));
      yield* sleep(1);
      assert.equal(cleanups, 1);
      assert.deepEqual(after, []);
      assert.equal(child.state, "cancelled");
    }));

  test("only the first settlement counts", () =>
    runTest(function* () {
      const value = yield* action<number>((resolve, reject) => {
        resolve(1);
        resolve(2);
        reject(new Error("ignored"));
      });
      assert.equal(value, 1);
    }));

  test("wraps a callback API (an event emitter)", () =>
    runTest(function* () {
      const { EventEmitter } = yield* call(() => import("node:events"));
      const emitter = new EventEmitter();
      const waiter = yield* spawn(() =>
        action<string>((resolve) => {
          emitter.once("ready", resolve);
          return () => emitter.off("ready", resolve);
        }),
      );
      yield* yieldNow();
      assert.equal(emitter.listenerCount("ready"), 1);
      emitter.emit("ready", "go");
      assert.equal(yield* waiter, "go");
      assert.equal(emitter.listenerCount("ready"), 0);
    }));
});

describe("tasks and async code", () => {
  test("async code starts a task and awaits it; the task calls async code that awaits another task", async () => {
    const log: string[] = [];
    async function fetchDouble(n: number): Promise<number> {
      await new Promise<void>((resolve) => setImmediate(resolve));
      // async code starting (and awaiting) a task of its own
      const inner = run(function* () {
        yield* sleep(1);
        return n * 2;
      });
      log.push("async awaiting inner task");
      return await inner;
    }
    const result = await run(function* () {
      log.push("task calling async code");
      const doubled = yield* call(() => fetchDouble(21));
      log.push("task got the result");
      return doubled;
    });
    assert.equal(result, 42);
    assert.deepEqual(log, ["task calling async code", "async awaiting inner task", "task got the result"]);
  });

  test("await task works on tasks spawned inside another runtime", async () => {
    let child!: Task<string>;
    const root = run(function* () {
      child = yield* spawn(function* () {
        yield* yieldNow();
        return "child";
      });
      yield* suspend();
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(await child, "child");
    await root.cancel();
  });

  test("a root task's failure rejects its promise, and a cancelled root rejects with Cancelled", async () => {
    const boom = new Error("boom");
    await assert.rejects(
      Promise.resolve(
        run(function* () {
          yield* yieldNow();
          throw boom;
        }),
      ),
      (error) => error === boom,
    );
    const root = run(suspend);
    const joined = Promise.resolve(root).then(
      () => "fulfilled",
      (error: unknown) => error,
    );
    await root.cancel();
    const error = await joined;
    assert.ok(error instanceof Cancelled);
    assert.equal(error.task, root);
  });
});
