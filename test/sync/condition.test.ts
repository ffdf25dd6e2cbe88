// Condition: wait() unlocks, parks and re-locks; signal wakes the oldest waiter,
// broadcast all. Cancellation (the choice documented in condition.ts): wait()
// ends — normally or by cancellation — only holding the mutex, so the caller's
// finally finds it locked, and no code after the cancelled wait runs; a signal
// is never lost to a cancelled waiter (it moves to the next one).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, yieldNow, sleep, suspend } from "../../src/index.js";
import { Condition, Mutex } from "../../src/sync/index.js";
import { runTest, Steps } from "../../src/testing/index.js";

describe("Condition", () => {
  test("a bounded buffer: producers and consumers with waitFor, nothing lost or duplicated", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const notEmpty = new Condition(mutex);
      const notFull = new Condition(mutex);
      const buffer: number[] = [];
      const received: number[] = [];
      const consumers = [];
      for (let c = 0; c < 2; c++) {
        consumers.push(
          yield* spawn(function* () {
            for (let i = 0; i < 10; i++) {
              yield* mutex.withLock(function* () {
                yield* notEmpty.waitFor(() => buffer.length > 0);
                received.push(buffer.shift()!);
                notFull.signal();
              });
              yield* sleep(1);
            }
          }),
        );
      }
      for (let p = 0; p < 2; p++) {
        yield* spawn(function* () {
          for (let i = 0; i < 10; i++) {
            yield* mutex.withLock(function* () {
              yield* notFull.waitFor(() => buffer.length < 2);
              buffer.push(p * 100 + i);
              notEmpty.signal();
            });
          }
        });
      }
      for (const consumer of consumers) yield* consumer;
      assert.deepEqual(
        [...received].sort((a, b) => a - b),
        [...Array(10).keys(), ...Array.from({ length: 10 }, (_, i) => 100 + i)],
      );
      assert.equal(mutex.locked, false);
    }));

  test("wait() releases the lock while parked and holds it again when it returns", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const condition = new Condition(mutex);
      const steps = new Steps();
      yield* spawn(function* () {
        yield* mutex.lock();
        steps.expect(1);
        yield* condition.wait();
        steps.expect(4);
        assert.equal(mutex.locked, true);
        mutex.unlock();
      });
      yield* yieldNow();
      assert.equal(mutex.locked, false, "released by wait()");
      yield* mutex.lock();
      steps.expect(2);
      condition.signal();
      yield* yieldNow(); // the waiter runs and queues for the lock, which we hold
      steps.expect(3);
      mutex.unlock();
      yield* sleep(1);
      steps.finish(5);
    }));

  test("signal wakes the longest waiter; broadcast wakes all; signal with no waiter returns false", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const condition = new Condition(mutex, { name: "changed" });
      const woken: string[] = [];
      assert.equal(condition.signal(), false);
      for (const name of ["a", "b", "c"]) {
        yield* spawn(() =>
          mutex.withLock(function* () {
            yield* condition.wait();
            woken.push(name);
          }),
        );
      }
      yield* yieldNow();
      assert.equal(condition.stats().waiting, 3);
      assert.equal(condition.signal(), true);
      yield* sleep(1);
      assert.deepEqual(woken, ["a"]);
      assert.equal(condition.broadcast(), 2);
      yield* sleep(1);
      assert.deepEqual(woken, ["a", "b", "c"]);
      assert.deepEqual(condition.stats(), { name: 'condition "changed"', waiting: 0, signalled: 3, cancelledWaiters: 0, passedOn: 0 });
    }));

  test("wait() without holding the mutex is a clear Error", () =>
    runTest(function* () {
      const condition = new Condition(new Mutex({ name: "m" }));
      let caught: unknown;
      try {
        yield* condition.wait();
      } catch (error) {
        caught = error;
      }
      assert.match((caught as Error).message, /wait\(\): lock mutex "m" first/);
      assert.equal(condition.stats().waiting, 0);
      assert.throws(() => new Condition({} as never), /mutex must be a Mutex/);
      assert.throws(() => condition.waitFor("x" as never), /predicate must be a function/);
    }));
});

describe("Condition under cancellation", () => {
  test("cancelled while waiting for a signal: the lock is held again before the caller's finally, and code after wait() does not run", () =>
    runTest(function* ({ clock }) {
      const mutex = new Mutex();
      const condition = new Condition(mutex);
      const log: string[] = [];
      const waiter = yield* spawn(function* () {
        yield* mutex.lock();
        try {
          yield* condition.wait();
          log.push("after wait");
        } finally {
          log.push(`finally: locked=${mutex.locked} at ${clock.now()}`);
          mutex.unlock();
        }
        log.push("after finally");
      });
      yield* yieldNow();
      yield* mutex.lock(); // the lock is contended when the cancel comes
      const cancelling = yield* spawn(() => waiter.cancel());
      yield* sleep(10);
      assert.deepEqual(log, [], "the cancelled waiter waits for the lock before unwinding");
      mutex.unlock();
      yield* cancelling;
      assert.deepEqual(log, ["finally: locked=true at 10"]);
      assert.equal(waiter.state, "cancelled");
      assert.equal(mutex.locked, false);
      assert.equal(condition.stats().waiting, 0, "no trace on the condition");
      assert.equal(condition.stats().cancelledWaiters, 1);
      assert.equal(mutex.stats().waiting, 0, "nor on the mutex");
    }));

  test("cancelled while waiting, lock free: it re-locks at once and unwinds through withLock", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const condition = new Condition(mutex);
      const waiter = yield* spawn(() => mutex.withLock(() => condition.waitFor(() => false)));
      yield* yieldNow();
      yield* waiter.cancel();
      assert.equal(mutex.locked, false);
      const stats = mutex.stats();
      assert.equal(stats.acquired, stats.released);
    }));

  test("cancelled while re-locking after a signal: it still re-locks, and passes a signal to the next waiter", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const condition = new Condition(mutex);
      const log: string[] = [];
      const waiter = (name: string) =>
        spawn(function* () {
          yield* mutex.lock();
          try {
            yield* condition.wait();
            log.push(`${name} woke`);
          } finally {
            log.push(`${name} finally: locked=${mutex.locked}`);
            mutex.unlock();
          }
        });
      const a = yield* waiter("a");
      yield* waiter("b");
      yield* yieldNow();
      yield* mutex.lock();
      condition.signal(); // to a
      yield* yieldNow(); // a runs, and queues for the lock we hold
      assert.equal(mutex.stats().waiting, 1);
      a.cancel();
      assert.equal(mutex.stats().waiting, 1, "a keeps its place in the lock's queue");
      yield* sleep(1);
      mutex.unlock();
      yield* sleep(1);
      assert.deepEqual(log, ["a finally: locked=true", "b woke", "b finally: locked=true"]);
      assert.equal(a.state, "cancelled");
      assert.equal(condition.stats().passedOn, 1);
      assert.equal(mutex.locked, false);
    }));

  test("prompt: a signal handed to a waiter cancelled in the same step goes to the next waiter", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const condition = new Condition(mutex);
      const woken: string[] = [];
      const tasks = [];
      for (const name of ["a", "b"]) {
        tasks.push(
          yield* spawn(() =>
            mutex.withLock(function* () {
              yield* condition.wait();
              woken.push(name);
            }),
          ),
        );
      }
      yield* yieldNow();
      condition.signal(); // to a
      tasks[0].cancel(); // before a ran
      assert.equal(condition.stats().waiting, 0, "b has the signal now");
      yield* tasks[1];
      assert.deepEqual(woken, ["b"]);
      assert.equal(condition.stats().passedOn, 1);
      assert.equal(mutex.locked, false);
    }));

  test("a wait made as ordinary cleanup in a finally during teardown runs to the end (it is not cut short)", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const condition = new Condition(mutex);
      let flushed = false;
      const log: string[] = [];
      const task = yield* spawn(function* () {
        try {
          yield* suspend();
        } finally {
          yield* mutex.withLock(function* () {
            yield* condition.waitFor(() => flushed);
            log.push("cleanup saw the flush");
          });
          log.push("cleanup done");
        }
      });
      yield* yieldNow();
      const cancelling = yield* spawn(() => task.cancel());
      yield* sleep(1);
      yield* mutex.lock(); // hold the lock across the signal: the waiter must queue to re-lock
      flushed = true;
      condition.signal();
      yield* sleep(1);
      mutex.unlock();
      yield* cancelling;
      assert.deepEqual(log, ["cleanup saw the flush", "cleanup done"]);
      assert.equal(task.state, "cancelled");
      assert.equal(mutex.locked, false);
    }));

  test("a waiter released by broadcast and cancelled before it ran passes nothing on", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const condition = new Condition(mutex);
      const a = yield* spawn(() => mutex.withLock(() => condition.wait()));
      const b = yield* spawn(() => mutex.withLock(() => condition.wait()));
      yield* yieldNow();
      condition.broadcast();
      a.cancel();
      const late = yield* spawn(() => mutex.withLock(() => condition.wait()));
      yield* b;
      yield* yieldNow();
      assert.equal(late.state, "running", "still waiting: a broadcast owes nothing");
      assert.equal(condition.stats().passedOn, 0);
      yield* late.cancel();
      assert.equal(mutex.locked, false);
    }));
});
