// Time: sleep, timer order, now(), and the virtual clock of strand/testing.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { run, spawn, sleep, now, suspend, timeout, yieldNow, call, type Task } from "../../src/index.js";
import { runTest, VirtualClock } from "../../src/testing/index.js";
import { RealClock } from "../../src/core/clock.js";

describe("sleep and timers", () => {
  test("timers fire in deadline order, equal deadlines in the order they were set", () =>
    runTest(function* ({ clock }) {
      const fired: string[] = [];
      const sleepers: Task<void>[] = [];
      for (const [name, ms] of [
        ["a30", 30],
        ["b10", 10],
        ["c20", 20],
        ["d10", 10],
        ["e0", 0],
        ["f20", 20],
        ["g10", 10],
      ] as const) {
        sleepers.push(
          yield* spawn(function* () {
            yield* sleep(ms);
            fired.push(`${name}@${clock.now()}`);
          }),
        );
      }
      for (const sleeper of sleepers) yield* sleeper;
      assert.deepEqual(fired, ["e0@0", "b10@10", "d10@10", "g10@10", "c20@20", "f20@20", "a30@30"]);
    }));

  test("sleep measures from when it starts", () =>
    runTest(function* ({ clock }) {
      yield* sleep(5);
      const a = yield* spawn(function* () {
        yield* sleep(10);
        return clock.now();
      });
      yield* sleep(3);
      const b = yield* spawn(function* () {
        yield* sleep(10);
        return clock.now();
      });
      assert.deepEqual([yield* a, yield* b], [15, 18]);
    }));

  test("a cancelled sleep's timer is removed and never fires", () =>
    runTest(function* ({ clock }) {
      let woke = false;
      const sleeper = yield* spawn(function* () {
        yield* sleep(100);
        woke = true;
      });
      yield* sleep(10);
      yield* sleeper.cancel();
      yield* sleep(200);
      assert.equal(woke, false);
      assert.equal(clock.now(), 210);
    }));

  test("sleep(0) parks the task until the next timer pass", () =>
    runTest(function* () {
      const order: string[] = [];
      yield* spawn(function* () {
        order.push("other");
      });
      yield* sleep(0);
      order.push("after sleep(0)");
      assert.deepEqual(order, ["other", "after sleep(0)"]);
    }));

  test("sleep(Infinity) parks until cancelled", () =>
    runTest(function* ({ clock }) {
      const sleeper = yield* spawn(() => sleep(Infinity));
      yield* sleep(1e9);
      assert.equal(sleeper.state, "running");
      yield* sleeper.cancel();
      assert.equal(sleeper.state, "cancelled");
      assert.equal(clock.now(), 1e9);
    }));

  test("now() reads the task's clock", () =>
    runTest(function* ({ clock }) {
      assert.equal(yield* now(), 0);
      yield* sleep(1234);
      assert.equal(yield* now(), 1234);
      assert.equal(clock.now(), 1234);
    }));

  test("sleep works under the real clock, timers in deadline order", async () => {
    const order = await run(function* () {
      const order: string[] = [];
      const slow = yield* spawn(function* () {
        yield* sleep(3);
        order.push("3 ms");
      });
      const fast = yield* spawn(function* () {
        yield* sleep(1);
        order.push("1 ms");
      });
      yield* slow;
      yield* fast;
      return order;
    });
    assert.deepEqual(order, ["1 ms", "3 ms"]);
  });
});

describe("virtual clock (runTest)", () => {
  // Under a real clock this would take an hour; the test timeout turns that into a failure.
  test("a test that sleeps an hour finishes at once, and the clock reads exactly one hour", { timeout: 10_000 }, () =>
    runTest(function* ({ clock }) {
      yield* sleep(3_600_000);
      assert.equal(clock.now(), 3_600_000);
      const sleepers: Task<void>[] = [];
      for (let hour = 1; hour <= 24; hour++) sleepers.push(yield* spawn(() => sleep(hour * 3_600_000)));
      for (const sleeper of sleepers) yield* sleeper;
      assert.equal(clock.now(), 25 * 3_600_000);
    }));

  test("many timers over a simulated day fire in exact order", () =>
    runTest(function* ({ clock }) {
      const fired: number[] = [];
      const tasks: Task<void>[] = [];
      for (let i = 0; i < 1_000; i++) {
        const ms = ((i * 7919) % 1_000) * 86_400;
        tasks.push(
          yield* spawn(function* () {
            yield* sleep(ms);
            fired.push(clock.now());
            assert.equal(clock.now(), ms);
          }),
        );
      }
      for (const task of tasks) yield* task;
      assert.equal(fired.length, 1_000);
      assert.deepEqual(
        fired,
        [...fired].sort((a, b) => a - b),
      );
    }));

  test("the clock jumps only when every task is blocked", () =>
    runTest(function* ({ clock }) {
      const seen: number[] = [];
      const busy = yield* spawn(function* () {
        for (let i = 0; i < 100; i++) {
          seen.push(clock.now());
          yield* yieldNow();
        }
      });
      yield* sleep(50);
      assert.deepEqual(new Set(seen), new Set([0]), "time stood still while a task was runnable");
      yield* busy;
      assert.equal(clock.now(), 50);
    }));

  test("a task waiting on host I/O (a real promise) still gets its result while virtual timers run", () =>
    runTest(function* ({ clock }) {
      const sleeper = yield* spawn(function* () {
        yield* sleep(1_000);
        return clock.now();
      });
      const io = yield* call(() => new Promise<string>((resolve) => setImmediate(() => resolve("io done"))));
      assert.equal(io, "io done");
      assert.equal(yield* sleeper, 1_000);
    }));

  test("VirtualClock with autoJump: false moves only with advance(ms), firing due timers in order", async () => {
    const clock = new VirtualClock({ autoJump: false });
    const log: string[] = [];
    const root = run(
      function* () {
        yield* spawn(function* () {
          yield* sleep(100);
          log.push(`b@${clock.now()}`);
        });
        yield* sleep(30);
        log.push(`a@${clock.now()}`);
        yield* sleep(200);
        log.push(`a2@${clock.now()}`);
      },
      { clock },
    );
    // Let the tasks start and park (host callbacks; no time passes).
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(log, []);
    assert.equal(clock.now(), 0);

    clock.advance(29);
    assert.deepEqual(log, []);
    clock.advance(1);
    assert.deepEqual(log, ["a@30"], "a due timer fires during advance()");
    clock.advance(100);
    assert.deepEqual(log, ["a@30", "b@100"]);
    assert.equal(clock.now(), 130);
    clock.advance(100);
    assert.deepEqual(log, ["a@30", "b@100", "a2@230"]);
    assert.equal(clock.now(), 230);
    assert.equal(await root, undefined);
  });

  test("VirtualClock can start at a given time; advance rejects bad input", async () => {
    const clock = new VirtualClock({ start: 1_000, autoJump: false });
    assert.equal(clock.now(), 1_000);
    assert.throws(() => clock.advance(-1), RangeError);
    assert.throws(() => clock.advance(NaN), RangeError);
    const root = run(
      function* () {
        yield* sleep(10);
        return yield* now();
      },
      { clock },
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    clock.advance(10);
    assert.equal(await root, 1_010);
  });

  test("runTest returns the body's result and rejects with its error", async () => {
    assert.equal(
      await runTest(function* () {
        yield* sleep(10);
        return "result";
      }),
      "result",
    );
    const boom = new Error("boom");
    await assert.rejects(
      Promise.resolve(
        runTest(function* () {
          yield* sleep(10);
          throw boom;
        }),
      ),
      (error) => error === boom,
    );
  });

  test("a test blocked forever with no timers does not spin the clock", async () => {
    let woke = false;
    const pending = runTest(function* () {
      yield* suspend();
      woke = true;
    });
    void pending.then(
      () => undefined,
      () => undefined,
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(woke, false);
  });
});

describe("real clock", () => {
  /** Collects the TimeoutOverflowWarnings Node emits while `body` runs. */
  async function overflowWarnings(body: () => Promise<void>): Promise<string[]> {
    const warnings: string[] = [];
    const listener = (warning: Error) => {
      if (warning.name === "TimeoutOverflowWarning") warnings.push(warning.message);
    };
    process.on("warning", listener);
    try {
      await body();
      await new Promise<void>((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    } finally {
      process.off("warning", listener);
    }
    return warnings;
  }

  test("regression: an alarm farther than a host timer holds (2^31 ms) does not fire early", async () => {
    let fired = false;
    const clock = new RealClock();
    const warnings = await overflowWarnings(async () => {
      clock.setAlarm(clock.now() + 2 ** 32, () => {
        fired = true;
      });
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
    });
    clock.clearAlarm();
    assert.deepEqual(warnings, []);
    assert.equal(fired, false);
  });

  test("regression: a task sleeping longer than 2^31 ms does not spin the host with 1 ms timers", async () => {
    let woke = false;
    const root = run(function* () {
      yield* sleep(2 ** 31 + 1_000);
      woke = true;
    });
    const warnings = await overflowWarnings(async () => {
      for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setTimeout(resolve, 2));
    });
    await root.cancel();
    assert.deepEqual(warnings, []);
    assert.equal(woke, false);
    assert.equal(root.state, "cancelled");
  });
});

describe("timeout with orElse", () => {
  test("a missed deadline returns orElse() after the body's teardown, instead of throwing", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const value = yield* timeout(
        10,
        function* () {
          try {
            yield* sleep(1_000);
            return "page";
          } finally {
            yield* sleep(5);
            log.push(`body torn down at ${clock.now()}`);
          }
        },
        { orElse: () => "cached page" },
      );
      log.push(`got ${value} at ${clock.now()}`);
      assert.deepEqual(log, ["body torn down at 15", "got cached page at 15"]);
    }));

  test("a body in time keeps its result; its error is thrown, not replaced by the fallback", () =>
    runTest(function* () {
      let called = false;
      const orElse = () => {
        called = true;
        return null;
      };
      assert.equal(yield* timeout(10, function* () { yield* sleep(5); return 1; }, { orElse }), 1);
      const boom = new Error("boom");
      let thrown: unknown;
      try {
        yield* timeout(10, function* () { yield* sleep(5); throw boom; }, { orElse });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      assert.equal(called, false);
    }));

  test("cancelling the caller is not a missed deadline: orElse is not called", () =>
    runTest(function* () {
      let called = false;
      const task = yield* spawn(function* () {
        yield* timeout(100, suspend, {
          orElse: () => {
            called = true;
          },
        });
      });
      yield* sleep(10);
      yield* task.cancel();
      assert.equal(called, false);
      assert.equal(task.state, "cancelled");
    }));

  test("bad options name the argument", () => {
    assert.throws(() => timeout(10, suspend, { orElse: 5 } as never), {
      name: "TypeError",
      message: "timeout(ms, body, options): orElse must be a function, got 5",
    });
    assert.throws(() => timeout(10, suspend, "x" as never), {
      name: "TypeError",
      message: 'timeout(ms, body, options): options must be an object, got "x"',
    });
  });
});
