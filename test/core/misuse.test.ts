// Misuse that must get a clear error instead of a silent wrong result (issue 7):
// each case failed silently or obscurely before, and now throws a TypeError or
// RangeError that names the call and the argument.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  run,
  main,
  spawn,
  sleep,
  all,
  race,
  call,
  ensure,
  scoped,
  actor,
  channel,
  createContext,
  select,
  onTimeout,
  yieldNow,
  type Operation,
} from "../../src/index.js";
import { Coordinator, Latch, Mutex, waitAll } from "../../src/sync/index.js";
import { rejects, type ErrorClass } from "./rejects.js";
import { runTest, VirtualClock, Steps } from "../../src/testing/index.js";


/** Runs `body` in a scope and returns what it threw. */
function* thrownBy(body: () => Operation<unknown>): Operation<unknown> {
  try {
    yield* scoped(body);
  } catch (error) {
    return error;
  }
  assert.fail("did not throw");
}

describe("call() given something that is already an operation", () => {
  test("call(function* () {...}) is a TypeError saying to use yield* directly", () =>
    runTest(function* () {
      const error = yield* thrownBy(() => call((function* () {}) as never));
      assert.ok(error instanceof TypeError, String(error));
      assert.match((error as Error).message, /call\(fn\)/);
      assert.match((error as Error).message, /use yield\* on it directly/);
    }));

  test("call(() => sleep(1)) is a TypeError too", () =>
    runTest(function* () {
      const error = yield* thrownBy(() => call(() => sleep(1) as never));
      assert.ok(error instanceof TypeError, String(error));
      assert.match((error as Error).message, /use yield\* on it directly/);
    }));

  test("Strand's own operation objects are refused too: a wait handle, a gate's wait(), waitAll, a lock, a select, yieldNow()", () =>
    runTest(function* () {
      const coordinator = new Coordinator();
      const gate = new Latch(1);
      // Prepared handles stay registered until cancelled: kept, to withdraw them at the end (the leak check).
      const handles: { cancel(): boolean }[] = [];
      const prepare = () => {
        const handle = coordinator.prepare();
        handles.push(handle);
        return handle;
      };
      const cases: [string, () => unknown][] = [
        ["coordinator.prepare()", prepare],
        ["latch.wait()", () => gate.wait()],
        ["waitAll([handle])", () => waitAll([prepare()])],
        ["mutex.lock()", () => new Mutex().lock()],
        ["select(...)", () => select(onTimeout(1))],
        ["yieldNow()", () => yieldNow()],
      ];
      for (const [name, make] of cases) {
        const error = yield* thrownBy(() => call(make as never));
        assert.ok(error instanceof TypeError, `${name}: ${String(error)}`);
        assert.match((error as Error).message, /use yield\* on it directly/, name);
      }
      for (const handle of handles) handle.cancel();
    }));

  test("plain iterables are values, not operations: call(() => [1, 2]) and call(() => new Map()) return them", () =>
    runTest(function* () {
      assert.deepEqual(yield* call(() => [1, 2]), [1, 2]);
      assert.ok((yield* call(() => new Map())) instanceof Map);
    }));
});

describe("arrays do not pass for operations", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["run([])", () => run([] as never), /run\(body\).*got an array/],
    ["spawn([])", () => spawn([] as never), /spawn\(body\).*got an array/],
    ["all([[]])", () => all([[] as never]), /all\(operations\): operations\[0\].*got an array/],
    ["race([new Map()])", () => race([new Map() as never]), /race\(operations\): operations\[0\]/],
  ];
  for (const [name, what, pattern] of cases) test(name, () => rejects(what, TypeError, pattern));
});

describe("an async function as a body is refused at the call, naming the argument", () => {
  const asyncBody = async () => 1;
  const cases: [string, () => unknown, RegExp][] = [
    ["run(async () => ...)", () => run(asyncBody as never), /run\(body\): body is an async function/],
    ["spawn(async () => ...)", () => spawn(asyncBody as never), /spawn\(body\): body is an async function/],
    ["scoped(async () => ...)", () => scoped(asyncBody as never), /scoped\(body\): body is an async function/],
    ["all([op, async fn])", () => all([sleep(1), asyncBody as never]), /all\(operations\): operations\[1\] is an async function/],
    ["race([async generator fn])", () => race([async function* () {} as never]), /race\(operations\): operations\[0\] is an async function/],
  ];
  for (const [name, what, pattern] of cases) test(name, () => rejects(what, TypeError, pattern, /function\*/));
});

describe("a generator object runs once", () => {
  test("spawning the same generator object twice throws at the second spawn", () =>
    runTest(function* () {
      const body = (function* () {
        return "ok";
      })();
      const first = yield* spawn(body);
      assert.equal(yield* first, "ok");
      rejects(() => spawn(body), TypeError, /spawn\(body\)/, /generator object.*already/);
    }));

  test("two spawns of one generator object before either runs: the second task fails with the TypeError", () =>
    runTest(function* () {
      const body = (function* () {
        return "ok";
      })();
      const error = yield* thrownBy(function* () {
        const a = yield* spawn(body);
        const b = yield* spawn(body);
        return [yield* a, yield* b];
      });
      assert.ok(error instanceof TypeError, String(error));
      assert.match((error as Error).message, /generator object.*already/);
    }));
});

describe("async cleanups and each() bodies are awaited", () => {
  test("ensure(async () => ...) waits for the promise before the task ends", async () => {
    const log: string[] = [];
    await run(function* () {
      yield* ensure(async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        log.push("cleanup done");
      });
      log.push("body done");
    });
    log.push("task ended");
    assert.deepEqual(log, ["body done", "cleanup done", "task ended"]);
  });

  test("an async cleanup that rejects fails the task", async () => {
    const task = run(function* () {
      yield* ensure(async () => {
        throw new Error("async cleanup failed");
      });
    });
    await assert.rejects(Promise.resolve(task), /async cleanup failed/);
  });

  test("each(async v => ...) handles one element at a time, awaiting each promise", async () => {
    const ch = channel<number>("unlimited");
    for (const n of [1, 2, 3]) ch.trySend(n);
    ch.close();
    const log: string[] = [];
    await run(function* () {
      yield* ch.each(async (n) => {
        log.push(`start ${n}`);
        await new Promise<void>((resolve) => setImmediate(resolve));
        log.push(`end ${n}`);
      });
    });
    assert.deepEqual(log, ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });
});

describe("options and settings are checked at the call", () => {
  const body = function* () {};
  const cases: [string, () => unknown, ErrorClass, RegExp][] = [
    ["runTest(body, 'x')", () => runTest(body, "x" as never), TypeError, /runTest\(body, options\): options must be an object/],
    ["runTest seed NaN", () => runTest(body, { seed: NaN }), RangeError, /seed must be a safe integer.*NaN/],
    ["runTest seed 1.5", () => runTest(body, { seed: 1.5 }), RangeError, /seed must be a safe integer.*1\.5/],
    ["runTest seed 'abc'", () => runTest(body, { seed: "abc" as never }), TypeError, /seed must be a safe integer.*"abc"/],
    ["runTest seed {}", () => runTest(body, { seed: {} as never }), TypeError, /seed must be a safe integer/],
    ["runTest seed 1n", () => runTest(body, { seed: 1n as never }), TypeError, /seed must be a safe integer/],
    ["runTest seed 2**60", () => runTest(body, { seed: 2 ** 60 }), RangeError, /seed must be a safe integer/],
    ["new VirtualClock({ start: 'abc' })", () => new VirtualClock({ start: "abc" as never }), TypeError, /VirtualClock\(options\): start must be a finite number/],
    ["new VirtualClock({ start: Infinity })", () => new VirtualClock({ start: Infinity }), RangeError, /start must be a finite number/],
    ["new VirtualClock(5)", () => new VirtualClock(5 as never), TypeError, /VirtualClock\(options\): options must be an object/],
    ["new VirtualClock({ autoJump: 'no' })", () => new VirtualClock({ autoJump: "no" as never }), TypeError, /autoJump must be a boolean/],
    ["clock.advance(Infinity)", () => new VirtualClock().advance(Infinity), RangeError, /advance\(ms\).*finite/],
    ["actor(h, { capacity: null })", () => actor(() => {}, { capacity: null as never }), TypeError, /actor\(handler, options\): capacity must be/],
    ["actor(h, { capacity: -1 })", () => actor(() => {}, { capacity: -1 }), RangeError, /actor\(handler, options\): capacity must be/],
    ["run(body, { clock: {} })", () => run(body, { clock: {} as never }), TypeError, /run\(body, options\): clock must have now\(\), setAlarm\(\) and clearAlarm\(\)/],
    ["run(body, { clock: null })", () => run(body, { clock: null as never }), TypeError, /run\(body, options\): clock must/],
    ["steps.expect('abc')", () => new Steps().expect("abc" as never), TypeError, /expect\(n\): n must be a positive integer/],
    ["steps.finish(0)", () => new Steps().finish(0), RangeError, /finish\(n\): n must be a positive integer/],
  ];
  for (const [name, what, kind, pattern] of cases) test(name, () => rejects(what, kind, pattern));

  test("main(body, 0) rejects with a TypeError naming options", async () => {
    await assert.rejects(main(body, 0 as never), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /main\(body, options\): options must be an object/);
      return true;
    });
  });

  test("context.with(value, plainFunction) names the call and says what the body must return", () =>
    runTest(function* () {
      const Level = createContext("level", 0);
      const error = yield* thrownBy(() => Level.with(1, (() => 1) as never));
      assert.ok(error instanceof TypeError, String(error));
      assert.match((error as Error).message, /level\.with\(value, body\): body returned 1, expected an operation/);
    }));
});
