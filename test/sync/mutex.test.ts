// Mutex: mutual exclusion, FIFO fairness with direct hand-off (no barging),
// withLock unlocking however the body ends, prompt cancellation (a waiter handed
// the lock but cancelled before it ran passes it on, or releases it), no trace
// left by a cancelled waiter, stats, and clear errors for misuse.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, yieldNow, sleep, scoped } from "../../src/index.js";
import { Mutex } from "../../src/sync/index.js";
import { runTest, Steps } from "../../src/testing/index.js";

describe("Mutex", () => {
  test("lock, unlock, tryLock, locked", () =>
    runTest(function* () {
      const mutex = new Mutex();
      assert.equal(mutex.locked, false);
      yield* mutex.lock();
      assert.equal(mutex.locked, true);
      assert.equal(mutex.tryLock(), false, "held");
      mutex.unlock();
      assert.equal(mutex.locked, false);
      assert.equal(mutex.tryLock(), true);
      mutex.unlock();
      assert.deepEqual(mutex.stats(), {
        name: mutex.name,
        locked: false,
        waiting: 0,
        acquired: 2,
        released: 2,
        cancelledWaiters: 0,
        handedBack: 0,
      });
    }));

  test("mutual exclusion: critical sections that suspend never overlap", () =>
    runTest(function* () {
      const mutex = new Mutex();
      let inside = 0;
      let most = 0;
      for (let i = 0; i < 5; i++) {
        yield* spawn(() =>
          mutex.withLock(function* () {
            inside++;
            most = Math.max(most, inside);
            yield* sleep(10);
            inside--;
          }),
        );
      }
      yield* sleep(100);
      assert.equal(most, 1);
      assert.equal(mutex.locked, false);
    }));

  test("FIFO: waiters get the lock in the order they asked, handed over directly", () =>
    runTest(function* () {
      const mutex = new Mutex({ name: "fair" });
      const order: string[] = [];
      yield* mutex.lock();
      for (const name of ["a", "b", "c", "d"]) {
        yield* spawn(function* () {
          yield* mutex.lock();
          order.push(name);
          yield* yieldNow();
          mutex.unlock();
        });
      }
      yield* yieldNow();
      assert.equal(mutex.stats().waiting, 4);
      mutex.unlock();
      yield* sleep(1);
      assert.deepEqual(order, ["a", "b", "c", "d"]);
    }));

  test("no barging: once unlock() hands the lock to a waiter, tryLock and a new lock() queue behind it", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const steps = new Steps();
      yield* mutex.lock();
      yield* spawn(function* () {
        steps.expect(1);
        yield* mutex.lock();
        steps.expect(3);
        mutex.unlock();
      });
      yield* yieldNow();
      mutex.unlock(); // handed to the waiter, which has not run yet
      assert.equal(mutex.locked, true, "held for the waiter");
      assert.equal(mutex.tryLock(), false, "no barging");
      steps.expect(2);
      yield* mutex.lock(); // queues behind the waiter
      steps.expect(4);
      mutex.unlock();
      steps.finish(5);
    }));

  test("withLock returns the body's result and unlocks; it unlocks when the body throws", () =>
    runTest(function* () {
      const mutex = new Mutex();
      assert.equal(
        yield* mutex.withLock(function* () {
          assert.equal(mutex.locked, true);
          return 42;
        }),
        42,
      );
      assert.equal(mutex.locked, false);
      let caught: unknown;
      try {
        yield* mutex.withLock(function* () {
          yield* yieldNow();
          throw new Error("boom");
        });
      } catch (error) {
        caught = error;
      }
      assert.match((caught as Error).message, /boom/);
      assert.equal(mutex.locked, false);
    }));

  test("withLock unlocks when its task is cancelled in the body, and the next waiter gets the lock", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const holder = yield* spawn(() => mutex.withLock(() => sleep(1_000)));
      const next = yield* spawn(() => mutex.withLock(function* () { return "next ran"; }));
      yield* yieldNow();
      assert.equal(mutex.stats().waiting, 1);
      yield* holder.cancel();
      assert.equal(yield* next, "next ran");
      assert.equal(mutex.locked, false);
    }));

  test("a body cancelled in the lock finishes its finally (which may wait) before the lock is handed on", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const log: string[] = [];
      const holder = yield* spawn(() =>
        mutex.withLock(function* () {
          try {
            yield* sleep(1_000);
          } finally {
            log.push("cleanup starts");
            yield* sleep(10); // still holding the lock
            log.push("cleanup ends");
          }
        }),
      );
      const next = yield* spawn(() =>
        mutex.withLock(function* () {
          log.push("next holds the lock");
        }),
      );
      yield* yieldNow();
      yield* holder.cancel();
      yield* next;
      assert.deepEqual(log, ["cleanup starts", "cleanup ends", "next holds the lock"]);
      assert.equal(mutex.locked, false);
    }));

  test("a withLock operation runs its body each time it is iterated, locking and unlocking each time", () =>
    runTest(function* () {
      const mutex = new Mutex();
      let runs = 0;
      const op = mutex.withLock(function* () {
        assert.equal(mutex.locked, true);
        yield* yieldNow();
        return ++runs;
      });
      assert.equal(yield* op, 1);
      assert.equal(yield* op, 2);
      assert.equal(mutex.locked, false);
      assert.equal(mutex.stats().acquired, 2);
    }));

  test("a body that catches the cancellation's unwinding and returns still unlocks", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const holder = yield* spawn(() =>
        mutex.withLock(function* () {
          try {
            yield* sleep(1_000);
          } catch {
            assert.fail("cancellation is not an error");
          }
        }),
      );
      yield* yieldNow();
      yield* holder.cancel();
      assert.equal(mutex.locked, false);
    }));

  test("a waiter cancelled while waiting leaves no trace: no waiter, the lock untouched", () =>
    runTest(function* () {
      const mutex = new Mutex();
      yield* mutex.lock();
      const waiter = yield* spawn(() => mutex.withLock(function* () { assert.fail("must not run"); }));
      yield* yieldNow();
      yield* waiter.cancel();
      const stats = mutex.stats();
      assert.equal(stats.waiting, 0);
      assert.equal(stats.cancelledWaiters, 1);
      assert.equal(mutex.locked, true, "still ours");
      mutex.unlock();
      assert.equal(mutex.locked, false, "nobody to hand it to");
    }));

  test("prompt: a waiter handed the lock but cancelled in the same step passes it to the next waiter", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const got: string[] = [];
      yield* mutex.lock();
      const first = yield* spawn(function* () {
        yield* mutex.lock();
        got.push("first");
        mutex.unlock();
      });
      const second = yield* spawn(function* () {
        yield* mutex.lock();
        got.push("second");
        mutex.unlock();
      });
      yield* yieldNow();
      mutex.unlock(); // handed to first
      first.cancel(); // before it ran: it passes the lock on
      assert.equal(mutex.locked, true, "now handed to second");
      assert.equal(mutex.stats().waiting, 0);
      yield* second;
      assert.deepEqual(got, ["second"], "the cancelled lock() never also succeeded; nothing was lost");
      assert.equal(mutex.locked, false);
      const stats = mutex.stats();
      assert.equal(stats.handedBack, 1);
      assert.equal(stats.acquired, stats.released, "balanced");
    }));

  test("prompt: with no other waiter, a lock handed to a cancelled waiter is released", () =>
    runTest(function* () {
      const mutex = new Mutex();
      yield* mutex.lock();
      const waiter = yield* spawn(() => mutex.lock());
      yield* yieldNow();
      mutex.unlock();
      waiter.cancel();
      assert.equal(mutex.locked, false);
      assert.equal(mutex.tryLock(), true);
      mutex.unlock();
    }));

  test("unlock() of an unlocked mutex is a clear Error", () =>
    runTest(function* () {
      const mutex = new Mutex({ name: "db" });
      assert.throws(
        () => mutex.unlock(),
        (error: unknown) => error instanceof Error && error.message === 'mutex "db".unlock(): the mutex is not locked; call unlock() once after each lock() or successful tryLock()',
      );
      yield* mutex.lock();
      mutex.unlock();
      assert.throws(() => mutex.unlock(), /not locked/);
    }));

  test("bad input: withLock without a body, a body that returns no operation, options", () =>
    runTest(function* () {
      const mutex = new Mutex();
      assert.throws(() => mutex.withLock(42 as never), TypeError);
      let caught: unknown;
      try {
        yield* mutex.withLock((() => 5) as never);
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof TypeError && /expected an operation/.test(caught.message));
      assert.equal(mutex.locked, false, "unlocked after the bad body");
      assert.throws(() => new Mutex({ name: 1 } as never), /name must be a string/);
      assert.throws(() => new Mutex(7 as never), /options must be an object/);
    }));

  test("a failing critical section in a scope releases the lock for the survivors", () =>
    runTest(function* () {
      const mutex = new Mutex();
      try {
        yield* scoped(function* () {
          yield* spawn(() => mutex.withLock(function* () { yield* sleep(5); throw new Error("worker failed"); }));
          yield* spawn(() => mutex.withLock(() => sleep(1_000)));
          yield* sleep(10_000);
        });
      } catch (error) {
        assert.match((error as Error).message, /worker failed/);
      }
      assert.equal(mutex.locked, false);
      assert.equal(mutex.stats().waiting, 0);
    }));
});
