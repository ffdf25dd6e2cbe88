// Regression tests for the defects the independent reviews found in the core
// (issue 7): each test is named for its defect and failed before the fix.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  run,
  spawn,
  sleep,
  suspend,
  yieldNow,
  scoped,
  supervisor,
  timeout,
  all,
  race,
  current,
  channel,
  Cancelled,
  type Clock,
  type Operation,
  type Task,
} from "../../src/index.js";
import { runTest, VirtualClock } from "../../src/testing/index.js";

/** Parks until cancelled, then throws `message` from its finally block. */
function* failingTeardown(message: string): Operation<never> {
  try {
    yield* suspend();
  } finally {
    // eslint-disable-next-line no-unsafe-finally
    throw new Error(message);
  }
}

/** Lets every queued task take a few turns. */
function* settle(turns = 5): Operation<void> {
  for (let i = 0; i < turns; i++) yield* yieldNow();
}

describe("defect 1: an error raised during teardown inside a boundary reaches the task tree", () => {
  const boundaries: [string, (body: () => Operation<never>) => Operation<unknown>][] = [
    ["scoped", (body) => scoped(body)],
    ["timeout", (body) => timeout(10_000, body)],
    ["all", (body) => all([body(), suspend()])],
    ["race", (body) => race([body(), suspend()])],
    ["supervisor", (body) => supervisor(body)],
  ];
  for (const [name, boundary] of boundaries) {
    test(`a finally that throws inside ${name}(...) while its parent is cancelled fails the cancel`, () =>
      runTest(function* () {
        const task = yield* spawn(function* () {
          yield* boundary(() => failingTeardown(`cleanup in ${name}`));
        });
        yield* settle();
        let caught: unknown;
        try {
          yield* task.cancel();
        } catch (error) {
          caught = error;
        }
        assert.ok(caught instanceof Error, "cancel() throws the teardown's error");
        assert.equal((caught as Error).message, `cleanup in ${name}`);
        assert.equal(task.state, "failed");
      }));
  }

  test("under run(): awaiting cancel() of the root rejects with the cleanup error", async () => {
    const root = run(function* () {
      yield* scoped(() => failingTeardown("cleanup"));
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await assert.rejects(Promise.resolve(root.cancel()), /cleanup/);
    assert.equal(root.state, "failed");
  });
});

describe("defect 2: a parent catches a child's failed teardown at `yield* child.cancel()`", () => {
  test("the catch runs and the error counts as handled", () =>
    runTest(function* () {
      const child = yield* spawn(() => failingTeardown("cleanup"));
      yield* settle();
      let caught: unknown;
      try {
        yield* child.cancel();
      } catch (error) {
        caught = error;
      }
      assert.equal((caught as Error)?.message, "cleanup");
      assert.equal(child.state, "failed");
      yield* sleep(1); // the parent goes on: it was not failed
      return "parent carried on";
    }).then((result) => assert.equal(result, "parent carried on")));

  test("every awaiter of cancel() gets the error, catchable", () =>
    runTest(function* () {
      const child = yield* spawn(() => failingTeardown("cleanup"));
      yield* settle();
      const caught: string[] = [];
      const watcher = yield* spawn(function* () {
        try {
          yield* child.cancel();
        } catch (error) {
          caught.push(`watcher: ${(error as Error).message}`);
        }
      });
      yield* settle(1);
      try {
        yield* child.cancel();
      } catch (error) {
        caught.push(`parent: ${(error as Error).message}`);
      }
      yield* watcher;
      assert.deepEqual(caught.sort(), ["parent: cleanup", "watcher: cleanup"]);
    }));

  test("a cancel nobody awaits: the teardown's error fails the parent, as any child failure does", async () => {
    const root = run(function* () {
      const child = yield* spawn(() => failingTeardown("cleanup"));
      yield* settle();
      child.cancel(); // not awaited
      yield* suspend();
    });
    await assert.rejects(Promise.resolve(root), /cleanup/);
  });
});

describe("defect 3: joining a failed root with yield* counts as handling it", () => {
  test("no unhandled rejection: the process exits 0", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/join-failed-root.ts", import.meta.url));
    const child = spawnProcess(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, `exit code 0, stderr: ${stderr}`);
    assert.equal(stdout.trim(), "caught: inner failed");
  });
});

describe("defect 4: a received element never vanishes through race() or timeout()", () => {
  test("the winner's end cancels its siblings at once: a handed element goes back to the channel", () =>
    runTest(function* () {
      const ch = channel<string>();
      let outcome: unknown;
      const racer = yield* spawn(function* () {
        outcome = yield* race([
          ch.receive(),
          (function* () {
            yield* sleep(5);
            return "timer";
          })(),
        ]);
      });
      yield* sleep(5);
      // Same drain: the timer child has been woken (runs first), and the receiver is handed "x".
      const sent = ch.trySend("x");
      assert.equal(sent.ok, true);
      yield* racer;
      assert.equal(outcome, "timer");
      assert.deepEqual(ch.tryReceive(), { ok: true, value: "x" }, "the element went back to the channel");
    }));

  test("timeout(ms, () => ch.receive()) returns the element when it arrives in time", () =>
    runTest(function* () {
      const ch = channel<number>(1);
      yield* spawn(function* () {
        yield* sleep(3);
        yield* ch.send(7);
      });
      assert.equal(yield* timeout(10, () => ch.receive()), 7);
    }));
});

describe("defect 6: a nested runtime's drain restores the run context", () => {
  test("a task that drains another runtime synchronously still has its current task", () =>
    runTest(function* () {
      const other = new VirtualClock({ autoJump: false });
      let woke = false;
      const inner = run(
        function* () {
          yield* sleep(10);
          woke = true;
        },
        { clock: other },
      );
      yield* settle(); // lets the other runtime's microtask drain park its task
      yield* sleep(1);
      other.advance(10); // drains the other runtime, synchronously, inside this task
      assert.equal(woke, true);
      const me = yield* current();
      assert.ok(me !== null);
      yield* sleep(1); // threw "must be used inside a Strand task" before the fix
      yield* inner;
    }));
});

describe("defect 7: VirtualClock.advance() inside a task of the same runtime fires the timers it makes due", () => {
  test("a sleeper wakes after advance() from a sibling (autoJump off)", async () => {
    const clock = new VirtualClock({ autoJump: false });
    const log: string[] = [];
    const root = run(
      function* () {
        const sleeper = yield* spawn(function* () {
          yield* sleep(10);
          log.push(`woke at ${clock.now()}`);
        });
        yield* yieldNow(); // the sleeper registers its timer
        clock.advance(10);
        yield* sleeper;
        return log;
      },
      { clock },
    );
    assert.deepEqual(await root, ["woke at 10"]);
  });

  test("a timer set in the same drain as the advance() fires too", async () => {
    const clock = new VirtualClock({ autoJump: false });
    const root = run(
      function* () {
        const sleeper = yield* spawn(() => sleep(5));
        yield* yieldNow();
        clock.advance(3);
        clock.advance(3);
        yield* sleeper;
        return clock.now();
      },
      { clock },
    );
    assert.equal(await root, 6);
  });
});

describe("defect 8: a Clock that throws fails the run with that error", () => {
  function brokenClock(broken: "setAlarm" | "idle" | "now"): Clock {
    return {
      now: () => {
        if (broken === "now") throw new Error("now broke");
        return 0;
      },
      setAlarm: () => {
        if (broken === "setAlarm") throw new Error("setAlarm broke");
      },
      clearAlarm: () => {},
      idle: () => {
        if (broken === "idle") throw new Error("idle broke");
      },
    };
  }
  for (const broken of ["setAlarm", "idle"] as const) {
    test(`${broken}() throws: the run fails with its error`, async () => {
      const root = run(
        function* () {
          yield* sleep(10);
        },
        { clock: brokenClock(broken) },
      );
      await assert.rejects(Promise.resolve(root), new RegExp(`${broken} broke`));
      assert.equal(root.state, "failed");
    });
  }

  test("now() throws: the operation that read it fails", async () => {
    const root = run(
      function* () {
        yield* sleep(10);
      },
      { clock: brokenClock("now") },
    );
    await assert.rejects(Promise.resolve(root), /now broke/);
  });
});

describe("defect 11: yield instead of yield* gets a clear TypeError for every operation", () => {
  const operations: [string, () => unknown][] = [
    ["sleep(10)", () => sleep(10)],
    ["spawn(...)", () => spawn(function* () {})],
    ["ch.receive()", () => channel<number>().receive()],
    ["ch.send(1)", () => channel<number>().send(1)],
    ["suspend()", () => suspend()],
    ["yieldNow()", () => yieldNow()],
  ];
  for (const [name, make] of operations) {
    test(`yield ${name}`, () =>
      runTest(function* () {
        let caught: unknown;
        try {
          yield* scoped(function* (): Generator<unknown, void, unknown> {
            yield make();
          } as () => Operation<void>);
        } catch (error) {
          caught = error;
        }
        assert.ok(caught instanceof TypeError, `got ${String(caught)}`);
        assert.match((caught as Error).message, /compose operations with yield\*/);
      }));
  }

  test("a later cancel() of a task that yielded an operation does not crash", () =>
    runTest(function* () {
      const task = yield* supervisor(function* () {
        const t = yield* spawn(function* (): Generator<unknown, void, unknown> {
          try {
            yield sleep(10);
          } catch {
            yield* suspend(); // caught the TypeError; park properly
          }
        } as () => Operation<void>);
        yield* settle();
        yield* t.cancel();
        return t;
      });
      assert.equal((task as Task<unknown>).state, "cancelled");
    }));
});

describe("defect 13: every operation that can complete at once spends the budget", () => {
  test("a loop of yield* finishedTask.cancel() is cut short by timeout()", async () => {
    await run(function* () {
      const finished = yield* spawn(function* () {});
      yield* finished;
      let loops = 0;
      try {
        yield* timeout(5, function* () {
          for (;;) {
            yield* finished.cancel();
            if (++loops > 100_000_000) throw new Error("never yielded");
          }
        });
        assert.fail("the timeout did not fire");
      } catch (error) {
        assert.equal((error as Error).name, "TimeoutError");
      }
    });
  });
});

test("Cancelled names the task for a cancelled join (unchanged behaviour, sanity)", () =>
  runTest(function* () {
    const child = yield* spawn(() => suspend());
    yield* settle(1);
    yield* child.cancel();
    try {
      yield* child;
    } catch (error) {
      assert.ok(error instanceof Cancelled);
    }
  }));
