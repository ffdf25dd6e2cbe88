// The select clause protocol (issue 8): select accepts any object implementing
// SelectClause, and ships the clauses the peers have — mutex.onLock,
// semaphore.onAcquire, task.onJoin, several onTimeout — plus level-triggered
// readiness (a clause that asks the select to try again).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  channel,
  DeadlockError,
  NOT_READY,
  onTimeout,
  select,
  selectBiased,
  sleep,
  spawn,
  suspend,
  yieldNow,
  type ClauseWait,
  type SelectClause,
  type Selector,
} from "../../src/index.js";
import { Mutex, Semaphore } from "../../src/sync/index.js";
import { runTest } from "../../src/testing/index.js";

describe("mutex.onLock", () => {
  test("a free lock is taken at once", () =>
    runTest(function* () {
      const db = new Mutex({ name: "db" });
      assert.equal(yield* select(db.onLock(() => "locked"), onTimeout(10, () => "timeout")), "locked");
      assert.equal(db.locked, true);
      db.unlock();
    }));

  test("a held lock: the select waits in FIFO order and unlock() hands it over", () =>
    runTest(function* ({ clock }) {
      const db = new Mutex();
      yield* db.lock();
      const selecting = yield* spawn(() => select(db.onLock(() => `locked at ${clock.now()}`), onTimeout(100, () => "timeout")));
      yield* sleep(30);
      db.unlock();
      assert.equal(yield* selecting, "locked at 30");
      assert.equal(db.locked, true, "the select's task holds it now");
      db.unlock();
      assert.equal(db.stats().waiting, 0);
    }));

  test("the timeout wins while the lock stays held; the select leaves no waiter behind", () =>
    runTest(function* () {
      const db = new Mutex();
      yield* db.lock();
      assert.equal(yield* select(db.onLock(() => "locked"), onTimeout(50, () => "timeout")), "timeout");
      assert.equal(db.stats().waiting, 0);
      db.unlock();
      assert.equal(db.locked, false);
    }));

  test("prompt cancellation: a select handed the lock but cancelled before it ran passes the lock on", () =>
    runTest(function* () {
      const db = new Mutex();
      yield* db.lock();
      const selecting = yield* spawn(() => select(db.onLock(() => "locked")));
      const next = yield* spawn(function* () {
        yield* db.lock();
        return "next got it";
      });
      yield* yieldNow(); // both wait, the select first
      db.unlock(); // hands the lock to the select...
      yield* selecting.cancel(); // ...which is cancelled before it ran
      assert.equal(yield* next, "next got it");
      db.unlock();
      assert.equal(db.locked, false);
    }));
});

describe("semaphore.onAcquire", () => {
  test("permits free at once, or granted in FIFO order; a cancelled select gives them back", () =>
    runTest(function* () {
      const pool = new Semaphore(3);
      assert.equal(yield* select(pool.onAcquire(2, () => "two")), "two");
      assert.equal(pool.available, 1);
      const waiting = yield* spawn(() => select(pool.onAcquire(2, () => "two more"), onTimeout(100, () => "timeout")));
      yield* yieldNow();
      pool.release(2);
      assert.equal(yield* waiting, "two more");
      assert.equal(pool.available, 1);
      pool.release(2);

      yield* pool.acquire(3);
      const cancelled = yield* spawn(() => select(pool.onAcquire(3)));
      yield* yieldNow();
      pool.release(3); // granted to the select...
      yield* cancelled.cancel(); // ...cancelled before it ran: the permits come back
      assert.equal(pool.available, 3);
      assert.equal(pool.stats().waiting, 0);
    }));

  test("a lost select's waiter leaves the queue and the next waiter is served", () =>
    runTest(function* () {
      const pool = new Semaphore(1);
      yield* pool.acquire(1);
      const ch = channel<string>();
      const selecting = yield* spawn(() => select(pool.onAcquire(1, () => "permit"), ch.onReceive((v) => v)));
      yield* yieldNow();
      yield* ch.send("message");
      assert.equal(yield* selecting, "message");
      assert.equal(pool.stats().waiting, 0);
      pool.release(1);
      assert.equal(pool.available, 1);
    }));

  test("bad input: n out of range, handler not a function", () => {
    const pool = new Semaphore(2);
    assert.throws(() => pool.onAcquire(3), RangeError);
    assert.throws(() => pool.onAcquire(1, 5 as never), TypeError);
  });
});

describe("task.onJoin", () => {
  test("wins with the task's result when it ends first; the handler receives it", () =>
    runTest(function* () {
      const fetcher = yield* spawn(function* () {
        yield* sleep(20);
        return "page";
      });
      assert.equal(yield* select(fetcher.onJoin((page) => `got ${page}`), onTimeout(100, () => "timeout")), "got page");
      assert.equal(yield* select(fetcher.onJoin()), "page", "an ended task's clause is ready at once");
    }));

  test("the timeout wins while the task runs", () =>
    runTest(function* () {
      const slow = yield* spawn(() => suspend());
      assert.equal(yield* select(slow.onJoin(() => "done"), onTimeout(10, () => "timeout")), "timeout");
      yield* slow.cancel();
    }));

  test("a cancelled task throws Cancelled at the select, as a join does", () =>
    runTest(function* () {
      const victim = yield* spawn(() => suspend());
      yield* yieldNow();
      yield* victim.cancel();
      try {
        yield* select(victim.onJoin());
        assert.fail("no error");
      } catch (error) {
        assert.equal((error as Error).name, "Cancelled");
      }
    }));
});

describe("several onTimeout clauses", () => {
  test("the earliest wins", () =>
    runTest(function* ({ clock }) {
      const ch = channel<number>();
      const won = yield* select(
        ch.onReceive(() => "message"),
        onTimeout(30, () => "slow"),
        onTimeout(10, () => "fast"),
      );
      assert.equal(won, "fast");
      assert.equal(clock.now(), 10);
    }));
});

/** A level-triggered clause: ready while `flag.up`; it only tells its select to look again when the flag may have changed. */
function onFlag(flag: { up: boolean; listeners: Set<() => void> }): SelectClause<string> {
  return {
    describe: () => "flag up",
    attempt: () => (flag.up ? "flag" : NOT_READY),
    enqueue(selector: Selector): ClauseWait<string> {
      const listener = () => selector.retry();
      flag.listeners.add(listener);
      return {
        withdraw: () => void flag.listeners.delete(listener),
        giveBack: () => {},
        result: () => "flag",
      };
    },
  };
}

describe("level-triggered readiness", () => {
  test("a clause that asks for a retry makes the select attempt its clauses again, and leaves no listener behind", () =>
    runTest(function* () {
      const flag = { up: false, listeners: new Set<() => void>() };
      const raise = () => {
        flag.up = true;
        for (const listener of [...flag.listeners]) listener();
      };
      const selecting = yield* spawn(() => select(onFlag(flag), onTimeout(100, () => "timeout")));
      yield* sleep(10);
      flag.listeners.forEach((listener) => listener()); // a spurious wake-up: still not ready, the select waits again
      yield* sleep(10);
      assert.equal(flag.listeners.size, 1, "waiting again, with one listener");
      raise();
      assert.equal(yield* selecting, "flag");
      assert.equal(flag.listeners.size, 0);
    }));

  test("selectBiased prefers the first ready clause, custom ones included", () =>
    runTest(function* () {
      const flag = { up: true, listeners: new Set<() => void>() };
      const ch = channel<string>(1);
      ch.trySend("message");
      assert.equal(yield* selectBiased(onFlag(flag), ch.onReceive()), "flag");
      assert.equal(yield* selectBiased(ch.onReceive(), onFlag(flag)), "message");
    }));
});

test("a waiting select describes its clauses in a deadlock report", async () => {
  try {
    await runTest(function* () {
      const db = new Mutex({ name: "db" });
      yield* db.lock();
      const ch = channel<number>(0, { name: "jobs" });
      yield* spawn(function* worker() {
        yield* select(db.onLock(), ch.onReceive());
      });
      yield* suspend();
    });
    assert.fail("no deadlock");
  } catch (error) {
    assert.ok(error instanceof DeadlockError, String(error));
    assert.ok(
      error.blocked.some(({ waitsOn }) => waitsOn === 'select: lock of mutex "db" | receive on channel "jobs"'),
      error.message,
    );
  }
});
