// The Coordinator (the coop seed's park/unpark hook): wait/notify/notifyAll in
// FIFO order; the set-up API (prepare) with waitAll/waitAny and cancel; prompt
// cancellation — a notify() handed to a waiter cancelled before it ran goes to
// the next waiter (or to onReturned), never lost, while a notifyAll owes
// nothing; a cancelled wait leaves no registration behind.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { run, spawn, yieldNow, sleep, type Task } from "../../src/index.js";
import { Coordinator, waitAll, waitAny } from "../../src/sync/index.js";
import { runTest, Steps } from "../../src/testing/index.js";
import { BUDGET } from "../../src/core/runtime.js";

describe("wait and notify", () => {
  test("wait() parks until notify(value), which returns the value; notify says whether anyone was woken", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const steps = new Steps();
      assert.equal(c.notify("nobody"), false, "no waiter: nothing is stored");
      const waiter = yield* spawn(function* () {
        steps.expect(1);
        const value = yield* c.wait();
        steps.expect(3);
        return value;
      });
      yield* yieldNow();
      assert.equal(c.waiting, 1);
      steps.expect(2);
      assert.equal(c.notify("go"), true);
      assert.equal(c.waiting, 0);
      assert.equal(yield* waiter, "go");
      steps.finish(4);
      assert.deepEqual(c.stats(), { name: c.name, waiting: 0, notified: 1, cancelled: 0, returned: 0 });
    }));

  test("notify wakes waiters one at a time, oldest first (FIFO)", () =>
    runTest(function* () {
      const c = new Coordinator<number>();
      const woken: string[] = [];
      for (const name of ["a", "b", "c"]) {
        yield* spawn(function* () {
          woken.push(`${name}:${yield* c.wait()}`);
        });
      }
      yield* yieldNow();
      assert.equal(c.waiting, 3);
      for (let i = 1; i <= 3; i++) {
        c.notify(i);
        yield* yieldNow();
      }
      assert.deepEqual(woken, ["a:1", "b:2", "c:3"]);
    }));

  test("notifyAll wakes every current waiter with the value and returns how many; later waiters still wait", () =>
    runTest(function* () {
      const c = new Coordinator<string>({ name: "gate" });
      assert.equal(c.name, 'coordinator "gate"');
      const woken: string[] = [];
      for (const name of ["a", "b", "c"]) {
        yield* spawn(function* () {
          woken.push(`${name}:${yield* c.wait()}`);
        });
      }
      yield* yieldNow();
      assert.equal(c.notifyAll("open"), 3);
      const late = yield* spawn(() => c.wait());
      yield* yieldNow();
      assert.deepEqual(woken, ["a:open", "b:open", "c:open"]);
      assert.equal(c.waiting, 1, "a waiter registered after notifyAll still waits");
      assert.equal(c.notifyAll("again"), 1);
      assert.equal(yield* late, "again");
      assert.equal(c.notifyAll("none"), 0);
      assert.equal(c.stats().notified, 4);
    }));

  test("a Coordinator<void> needs no value", () =>
    runTest(function* () {
      const c = new Coordinator();
      const waiter = yield* spawn(() => c.wait());
      yield* yieldNow();
      assert.equal(c.notify(), true);
      assert.equal(yield* waiter, undefined);
    }));

  test("wait() outside a task is a clear error", () => {
    const c = new Coordinator();
    assert.throws(() => c.wait()[Symbol.iterator]().next(), (error: unknown) => error instanceof TypeError && /inside a Strand task/.test(error.message));
    assert.equal(c.waiting, 0);
  });
});

describe("the set-up API: prepare, then wait", () => {
  test("prepare() registers without blocking; a notify before the wait is kept by the handle", () =>
    runTest(function* () {
      const c = new Coordinator<number>();
      const handle = c.prepare();
      assert.equal(handle.state, "waiting");
      assert.equal(c.waiting, 1);
      assert.equal(c.notify(7), true, "the prepared handle counts as a waiter");
      assert.equal(handle.state, "notified");
      assert.equal(c.waiting, 0);
      assert.equal(yield* handle, 7, "completes at once");
      assert.equal(handle.state, "consumed");
      assert.equal(yield* handle, 7, "reading a consumed handle again returns its value again");
      assert.equal(handle.cancel(), false, "nothing left to cancel");
    }));

  test("a prepared handle keeps its place in the FIFO order", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const first = c.prepare();
      const later = yield* spawn(() => c.wait());
      yield* yieldNow();
      c.notify("one");
      c.notify("two");
      assert.equal(yield* first, "one");
      assert.equal(yield* later, "two");
    }));

  test("waitAll waits until every handle is notified and returns the values in order, typed", () =>
    runTest(function* () {
      const numbers = new Coordinator<number>();
      const words = new Coordinator<string>();
      const a = numbers.prepare();
      const b = words.prepare();
      const c = numbers.prepare();
      const all = yield* spawn(function* () {
        const values: [number, string, number] = yield* waitAll([a, b, c]);
        return values;
      });
      yield* yieldNow();
      numbers.notify(1);
      yield* yieldNow();
      assert.equal(all.state, "running", "still waiting for the others");
      words.notify("two");
      numbers.notify(3);
      assert.deepEqual(yield* all, [1, "two", 3]);
      assert.deepEqual(yield* waitAll([]), [], "nothing to wait for");
    }));

  test("waitAny returns the first handle notified (index and value) and cancels the others", () =>
    runTest(function* () {
      const jobs = new Coordinator<string>();
      const shutdown = new Coordinator<boolean>();
      const job = jobs.prepare();
      const stop = shutdown.prepare();
      const any = yield* spawn(() => waitAny([job, stop]));
      yield* yieldNow();
      shutdown.notify(true);
      assert.equal(job.state, "cancelled", "the loser left its list at once");
      assert.equal(jobs.waiting, 0);
      const result = yield* any;
      assert.deepEqual(result, { index: 1, value: true });
      if (result.index === 1) {
        const value: boolean = result.value; // the index narrows the value's type
        assert.equal(value, true);
      }
      assert.equal(jobs.notify("late"), false, "nobody waits on jobs any more");
    }));

  test("waitAny with handles already notified takes the first in order; another's notification goes to the next waiter", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const a = c.prepare();
      const b = c.prepare();
      const third = yield* spawn(() => c.wait());
      yield* yieldNow();
      c.notify("for a");
      c.notify("for b");
      assert.deepEqual(yield* waitAny([a, b]), { index: 0, value: "for a" });
      assert.equal(b.state, "cancelled");
      assert.equal(yield* third, "for b", "b's notification was passed on, not lost");
      assert.equal(c.stats().returned, 1);
    }));

  test("cancel() withdraws a prepared wait; notify skips it", () =>
    runTest(function* () {
      const c = new Coordinator<number>();
      const handle = c.prepare();
      const waiter = yield* spawn(() => c.wait());
      yield* yieldNow();
      assert.equal(handle.cancel(), true);
      assert.equal(handle.cancel(), false, "cancelling twice changes nothing");
      assert.equal(handle.state, "cancelled");
      c.notify(5);
      assert.equal(yield* waiter, 5);
      assert.deepEqual(c.stats(), { name: c.name, waiting: 0, notified: 1, cancelled: 1, returned: 0 });
    }));

  test("cancelling a notified handle nobody consumed passes the notification to the next waiter", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const handle = c.prepare();
      const waiter = yield* spawn(() => c.wait());
      yield* yieldNow();
      c.notify("precious");
      assert.equal(handle.cancel(), true);
      assert.equal(yield* waiter, "precious");
    }));

  test("with onReturned, a notification given back goes there instead of to the next waiter", () =>
    runTest(function* () {
      const returned: string[] = [];
      const c = new Coordinator<string>({ onReturned: (value) => returned.push(value) });
      const handle = c.prepare();
      const other = c.prepare();
      c.notify("x");
      handle.cancel();
      assert.deepEqual(returned, ["x"]);
      assert.equal(other.state, "waiting");
      other.cancel();
    }));

  test("a handle is Disposable: `using` cancels it when the block is left, also by cancellation", () =>
    runTest(function* () {
      const c = new Coordinator<number>();
      {
        using handle = c.prepare();
        assert.equal(c.waiting, 1);
        assert.equal(handle.state, "waiting");
      }
      assert.equal(c.waiting, 0);
      const task = yield* spawn(function* () {
        using handle = c.prepare();
        using other = c.prepare();
        void handle;
        void other;
        yield* sleep(1_000);
      });
      yield* yieldNow();
      assert.equal(c.waiting, 2);
      yield* task.cancel();
      assert.equal(c.waiting, 0, "no registration left behind");
    }));

  test("misuse is a clear error: waiting on a cancelled handle, waiting twice, cancelling a handle a task waits on", () =>
    runTest(function* () {
      const c = new Coordinator();
      const cancelled = c.prepare();
      cancelled.cancel();
      assert.throws(() => cancelled[Symbol.iterator]().next(), /was cancelled/);
      const handle = c.prepare();
      const waiter = yield* spawn(function* () {
        yield* handle;
      });
      yield* yieldNow();
      assert.throws(() => handle.cancel(), /is waiting on; cancel that task instead/);
      assert.throws(() => waitAll([handle])[Symbol.iterator]().next(), /already waiting on this handle/);
      c.notify();
      yield* waiter;
    }));

  test("bad input: handles that are not an array of wait handles, duplicates, an empty waitAny, options", () => {
    const c = new Coordinator();
    const handle = c.prepare();
    assert.throws(() => waitAll("x" as never), TypeError);
    assert.throws(() => waitAll([{}] as never), /handles\[0\] is not a wait handle/);
    assert.throws(() => waitAny([handle, handle]), /handles\[1\] appears twice/);
    assert.throws(() => waitAny([]), /at least one handle/);
    assert.throws(() => new Coordinator({ name: 3 } as never), /name must be a string/);
    assert.throws(() => new Coordinator({ onReturned: "no" } as never), /onReturned must be a function/);
    assert.throws(() => new Coordinator("x" as never), /options must be an object/);
    handle.cancel();
  });
});

describe("cancellation", () => {
  test("cancelling a waiting task leaves no registration behind", () =>
    runTest(function* () {
      const c = new Coordinator<number>();
      const waiter = yield* spawn(() => c.wait());
      yield* yieldNow();
      yield* waiter.cancel();
      assert.deepEqual(c.stats(), { name: c.name, waiting: 0, notified: 0, cancelled: 1, returned: 0 });
      assert.equal(c.notify(1), false);
    }));

  test("prompt: a notify handed to a waiter cancelled in the same step goes to the next waiter", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const got: string[] = [];
      const first = yield* spawn(function* () {
        got.push(`first:${yield* c.wait()}`);
      });
      const second = yield* spawn(function* () {
        got.push(`second:${yield* c.wait()}`);
      });
      yield* yieldNow();
      assert.equal(c.notify("only one"), true);
      first.cancel(); // before it ran
      assert.equal(c.waiting, 0, "the notification moved on to the second waiter at once");
      yield* second;
      assert.equal(first.state, "cancelled");
      assert.deepEqual(got, ["second:only one"], "delivered exactly once, to a waiter that could use it");
      assert.deepEqual(c.stats(), { name: c.name, waiting: 0, notified: 2, cancelled: 0, returned: 1 });
    }));

  test("prompt: with no other waiter, the notification goes to onReturned (or is dropped)", () =>
    runTest(function* () {
      const returned: number[] = [];
      const c = new Coordinator<number>({ onReturned: (value) => returned.push(value) });
      const waiter = yield* spawn(() => c.wait());
      yield* yieldNow();
      c.notify(42);
      waiter.cancel();
      assert.deepEqual(returned, [42]);
      const plain = new Coordinator<number>();
      const lonely = yield* spawn(() => plain.wait());
      yield* yieldNow();
      plain.notify(1);
      lonely.cancel();
      assert.deepEqual(plain.stats(), { name: plain.name, waiting: 0, notified: 1, cancelled: 0, returned: 1 });
    }));

  test("a notifyAll owes nothing: a woken waiter cancelled before it ran gives nothing to later waiters", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const a = yield* spawn(() => c.wait());
      const b = yield* spawn(() => c.wait());
      yield* yieldNow();
      c.notifyAll("all");
      a.cancel();
      const late = yield* spawn(() => c.wait());
      yield* yieldNow();
      assert.equal(yield* b, "all");
      assert.equal(late.state, "running", "the late waiter was not woken by a's cancellation");
      assert.equal(c.stats().returned, 0);
      yield* late.cancel();
    }));

  test("a task cancelled in waitAll withdraws every handle; a notification one had received is passed on", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const other = new Coordinator<string>();
      const a = c.prepare();
      const b = other.prepare();
      const all = yield* spawn(() => waitAll([a, b]));
      const next = yield* spawn(() => c.wait());
      yield* yieldNow();
      c.notify("for a");
      yield* all.cancel();
      assert.equal(a.state, "cancelled");
      assert.equal(b.state, "cancelled");
      assert.equal(other.waiting, 0);
      assert.equal(yield* next, "for a");
    }));

  test("prompt: a task cancelled after waitAny chose a winner, before it ran, passes the winner's notification on", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const any = yield* spawn(() => waitAny([c.prepare(), new Coordinator().prepare()]));
      const next = yield* spawn(() => c.wait());
      yield* yieldNow();
      c.notify("won");
      any.cancel();
      assert.equal(yield* next, "won");
      assert.equal(any.state, "cancelled");
    }));

  test("a waitAll with handles on the same coordinator passes a notification past its own siblings", () =>
    runTest(function* () {
      const c = new Coordinator<number>();
      const all = yield* spawn(() => waitAll([c.prepare(), c.prepare()]));
      const next = yield* spawn(() => c.wait());
      yield* yieldNow();
      c.notify(1);
      all.cancel();
      assert.equal(yield* next, 1, "not handed to the leaving sibling");
      assert.equal(c.waiting, 0);
    }));

  test("a task cancelled while it yields (budget spent) before taking a ready handle gives the notification back", () =>
    runTest(function* () {
      const c = new Coordinator<string>();
      const handle = c.prepare();
      c.notify("kept");
      const spare = new Coordinator();
      const dummy = spare.prepare();
      spare.notify();
      let reached = false;
      const waiter = yield* spawn(function* () {
        for (let i = 0; i < BUDGET - 1; i++) yield* dummy; // immediate completions spend the budget
        reached = true;
        return yield* handle; // ready, but the budget is spent: it yields first
      });
      const next = yield* spawn(() => c.wait());
      yield* yieldNow();
      assert.ok(reached);
      assert.equal(handle.state, "notified", "not taken yet");
      yield* waiter.cancel();
      assert.equal(handle.state, "cancelled");
      assert.equal(yield* next, "kept");
    }));
});

test("outside runTest: a coordinator works under run() too", async () => {
  const c = new Coordinator<number>();
  const result = await run(function* () {
    const waiter: Task<number> = yield* spawn(() => c.wait());
    yield* yieldNow();
    c.notify(9);
    return yield* waiter;
  });
  assert.equal(result, 9);
});
