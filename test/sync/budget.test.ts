// The cooperative budget (DESIGN.md) for every sync operation that can complete
// at once: a loop of them lets other tasks run within BUDGET completions and
// notices a cancellation — and an operation that yields because the budget is
// spent has taken nothing yet, so a cancellation there loses nothing.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, yieldNow, type Operation } from "../../src/index.js";
import { Coordinator, Event, Latch, Mutex, Semaphore, WaitGroup, waitAll, waitAny } from "../../src/sync/index.js";
import { runTest } from "../../src/testing/index.js";
import { BUDGET } from "../../src/core/runtime.js";

const STARVED = 1_000_000;

interface Kind {
  name: string;
  /** Makes an operation that completes at once every time it is run (in a loop). */
  make(): () => Operation<unknown>;
}

const kinds: Kind[] = [
  {
    name: "mutex.lock() + unlock()",
    make() {
      const mutex = new Mutex();
      return () => ({
        *[Symbol.iterator]() {
          yield* mutex.lock();
          mutex.unlock();
        },
      });
    },
  },
  {
    name: "semaphore.acquire() + release()",
    make() {
      const semaphore = new Semaphore(2);
      return () => ({
        *[Symbol.iterator]() {
          yield* semaphore.acquire(2);
          semaphore.release(2);
        },
      });
    },
  },
  {
    name: "set event.wait()",
    make() {
      const event = new Event();
      event.set();
      return () => event.wait();
    },
  },
  {
    name: "open latch.wait()",
    make() {
      const latch = new Latch(0);
      return () => latch.wait();
    },
  },
  {
    name: "waitGroup.wait() at zero",
    make() {
      const group = new WaitGroup();
      return () => group.wait();
    },
  },
  {
    name: "yield* notified handle",
    make() {
      const c = new Coordinator<number>();
      const handle = c.prepare();
      c.notify(1);
      return () => handle;
    },
  },
  {
    name: "waitAll / waitAny over notified handles",
    make() {
      const c = new Coordinator<number>();
      const a = c.prepare();
      const b = c.prepare();
      c.notifyAll(1);
      let flip = false;
      return () => ((flip = !flip) ? waitAll([a, b]) : waitAny([a]));
    },
  },
];

describe("cooperative budget (sync)", () => {
  for (const kind of kinds) {
    test(`${kind.name}: a loop of it lets others run within ${BUDGET} completions, and notices a cancellation`, () =>
      runTest(function* () {
        let completions = 0;
        const seen: number[] = [];
        const next = kind.make();
        const busy = yield* spawn(function* () {
          for (let i = 0; ; i++) {
            yield* next();
            completions++;
            if (i > STARVED) throw new Error("the loop starved the other task");
          }
        });
        yield* yieldNow();
        for (let i = 0; i < 3; i++) {
          const before = completions;
          yield* yieldNow();
          seen.push(completions - before);
        }
        yield* busy.cancel();
        assert.equal(busy.state, "cancelled");
        for (const made of seen) assert.ok(made > 0 && made <= BUDGET, `made ${made} completions in one turn`);
      }));
  }

  test("a lock() that yields for the budget and is cancelled there takes nothing", () =>
    runTest(function* () {
      const mutex = new Mutex();
      const spare = new Event();
      spare.set();
      let reached = false;
      const task = yield* spawn(function* () {
        for (let i = 0; i < BUDGET - 1; i++) yield* spare.wait();
        reached = true;
        yield* mutex.lock(); // free, but the budget is spent: it yields first
        assert.fail("must not get the lock");
      });
      yield* yieldNow();
      assert.ok(reached);
      assert.equal(mutex.locked, false, "nothing taken before the yield");
      yield* task.cancel();
      assert.equal(mutex.locked, false);
      assert.equal(mutex.stats().acquired, 0);
    }));

  test("an acquire() that yields for the budget and is cancelled there takes nothing", () =>
    runTest(function* () {
      const semaphore = new Semaphore(1);
      const spare = new Event();
      spare.set();
      const task = yield* spawn(function* () {
        for (let i = 0; i < BUDGET - 1; i++) yield* spare.wait();
        yield* semaphore.acquire();
        assert.fail("must not get the permit");
      });
      yield* yieldNow();
      assert.equal(semaphore.available, 1);
      yield* task.cancel();
      assert.equal(semaphore.available, 1);
    }));
});
