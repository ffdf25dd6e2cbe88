// shield(): a cancellation waits for the shielded body instead of interrupting
// it; results and errors; the caller's other children; deadlocks still end it.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Cancelled, DeadlockError, channel, scoped, shield, sleep, spawn, suspend, timeout } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

describe("shield", () => {
  test("a cancellation waits for the body; then the caller unwinds (its finally after the body)", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        try {
          yield* shield(function* () {
            yield* sleep(20);
            log.push(`committed at ${clock.now()}`);
          });
          log.push("never: the caller was cancelled");
        } finally {
          log.push(`caller's finally at ${clock.now()}`);
        }
      });
      yield* sleep(5);
      yield* task.cancel();
      log.push(`cancel returned at ${clock.now()}`);
      assert.deepEqual(log, ["committed at 20", "caller's finally at 20", "cancel returned at 20"]);
      assert.equal(task.state, "cancelled");
    }));

  test("without a cancellation it returns the body's result, or throws its error", () =>
    runTest(function* () {
      assert.equal(
        yield* shield(function* () {
          yield* sleep(1);
          return 7;
        }),
        7,
      );
      const boom = new Error("commit failed");
      let thrown: unknown;
      try {
        yield* shield(function* () {
          yield* sleep(1);
          throw boom;
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
    }));

  test("a body failing while its caller is cancelled fails the caller", () =>
    runTest(function* () {
      const boom = new Error("flush failed");
      const task = yield* spawn(function* () {
        yield* shield(function* () {
          yield* sleep(10);
          throw boom;
        });
      });
      yield* sleep(1);
      let thrown: unknown;
      try {
        yield* task.cancel();
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      assert.equal(task.state, "failed");
    }));

  test("the caller's other children are torn down meanwhile; a second cancel changes nothing", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            log.push(`sibling torn down at ${clock.now()}`);
          }
        });
        yield* shield(function* () {
          yield* sleep(30);
          log.push(`shielded body done at ${clock.now()}`);
        });
      });
      yield* sleep(10);
      void task.cancel();
      yield* sleep(5);
      yield* task.cancel();
      assert.deepEqual(log, ["sibling torn down at 10", "shielded body done at 30"]);
    }));

  test("a timeout cannot cut it short: the deadline waits for the body", () =>
    runTest(function* ({ clock }) {
      let thrown: unknown;
      try {
        yield* timeout(10, function* () {
          yield* shield(() => sleep(50));
        });
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof Error && thrown.name === "TimeoutError");
      assert.equal(clock.now(), 50);
    }));

  test("the body can still be cancelled through its own task", () =>
    runTest(function* () {
      let thrown: unknown;
      try {
        yield* scoped(function* () {
          yield* shield(function* () {
            const me = yield* spawn(suspend);
            yield* me.cancel();
            yield* me; // joining a cancelled task throws Cancelled
          });
        });
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof Cancelled);
    }));

  test("a shielded body that can never finish still ends with a deadlock report", async () => {
    const log: string[] = [];
    await assert.rejects(
      runTest(function* () {
        const task = yield* spawn(function* () {
          yield* shield(function* () {
            try {
              yield* channel<number>().receive(); // nobody sends
            } finally {
              log.push("shielded body ended");
            }
          });
        });
        yield* sleep(1);
        yield* task.cancel();
      }),
      DeadlockError,
    );
    assert.deepEqual(log, ["shielded body ended"]);
  });

  test("bad input names the argument", () => {
    assert.throws(() => shield(42 as never), {
      name: "TypeError",
      message: "shield(body): body must be an operation or a function returning one (a generator function), got 42",
    });
  });
});
