// The Task handle: run, spawn with name and priority, joining with yield* and
// await, identity and tree properties, current(), and the states a task goes
// through.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { run, spawn, current, sleep, suspend, supervisor, yieldNow, Cancelled, type Task, type TaskState } from "../../src/index.js";
import { runTest, Steps } from "../../src/testing/index.js";

describe("run", () => {
  test("starts a root task from async code; await gives its result", async () => {
    const task = run(function* () {
      yield* yieldNow();
      return 42;
    });
    assert.equal(task.parent, null);
    assert.equal(await task, 42);
    assert.equal(task.state, "completed");
  });

  test("await on a failed task rejects with its error", async () => {
    const boom = new Error("boom");
    const task = run(function* () {
      yield* yieldNow();
      throw boom;
    });
    await assert.rejects(Promise.resolve(task), (error) => error === boom);
    assert.equal(task.state, "failed");
  });

  test("takes its name from options, else from the body function", async () => {
    const named = run(function* () {}, { name: "job" });
    const fromFunction = run(function* worker() {});
    await named;
    await fromFunction;
    assert.equal(named.name, "job");
    assert.equal(fromFunction.name, "worker");
  });

  test("accepts an operation as well as a function returning one", async () => {
    function* body() {
      return "op";
    }
    assert.equal(await run(body()), "op");
  });
});

describe("spawn", () => {
  test("returns the child's handle at once; the child first runs when the parent yields", () =>
    runTest(function* () {
      const steps = new Steps();
      steps.expect(1);
      const child = yield* spawn(function* () {
        steps.expect(3);
        return "result";
      });
      steps.expect(2);
      assert.equal(child.state, "pending");
      assert.equal(yield* child, "result");
      steps.finish(4);
    }));

  test("name and priority options are on the handle", () =>
    runTest(function* () {
      const child = yield* spawn(function* () {}, { name: "worker", priority: 7 });
      assert.equal(child.name, "worker");
      assert.equal(child.priority, 7);
      const anonymous = yield* spawn(function* () {});
      assert.equal(anonymous.name, "task");
      const fromFunction = yield* spawn(function* fetcher() {});
      assert.equal(fromFunction.name, "fetcher");
    }));

  test("a task is an Operation (yield* joins) and a PromiseLike (then joins)", async () => {
    let viaThen!: Promise<number>;
    await runTest(function* () {
      const child = yield* spawn(function* () {
        yield* sleep(5);
        return 5;
      });
      viaThen = Promise.resolve(child); // adopts the task through its then()
      assert.equal(yield* child, 5);
      assert.equal(yield* child, 5, "joining again returns the same result");
    });
    assert.equal(await viaThen, 5);
  });

  test("several tasks can join the same task concurrently; all get its result", () =>
    runTest(function* () {
      const target = yield* spawn(function* () {
        yield* sleep(10);
        return "shared";
      });
      const joiners: Task<string>[] = [];
      for (let i = 0; i < 3; i++) joiners.push(yield* spawn(() => target));
      for (const joiner of joiners) assert.equal(yield* joiner, "shared");
    }));

  test("a task cannot join itself", () =>
    runTest(function* () {
      const me = yield* current();
      assert.throws(() => me[Symbol.iterator]().next(), /cannot join itself/);
    }));
});

describe("identity and the tree", () => {
  test("ids are unique; parent, children (live, oldest first), path and current()", () =>
    runTest(
      function* () {
        const root = yield* current();
        assert.equal(root.parent, null);
        let inner!: Task<unknown>;
        let innerSawItself = false;
        const a = yield* spawn(
          function* () {
            inner = yield* spawn(
              function* () {
                innerSawItself = (yield* current()) === inner;
                yield* suspend();
              },
              { name: "inner" },
            );
            yield* suspend();
          },
          { name: "a" },
        );
        const b = yield* spawn(function* () {}, { name: "b" });
        assert.notEqual(a.id, b.id);
        assert.ok(b.id > a.id, "ids increase in creation order");
        assert.deepEqual(root.children, [a, b]);
        assert.equal(a.parent, root);
        yield* b;
        assert.deepEqual(root.children, [a], "a finished child is no longer listed");
        yield* yieldNow();
        assert.ok(innerSawItself);
        assert.equal(inner.parent, a);
        assert.deepEqual(a.children, [inner]);
        assert.equal(inner.path, `root#${root.id} › a#${a.id} › inner#${inner.id}`);
        assert.equal(String(inner), `task inner#${inner.id}`);
        yield* a.cancel();
        assert.deepEqual(a.children, []);
      },
      { name: "root" },
    ));

  test("current() outside a task throws", () => {
    assert.throws(() => current()[Symbol.iterator]().next(), TypeError);
  });
});

describe("states", () => {
  test("pending → running → completed", () =>
    runTest(function* () {
      const seen: TaskState[] = [];
      const child = yield* spawn(function* () {
        seen.push((yield* current()).state);
        yield* sleep(1);
        seen.push((yield* current()).state);
      });
      seen.push(child.state);
      yield* yieldNow();
      seen.push(child.state); // parked in sleep: still running
      yield* child;
      seen.push(child.state);
      assert.deepEqual(seen, ["pending", "running", "running", "running", "completed"]);
    }));

  test("a task whose body returned waits for its children: completing", () =>
    runTest(function* () {
      const parent = yield* spawn(function* () {
        yield* spawn(function* () {
          yield* sleep(10);
        });
        return "done";
      });
      yield* sleep(1);
      assert.equal(parent.state, "completing");
      assert.equal(yield* parent, "done");
      assert.equal(parent.state, "completed");
    }));

  test("running → failed", () =>
    runTest(function* () {
      const boom = new Error("boom");
      // Under a supervisor the child's failure goes to its joiner only.
      yield* supervisor(function* () {
        const child = yield* spawn(function* () {
          yield* sleep(1);
          throw boom;
        });
        assert.equal(child.state, "pending");
        yield* yieldNow();
        assert.equal(child.state, "running");
        let caught: unknown;
        try {
          yield* child;
        } catch (error) {
          caught = error;
        }
        assert.equal(caught, boom);
        assert.equal(child.state, "failed");
      });
    }));

  test("running → cancelling (while its finally runs) → cancelled", () =>
    runTest(function* () {
      const seen: TaskState[] = [];
      let self!: Task<unknown>;
      const child = yield* spawn(function* () {
        self = yield* current();
        try {
          yield* suspend();
        } finally {
          seen.push(self.state);
          yield* sleep(5);
          seen.push(self.state);
        }
      });
      yield* yieldNow();
      seen.push(child.state);
      const teardown = child.cancel();
      seen.push(child.state);
      yield* teardown;
      seen.push(child.state);
      assert.deepEqual(seen, ["running", "cancelling", "cancelling", "cancelling", "cancelled"]);
    }));

  test("a pending task that is cancelled never runs: pending → cancelled", () =>
    runTest(function* () {
      let ran = false;
      const child = yield* spawn(function* () {
        ran = true;
      });
      assert.equal(child.state, "pending");
      yield* child.cancel();
      assert.equal(child.state, "cancelled");
      yield* yieldNow();
      assert.equal(ran, false);
      let caught: unknown;
      try {
        yield* child;
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof Cancelled);
      assert.equal(caught.task, child);
    }));
});
