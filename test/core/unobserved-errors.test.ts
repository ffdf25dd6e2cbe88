// Errors are never dropped silently: a supervised child's failure that nobody
// handles fails the supervisor when it closes; cancel() on an ended task does not
// rethrow an old failure.
import assert from "node:assert/strict";
import { test } from "node:test";
import { spawn, supervisor, sleep, run } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

test("a supervised child's unhandled, unjoined failure fails the supervisor at its close", async () => {
  await runTest(function* () {
    const boom = new Error("boom");
    let siblingFinished = false;
    try {
      yield* supervisor(function* () {
        yield* spawn(function* failing() {
          yield* sleep(1);
          throw boom;
        });
        yield* spawn(function* () {
          yield* sleep(5);
          siblingFinished = true; // the failure did not cancel its sibling
        });
      });
      assert.fail("the supervisor should have failed");
    } catch (error) {
      assert.equal(error, boom);
    }
    assert.equal(siblingFinished, true);
  });
});

test("a supervised failure that is joined, or handled by onChildError, does not fail the supervisor", async () => {
  await runTest(function* () {
    const joined = yield* supervisor(function* () {
      const child = yield* spawn(function* () {
        yield* sleep(1);
        throw new Error("seen");
      });
      yield* sleep(10); // it fails before anyone joins it
      try {
        yield* child;
      } catch (error) {
        return (error as Error).message;
      }
      return "no error";
    });
    assert.equal(joined, "seen");

    const handled: string[] = [];
    yield* supervisor(
      function* () {
        yield* spawn(function* () {
          throw new Error("handled");
        });
      },
      { onChildError: (error) => handled.push((error as Error).message) },
    );
    assert.deepEqual(handled, ["handled"]);
  });
});

test("cancel() on a task that already failed changes nothing and does not rethrow its old error", async () => {
  const task = run(function* () {
    throw new Error("old failure");
  });
  await assert.rejects(Promise.resolve(task), /old failure/);
  await task.cancel(); // resolves
  await runTest(function* () {
    const child = yield* supervisor(function* () {
      const failed = yield* spawn(function* () {
        throw new Error("old");
      });
      yield* sleep(1);
      yield* failed.cancel(); // ended already: no throw
      try {
        yield* failed; // but joining it still reports the failure
      } catch (error) {
        return (error as Error).message;
      }
      return "none";
    });
    assert.equal(child, "old");
  });
});
