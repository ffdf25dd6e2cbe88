// resource(): set-up handed to the caller, teardown when the caller's task ends
// (after its finally blocks, LIFO with ensure), errors before and after provide,
// and the withDb pattern whose cleanup suspends.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  call,
  Cancelled,
  ensure,
  resource,
  scoped,
  sleep,
  spawn,
  suspend,
  useAbortSignal,
  type Operation,
} from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

/** A database whose close() is asynchronous, as real drivers' are. */
class Db {
  open = true;
  queries = 0;
  constructor(
    readonly name: string,
    private readonly log: string[],
  ) {}
  query(): number {
    assert.ok(this.open, `query on closed ${this.name}`);
    return ++this.queries;
  }
  async close(): Promise<void> {
    await Promise.resolve();
    this.open = false;
    this.log.push(`${this.name} closed`);
  }
}

function useDb(log: string[], name: string, setupMs = 0): Operation<Db> {
  return resource(function* (provide) {
    if (setupMs > 0) yield* sleep(setupMs);
    const db = new Db(name, log);
    log.push(`${name} opened`);
    try {
      yield* provide(db);
    } finally {
      yield* sleep(5); // a teardown that suspends, twice
      yield* call(() => db.close());
    }
  });
}

describe("resource", () => {
  test("returns the value; tears down after the caller's finally, newest first with ensure", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        yield* ensure(() => void log.push("ensure before a"));
        const a = yield* useDb(log, "a");
        yield* ensure(() => void log.push(`ensure after a, a open: ${a.open}`));
        const b = yield* useDb(log, "b");
        try {
          log.push(`query ${a.query()} ${b.query()}`);
          yield* suspend();
        } finally {
          log.push(`caller's finally, both open: ${a.open && b.open}`);
        }
      });
      yield* sleep(10);
      yield* task.cancel();
      log.push(`cancel returned at t=${clock.now()}`);
      assert.deepEqual(log, [
        "a opened",
        "b opened",
        "query 1 1",
        "caller's finally, both open: true",
        "b closed",
        "ensure after a, a open: true",
        "a closed",
        "ensure before a",
        "cancel returned at t=20",
      ]);
      assert.equal(task.state, "cancelled");
    }));

  test("does not keep the caller from completing; the caller's result waits for the teardown", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        const db = yield* useDb(log, "db");
        return db.query();
      });
      assert.equal(yield* task, 1);
      assert.deepEqual(log, ["db opened", "db closed"]);
      assert.equal(clock.now(), 5);
    }));

  test("the withDb pattern: after cancel() returns, no code of the caller or the resource runs", () =>
    runTest(function* () {
      const log: string[] = [];
      let db: Db | undefined;
      const worker = yield* spawn(function* () {
        db = yield* useDb(log, "db");
        for (;;) {
          log.push(`query ${db.query()}`);
          yield* sleep(3);
        }
      });
      yield* sleep(7);
      yield* worker.cancel();
      const after = log.length;
      yield* sleep(1_000); // anything left running would log or query a closed db
      assert.equal(log.length, after);
      assert.deepEqual(log, ["db opened", "query 1", "query 2", "query 3", "db closed"]);
      assert.equal(db!.open, false);
      assert.equal(worker.state, "cancelled");
    }));

  test("a caller cancelled during the set-up tears the resource down too", () =>
    runTest(function* () {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        yield* useDb(log, "slow", 50);
        log.push("never: the set-up was cut off");
      });
      yield* sleep(10);
      yield* task.cancel();
      yield* sleep(100);
      assert.deepEqual(log, []);
      assert.equal(task.state, "cancelled");
    }));

  test("an error before provide is thrown at the caller's yield*, catchable", () =>
    runTest(function* () {
      const boom = new Error("connection refused");
      let caught: unknown;
      try {
        yield* resource(function* () {
          yield* sleep(1);
          throw boom;
        });
      } catch (error) {
        caught = error;
      }
      assert.equal(caught, boom);
    }));

  test("a body that returns without providing is an error at the caller", () =>
    runTest(function* () {
      let caught: unknown;
      try {
        yield* resource(function* nothing() {});
      } catch (error) {
        caught = error;
      }
      assert.match((caught as Error).message, /^resource\(body\): task nothing#\d+ returned without providing a value/);
    }));

  test("an error after provide fails the caller's task, as a child's failure does", () =>
    runTest(function* () {
      const boom = new Error("connection lost");
      const log: string[] = [];
      let thrown: unknown;
      try {
        yield* scoped(function* () {
          yield* resource<number>(function* (provide) {
            yield* spawn(function* () {
              yield* sleep(10);
              throw boom;
            });
            yield* provide(1);
          });
          try {
            yield* sleep(1_000);
          } finally {
            log.push("caller torn down");
          }
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      assert.deepEqual(log, ["caller torn down"]);
    }));

  test("a teardown that throws fails the caller", () =>
    runTest(function* () {
      const boom = new Error("close failed");
      let thrown: unknown;
      try {
        yield* scoped(function* () {
          yield* resource<number>(function* (provide) {
            try {
              yield* provide(1);
            } finally {
              throw boom;
            }
          });
          return "the body completed";
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
    }));

  test("a caller's cancellation reaches the resource's own signal and children", () =>
    runTest(function* () {
      let signal: AbortSignal | undefined;
      const log: string[] = [];
      const task = yield* spawn(function* () {
        yield* resource<void>(function* (provide) {
          signal = yield* useAbortSignal();
          yield* spawn(function* heartbeat() {
            try {
              yield* suspend();
            } finally {
              log.push("heartbeat stopped");
            }
          });
          yield* provide();
        });
        yield* suspend();
      });
      yield* sleep(1);
      assert.equal(signal!.aborted, false);
      yield* task.cancel();
      assert.equal(signal!.aborted, true);
      assert.ok(signal!.reason instanceof Cancelled);
      assert.deepEqual(log, ["heartbeat stopped"]);
    }));

  test("provide from another task is a TypeError (here before the value, so the caller catches it)", () =>
    runTest(function* () {
      let caught: unknown;
      try {
        yield* resource<number>(function* (provide) {
          yield* spawn(function* helper() {
            yield* provide(2);
          });
          yield* sleep(1);
          yield* provide(1);
        });
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof TypeError);
      assert.match(caught.message, /^provide\(value\): called from task helper#\d+; only the resource's own body may provide its value$/);
    }));

  test("provide a second time is a TypeError (here in the teardown, so it fails the caller)", async () => {
    await assert.rejects(
      runTest(function* () {
        yield* resource<number>(function* (provide) {
          try {
            yield* provide(1);
          } finally {
            yield* provide(2);
          }
        });
      }),
      { name: "TypeError", message: /^provide\(value\): task resource#\d+ has provided its value already; a resource provides once$/ },
    );
  });

  test("bad input names the argument", () => {
    assert.throws(() => resource(42 as never), {
      name: "TypeError",
      message: "resource(body): body must be a function, got 42",
    });
    assert.throws(() => resource((async () => {}) as never), {
      name: "TypeError",
      message: "resource(body): body is an async function; it must be a generator function (function* (provide) {...})",
    });
  });
});
