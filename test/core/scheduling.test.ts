// The run loop and the ready queue as users see them: the host event loop is
// never starved, yieldNow is fair round-robin, priorities order the queue, and
// transfer hands off directly to a chosen task.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { run, spawn, yieldNow, transfer, sleep, suspend, current, type Task } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

describe("run loop", () => {
  test("a `while (true) yield* yieldNow()` task does not freeze the process: host callbacks fire and other tasks progress", async () => {
    const log: string[] = [];
    let spins = 0;
    let others = 0;
    let hostCallbacksFired = 0;
    // If the run loop never returned to the host, the host callbacks below could
    // not fire; rather than hang the suite, the busy task then fails after far
    // more spins than a few time slices take.
    const SPIN_LIMIT = 5_000_000;
    const root = run(function* () {
      yield* spawn(function* other() {
        for (;;) {
          others++;
          yield* yieldNow();
        }
      });
      for (;;) {
        spins++;
        if (hostCallbacksFired < 2 && spins > SPIN_LIMIT) throw new Error("the host event loop was starved");
        yield* yieldNow();
      }
    });

    await new Promise<void>((resolve) =>
      setImmediate(() => {
        hostCallbacksFired++;
        log.push(`setImmediate: root ${root.state}`);
        resolve();
      }),
    );
    const spinsAtImmediate = spins;
    const othersAtImmediate = others;
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        hostCallbacksFired++;
        log.push(`setTimeout: root ${root.state}`);
        resolve();
      }, 0),
    );
    assert.deepEqual(log, ["setImmediate: root running", "setTimeout: root running"]);
    assert.ok(spinsAtImmediate > 0, "the busy task ran before the host callback");
    assert.ok(othersAtImmediate > 0, "the other task ran before the host callback");
    assert.ok(others > othersAtImmediate, "the other task kept progressing between host callbacks");
    assert.ok(spins > spinsAtImmediate, "the busy task kept running between host callbacks");

    await root.cancel();
    assert.equal(root.state, "cancelled");
  });
});

describe("yieldNow", () => {
  test("is fair round-robin among tasks of equal priority", () =>
    runTest(function* () {
      const order: string[] = [];
      const tasks: Task<void>[] = [];
      for (const name of ["a", "b", "c"]) {
        tasks.push(
          yield* spawn(function* () {
            for (let i = 0; i < 3; i++) {
              order.push(`${name}${i}`);
              yield* yieldNow();
            }
          }),
        );
      }
      for (const task of tasks) yield* task;
      assert.deepEqual(order, ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
    }));

  test("a yielding task goes behind every task already ready, including its parent", () =>
    runTest(function* () {
      const order: string[] = [];
      yield* spawn(function* () {
        order.push("child 1");
        yield* yieldNow();
        order.push("child 2");
      });
      order.push("parent 1");
      yield* yieldNow(); // the child runs now
      order.push("parent 2");
      yield* yieldNow();
      order.push("parent 3");
      assert.deepEqual(order, ["parent 1", "child 1", "parent 2", "child 2", "parent 3"]);
    }));

  test("higher priority runs first; lower priorities wait until no higher one is ready", () =>
    runTest(function* () {
      const order: string[] = [];
      const worker = (name: string) =>
        function* () {
          for (let i = 0; i < 2; i++) {
            order.push(`${name}${i}`);
            yield* yieldNow();
          }
        };
      const low = yield* spawn(worker("low"), { priority: -1 });
      const normal = yield* spawn(worker("normal"));
      const high = yield* spawn(worker("high"), { priority: 5 });
      const high2 = yield* spawn(worker("HIGH"), { priority: 5 });
      assert.equal(low.priority, -1);
      assert.equal(normal.priority, 0);
      assert.equal(high.priority, 5);
      yield* low;
      yield* normal;
      yield* high;
      yield* high2;
      assert.deepEqual(order, ["high0", "HIGH0", "high1", "HIGH1", "normal0", "normal1", "low0", "low1"]);
    }));

  test("a child inherits its parent's priority unless given one", () =>
    runTest(function* () {
      const parent = yield* spawn(
        function* () {
          const child = yield* spawn(function* () {});
          return child.priority;
        },
        { priority: 3 },
      );
      assert.equal(yield* parent, 3);
    }));
});

describe("transfer", () => {
  test("the target runs next, ahead of tasks queued before it", () =>
    runTest(function* () {
      const order: string[] = [];
      let c!: Task<void>;
      const a = yield* spawn(function* () {
        order.push("a1");
        yield* transfer(c);
        order.push("a2");
      });
      const b = yield* spawn(function* () {
        order.push("b1");
      });
      c = yield* spawn(function* () {
        order.push("c1");
      });
      yield* a;
      yield* b;
      yield* c;
      assert.deepEqual(order, ["a1", "c1", "b1", "a2"]);
    }));

  test("ping-pong by transfer: the two tasks alternate and a bystander waits until they are done", () =>
    runTest(function* () {
      const order: string[] = [];
      let ping!: Task<void>;
      let pong!: Task<void>;
      ping = yield* spawn(function* () {
        for (let i = 0; i < 3; i++) {
          order.push(`ping${i}`);
          yield* transfer(pong);
        }
      });
      pong = yield* spawn(function* () {
        for (let i = 0; i < 3; i++) {
          order.push(`pong${i}`);
          yield* transfer(ping);
        }
      });
      const bystander = yield* spawn(function* () {
        for (let i = 0; i < 2; i++) {
          order.push(`x${i}`);
          yield* yieldNow();
        }
      });
      yield* ping;
      yield* pong;
      yield* bystander;
      assert.deepEqual(order.slice(0, 6), ["ping0", "pong0", "ping1", "pong1", "ping2", "pong2"]);
      assert.deepEqual(order.slice(6).sort(), ["x0", "x1"]);
    }));

  test("transfer to yourself just yields", () =>
    runTest(function* () {
      const order: string[] = [];
      yield* spawn(function* () {
        order.push("other");
      });
      const me = yield* current();
      order.push("before");
      yield* transfer(me);
      order.push("after");
      assert.deepEqual(order, ["before", "other", "after"]);
    }));

  test("transfer to a parked task throws an error naming it", () =>
    runTest(function* () {
      const parked = yield* spawn(function* sleeper() {
        yield* sleep(1_000);
      });
      yield* yieldNow(); // let it park in sleep
      assert.throws(
        () => drive(transfer(parked)),
        (error: unknown) =>
          error instanceof Error && error.message.includes(`${parked}`) && /not ready to run/.test(error.message) && /parked/.test(error.message),
      );
      yield* parked.cancel();
    }));

  test("transfer to a task that has ended throws an error naming it", () =>
    runTest(function* () {
      const done = yield* spawn(function* finisher() {
        return 1;
      });
      yield* done;
      assert.equal(done.state, "completed");
      let thrown: unknown;
      try {
        yield* transfer(done);
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof Error);
      assert.match(thrown.message, /transfer\(target\)/);
      assert.ok(thrown.message.includes(`${done}`), thrown.message);
      assert.match(thrown.message, /already ended/);
    }));

  test("transfer to a task of another run() throws", async () => {
    const other = run(function* () {
      yield* suspend();
    });
    await runTest(function* () {
      let thrown: unknown;
      try {
        yield* transfer(other);
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof Error);
      assert.match(thrown.message, /another run\(\)/);
    });
    await other.cancel();
  });
});

/** Runs an operation's first step by hand, inside the current task (to catch what it throws synchronously). */
function drive(operation: { [Symbol.iterator](): Iterator<unknown> }): void {
  operation[Symbol.iterator]().next();
}

