// WaitGroup, Latch and Event: waits that end when a counter reaches zero or a
// flag is set; every waiter released at once; later waits return at once (while
// the gate is open); cancelled waiters leave no trace; a counter never goes
// negative; bad input is a clear error.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, yieldNow, sleep } from "../../src/index.js";
import { WaitGroup, Latch, Event } from "../../src/sync/index.js";
import { runTest, Steps } from "../../src/testing/index.js";

describe("WaitGroup", () => {
  test("wait() returns when every piece of work is done", () =>
    runTest(function* ({ clock }) {
      const group = new WaitGroup();
      const finished: number[] = [];
      for (const ms of [30, 10, 20]) {
        group.add(1);
        yield* spawn(function* () {
          try {
            yield* sleep(ms);
            finished.push(ms);
          } finally {
            group.done();
          }
        });
      }
      assert.equal(group.count, 3);
      yield* group.wait();
      assert.equal(clock.now(), 30);
      assert.deepEqual(finished, [10, 20, 30]);
      assert.equal(group.count, 0);
    }));

  test("wait() at zero returns at once; several waiters are all released; the group can be reused", () =>
    runTest(function* () {
      const group = new WaitGroup({ name: "uploads" });
      yield* group.wait();
      group.add(2);
      const waiters = [yield* spawn(() => group.wait()), yield* spawn(() => group.wait())];
      yield* yieldNow();
      assert.equal(group.stats().waiting, 2);
      group.done();
      yield* yieldNow();
      assert.equal(waiters[0].state, "running");
      group.done();
      for (const waiter of waiters) yield* waiter;
      group.add(1);
      const again = yield* spawn(() => group.wait());
      yield* yieldNow();
      group.done();
      yield* again;
      assert.deepEqual(group.stats(), { name: 'wait group "uploads"', count: 0, waiting: 0, released: 3, cancelledWaiters: 0 });
    }));

  test("going negative is a clear Error and leaves the counter as it was", () => {
    const group = new WaitGroup();
    assert.throws(() => group.done(), /done\(\): the counter would go negative \(0 - 1\)/);
    group.add(2);
    assert.throws(() => group.add(-3), /add\(n\): the counter would go negative/);
    assert.equal(group.count, 2);
    group.add(-2);
    assert.equal(group.count, 0);
  });

  test("a cancelled waiter leaves no trace", () =>
    runTest(function* () {
      const group = new WaitGroup();
      group.add(1);
      const waiter = yield* spawn(() => group.wait());
      yield* yieldNow();
      yield* waiter.cancel();
      assert.equal(group.stats().waiting, 0);
      assert.equal(group.stats().cancelledWaiters, 1);
      group.done();
      assert.equal(group.stats().released, 0);
    }));

  test("bad input: add(1.5), add(\"1\")", () => {
    const group = new WaitGroup();
    assert.throws(() => group.add(1.5), (error: unknown) => error instanceof RangeError && /n must be an integer/.test(error.message));
    assert.throws(() => group.add("1" as never), TypeError);
    assert.throws(() => new WaitGroup({ name: [] } as never), /name must be a string/);
  });
});

describe("Latch", () => {
  test("opens after count countDowns, releasing every waiter; later waits return at once", () =>
    runTest(function* () {
      const latch = new Latch(2);
      const steps = new Steps();
      for (const step of [3, 4]) {
        yield* spawn(function* () {
          yield* latch.wait();
          steps.expect(step);
        });
      }
      yield* yieldNow();
      steps.expect(1);
      latch.countDown();
      yield* yieldNow();
      assert.equal(latch.count, 1);
      steps.expect(2);
      latch.countDown();
      yield* sleep(1);
      yield* latch.wait();
      latch.countDown(); // does nothing once open
      assert.equal(latch.count, 0);
      steps.finish(5);
      assert.deepEqual(latch.stats(), { name: latch.name, count: 0, waiting: 0, released: 2, cancelledWaiters: 0 });
    }));

  test("Latch(0) is open from the start; a cancelled waiter leaves no trace", () =>
    runTest(function* () {
      yield* new Latch(0).wait();
      const latch = new Latch(1);
      const waiter = yield* spawn(() => latch.wait());
      yield* yieldNow();
      yield* waiter.cancel();
      assert.equal(latch.stats().waiting, 0);
      assert.equal(latch.stats().cancelledWaiters, 1);
    }));

  test("bad input: count -1, 1.5, \"x\"", () => {
    assert.throws(() => new Latch(-1), (error: unknown) => error instanceof RangeError && /count must be an integer ≥ 0, got -1/.test(error.message));
    assert.throws(() => new Latch(1.5), RangeError);
    assert.throws(() => new Latch("x" as never), TypeError);
  });
});

describe("Event", () => {
  test("set() releases every current and future waiter; setting twice changes nothing", () =>
    runTest(function* () {
      const event = new Event({ name: "ready" });
      const woken: string[] = [];
      for (const name of ["a", "b"]) {
        yield* spawn(function* () {
          yield* event.wait();
          woken.push(name);
        });
      }
      yield* yieldNow();
      assert.equal(event.isSet, false);
      assert.equal(event.stats().waiting, 2);
      assert.equal(event.set(), true);
      assert.equal(event.set(), false);
      yield* event.wait(); // at once
      yield* yieldNow();
      assert.deepEqual(woken, ["a", "b"]);
      assert.deepEqual(event.stats(), { name: 'event "ready"', isSet: true, waiting: 0, released: 2, cancelledWaiters: 0 });
    }));

  test("a waiter released but cancelled before it ran takes nothing from the others", () =>
    runTest(function* () {
      const event = new Event();
      const a = yield* spawn(() => event.wait());
      const b = yield* spawn(() => event.wait());
      yield* yieldNow();
      event.set();
      a.cancel();
      yield* b;
      assert.equal(a.state, "cancelled");
      assert.equal(b.state, "completed");
    }));

  test("a cancelled waiter leaves no trace", () =>
    runTest(function* () {
      const event = new Event();
      const waiter = yield* spawn(() => event.wait());
      yield* yieldNow();
      yield* waiter.cancel();
      assert.equal(event.stats().waiting, 0);
      assert.equal(event.stats().cancelledWaiters, 1);
    }));
});

describe("Event carrying a value", () => {
  test("set(value) gives the value to every waiter, present and future; the first value stays", () =>
    runTest(function* () {
      const config = new Event<{ port: number }>({ name: "config" });
      const early = yield* spawn(function* () {
        return (yield* config.wait()).port;
      });
      yield* sleep(5);
      assert.equal(config.set({ port: 8080 }), true);
      assert.equal(config.set({ port: 9090 }), false);
      assert.equal(yield* early, 8080);
      assert.deepEqual(yield* config.wait(), { port: 8080 });
    }));

  test("a plain Event's wait() returns undefined, as before", () =>
    runTest(function* () {
      const done = new Event();
      done.set();
      assert.equal(yield* done.wait(), undefined);
    }));
});
