// Cancellation and failure, as decided in DESIGN.md: recursive and awaited,
// children before parents in reverse start order, finally blocks that may
// suspend, teardowns that a second cancel cannot cut short, failures that
// propagate (aggregated) except under supervisor, scoped error boundaries,
// unwinding like `return`, prompt cancellation, Cancelled for joiners.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  run,
  spawn,
  current,
  sleep,
  suspend,
  yieldNow,
  scoped,
  supervisor,
  ensure,
  onCancel,
  action,
  Cancelled,
  type Operation,
  type Task,
} from "../../src/index.js";
import { runTest, Steps } from "../../src/testing/index.js";

/** Runs a test body under a supervisor, so the test can watch its tasks fail without failing itself. */
function runSupervised(body: () => Operation<void>) {
  return runTest(() => supervisor(body));
}

/** Joins `task` and returns what it threw (fails if it did not throw). */
function* joinError(task: Task<unknown>) {
  try {
    yield* task;
  } catch (error) {
    return error;
  }
  assert.fail(`${task} did not throw`);
}

describe("cancellation is recursive and ordered", () => {
  test("cancelling a task cancels its whole subtree", () =>
    runTest(function* () {
      const tasks: Task<unknown>[] = [];
      const top = yield* spawn(function* () {
        tasks.push(
          yield* spawn(function* () {
            tasks.push(yield* spawn(suspend));
            tasks.push(yield* spawn(suspend));
            yield* suspend();
          }),
        );
        yield* suspend();
      });
      yield* sleep(1);
      assert.equal(tasks.length, 3);
      yield* top.cancel();
      assert.equal(top.state, "cancelled");
      assert.deepEqual(
        tasks.map((task) => task.state),
        ["cancelled", "cancelled", "cancelled"],
      );
    }));

  test("children are torn down before the parent's finally, in reverse start order, grandchildren first", () =>
    runTest(function* () {
      const steps = new Steps();
      const child = (name: string, step: number, grandchild?: [string, number]): (() => Operation<void>) =>
        function* () {
          if (grandchild !== undefined) yield* spawn(child(...grandchild), { name: grandchild[0] });
          try {
            yield* suspend();
          } finally {
            assert.equal((yield* current()).name, name);
            steps.expect(step);
          }
        };
      const parent = yield* spawn(function* () {
        yield* spawn(child("c1", 5), { name: "c1" });
        yield* spawn(child("c2", 4, ["g2", 3]), { name: "c2" });
        yield* spawn(child("c3", 2), { name: "c3" });
        try {
          yield* suspend();
        } finally {
          steps.expect(6);
        }
      });
      yield* sleep(1);
      steps.expect(1);
      yield* parent.cancel();
      steps.finish(7);
    }));

  test("each child's teardown completes (even when it suspends) before the next one starts", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const parent = yield* spawn(function* () {
        for (const name of ["a", "b", "c"]) {
          yield* spawn(function* () {
            try {
              yield* suspend();
            } finally {
              log.push(`${name} finally starts at ${clock.now()}`);
              yield* sleep(10);
              log.push(`${name} finally ends at ${clock.now()}`);
            }
          });
        }
        try {
          yield* suspend();
        } finally {
          log.push(`parent finally at ${clock.now()}`);
        }
      });
      yield* sleep(1); // everyone is parked in suspend()
      yield* parent.cancel();
      assert.deepEqual(log, [
        "c finally starts at 1",
        "c finally ends at 11",
        "b finally starts at 11",
        "b finally ends at 21",
        "a finally starts at 21",
        "a finally ends at 31",
        "parent finally at 31",
      ]);
    }));
});

describe("finally blocks run operations and are awaited", () => {
  test("a finally block may sleep and join; cancel() waits for all of it", () =>
    runTest(function* ({ clock }) {
      const steps = new Steps();
      const child = yield* spawn(function* () {
        try {
          steps.expect(1);
          yield* suspend();
        } finally {
          steps.expect(3);
          yield* sleep(100);
          steps.expect(4);
          const helper = yield* spawn(function* () {
            yield* sleep(50);
            return "flushed";
          });
          assert.equal(yield* helper, "flushed");
          steps.expect(5);
        }
      });
      yield* yieldNow();
      steps.expect(2);
      yield* child.cancel();
      steps.finish(6);
      assert.equal(clock.now(), 150);
      assert.equal(child.state, "cancelled");
    }));

  test("a second cancel during the teardown does not cut it short", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const child = yield* spawn(function* () {
        try {
          yield* suspend();
        } finally {
          log.push("finally starts");
          yield* sleep(100);
          log.push("finally slept");
          yield* sleep(100);
          log.push("finally ends");
        }
      });
      yield* yieldNow();
      void child.cancel();
      yield* sleep(50);
      assert.equal(child.state, "cancelling");
      const second = child.cancel(); // while the finally block sleeps
      yield* sleep(100);
      child.cancel(); // and again during the second sleep
      yield* second;
      assert.deepEqual(log, ["finally starts", "finally slept", "finally ends"]);
      assert.equal(clock.now(), 200);
      assert.equal(child.state, "cancelled");
    }));

  test("cancelling the root from outside the runtime also waits for the teardown", async () => {
    const log: string[] = [];
    const root = run(function* () {
      try {
        yield* suspend();
      } finally {
        yield* yieldNow();
        log.push("finally done");
      }
    });
    await Promise.resolve();
    await root.cancel();
    assert.deepEqual(log, ["finally done"]);
    assert.equal(root.state, "cancelled");
    await assert.rejects(Promise.resolve(root), Cancelled);
  });

  test("a finally block that throws during a cancel fails the task with that error", () =>
    runTest(function* () {
      const boom = new Error("cleanup failed");
      yield* supervisor(function* () {
        const child = yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            yield* sleep(1);
            throw boom; // eslint-disable-line no-unsafe-finally
          }
        });
        yield* yieldNow();
        let thrown: unknown;
        try {
          yield* child.cancel();
        } catch (error) {
          thrown = error;
        }
        assert.equal(thrown, boom, "cancel() throws when the teardown itself failed");
        assert.equal(child.state, "failed");
      });
    }));
});

describe("failure propagates", () => {
  test("a child's failure fails the parent and cancels its siblings (torn down before the parent ends)", () =>
    runSupervised(function* () {
      const boom = new Error("boom");
      const log: string[] = [];
      let sibling!: Task<unknown>;
      const parent = yield* spawn(function* () {
        sibling = yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            yield* sleep(5);
            log.push("sibling torn down");
          }
        });
        yield* spawn(function* failing() {
          yield* sleep(10);
          throw boom;
        });
        try {
          yield* suspend();
        } catch {
          log.push("parent catch"); // must not run: the parent is unwound like return
        } finally {
          log.push("parent finally");
        }
      });
      const error = yield* joinError(parent);
      assert.equal(error, boom, "the child's error itself, not a wrapper");
      assert.equal(parent.state, "failed");
      assert.equal(sibling.state, "cancelled");
      assert.deepEqual(log, ["sibling torn down", "parent finally"]);
    }));

  test("an error thrown by the body fails the task and tears down its children first", () =>
    runSupervised(function* () {
      const log: string[] = [];
      const boom = new Error("body failed");
      const parent = yield* spawn(function* () {
        yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            log.push("child finally");
          }
        });
        yield* yieldNow();
        throw boom;
      });
      assert.equal(yield* joinError(parent), boom);
      assert.deepEqual(log, ["child finally"]);
    }));

  test("several failures fail the parent with an AggregateError, in order, naming each task", () =>
    runSupervised(function* () {
      const first = new Error("first");
      const second = new Error("second");
      const third = new Error("third");
      let a!: Task<unknown>;
      let b!: Task<unknown>;
      const parent = yield* spawn(
        function* () {
          // b is torn down because a failed, and its finally throws too.
          b = yield* spawn(
            function* () {
              try {
                yield* suspend();
              } finally {
                throw second; // eslint-disable-line no-unsafe-finally
              }
            },
            { name: "b" },
          );
          a = yield* spawn(
            function* () {
              yield* sleep(1);
              throw first;
            },
            { name: "a" },
          );
          try {
            yield* suspend();
          } finally {
            throw third; // eslint-disable-line no-unsafe-finally
          }
        },
        { name: "parent" },
      );
      const error = yield* joinError(parent);
      assert.ok(error instanceof AggregateError, String(error));
      assert.deepEqual(error.errors, [first, second, third]);
      assert.match(error.message, /^3 errors in task parent#\d+/);
      const lines = error.message.split("\n").slice(1);
      assert.equal(lines.length, 3);
      assert.ok(lines[0].includes(a.path) && lines[0].includes("Error: first"), lines[0]);
      assert.ok(lines[1].includes(b.path) && lines[1].includes("Error: second"), lines[1]);
      assert.ok(lines[2].includes(parent.path) && lines[2].includes("Error: third"), lines[2]);
      assert.equal(parent.state, "failed");
    }));

  test("failure propagates through every ancestor to the root", async () => {
    const boom = new Error("deep");
    const root = run(function* () {
      yield* spawn(function* () {
        yield* spawn(function* () {
          yield* yieldNow();
          throw boom;
        });
        yield* suspend();
      });
      yield* suspend();
    });
    await assert.rejects(Promise.resolve(root), (error) => error === boom);
    assert.equal(root.state, "failed");
  });
});

describe("supervisor", () => {
  test("a failing child does not fail the scope or its siblings; the error goes to the joiner and onChildError", () =>
    runTest(function* () {
      const boom = new Error("boom");
      const reported: [unknown, string][] = [];
      let sibling!: Task<string>;
      let failing!: Task<never>;
      const result = yield* supervisor(
        function* () {
          sibling = yield* spawn(function* () {
            yield* sleep(20);
            return "sibling done";
          });
          failing = yield* spawn(
            function* () {
              yield* sleep(10);
              throw boom;
            },
            { name: "failing" },
          );
          assert.equal(yield* joinError(failing), boom);
          assert.equal(sibling.state, "running", "the sibling carries on");
          return yield* sibling;
        },
        { onChildError: (error, child) => reported.push([error, child.name]) },
      );
      assert.equal(result, "sibling done");
      assert.deepEqual(reported, [[boom, "failing"]]);
      assert.equal(failing.state, "failed");
      assert.equal(sibling.state, "completed");
    }));

  test("an error in the supervisor's own body still ends the scope", () =>
    runTest(function* () {
      const boom = new Error("body");
      let thrown: unknown;
      try {
        yield* supervisor(function* () {
          yield* spawn(suspend);
          yield* sleep(1);
          throw boom;
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
    }));

  test("an onChildError handler that throws fails the supervisor", () =>
    runTest(function* () {
      const handlerError = new Error("handler");
      let thrown: unknown;
      try {
        yield* supervisor(
          function* () {
            yield* spawn(function* () {
              yield* yieldNow();
              throw new Error("child");
            });
            yield* suspend();
          },
          {
            onChildError: () => {
              throw handlerError;
            },
          },
        );
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, handlerError);
    }));
});

describe("scoped", () => {
  test("is an error boundary: the error is thrown at yield* scoped, the scope's tasks are torn down, the parent survives", () =>
    runTest(function* () {
      const boom = new Error("worker failed");
      const log: string[] = [];
      let thrown: unknown;
      try {
        yield* scoped(function* () {
          yield* spawn(function* () {
            try {
              yield* suspend();
            } finally {
              log.push("bystander torn down");
            }
          });
          yield* spawn(function* () {
            yield* sleep(5);
            throw boom;
          });
          yield* sleep(1_000);
          log.push("scope body finished"); // never: the scope fails at 5
        });
      } catch (error) {
        thrown = error;
      }
      assert.equal(thrown, boom);
      assert.deepEqual(log, ["bystander torn down"]);
      const me = yield* current();
      assert.equal(me.state, "running", "the parent survives and carries on");
      yield* sleep(1);
    }));

  test("returns its body's result after waiting for the scope's children", () =>
    runTest(function* ({ clock }) {
      const result = yield* scoped(function* () {
        yield* spawn(function* () {
          yield* sleep(30);
        });
        return "value";
      });
      assert.equal(result, "value");
      assert.equal(clock.now(), 30);
    }));

  test("cancelling the parent cancels the scope", () =>
    runTest(function* () {
      const log: string[] = [];
      const parent = yield* spawn(function* () {
        yield* scoped(function* () {
          try {
            yield* suspend();
          } finally {
            log.push("scope finally");
          }
        });
      });
      yield* sleep(1);
      yield* parent.cancel();
      assert.deepEqual(log, ["scope finally"]);
      assert.equal(parent.state, "cancelled");
    }));
});

describe("cancellation unwinds like return", () => {
  test("catch blocks do not run, finally blocks do", () =>
    runTest(function* () {
      const log: string[] = [];
      const child = yield* spawn(function* () {
        try {
          try {
            yield* suspend();
          } catch (error) {
            log.push(`inner catch ${String(error)}`);
          } finally {
            log.push("inner finally");
          }
          log.push("after inner try");
        } catch (error) {
          log.push(`outer catch ${String(error)}`);
        } finally {
          log.push("outer finally");
        }
        log.push("after outer try");
      });
      yield* yieldNow();
      yield* child.cancel();
      assert.deepEqual(log, ["inner finally", "outer finally"]);
    }));

  test("a catch-all retry loop cannot swallow a cancellation", () =>
    runTest(function* () {
      let attempts = 0;
      const child = yield* spawn(function* () {
        for (;;) {
          try {
            attempts++;
            yield* sleep(10);
            throw new Error("flaky");
          } catch {
            // retry forever
          }
        }
      });
      yield* sleep(35);
      yield* child.cancel();
      assert.equal(child.state, "cancelled");
      const attemptsAtCancel = attempts;
      yield* sleep(100);
      assert.equal(attempts, attemptsAtCancel, "no more attempts after the cancel");
    }));

  test("a task that cancels itself and then returns without yielding ends cancelled; its result is dropped", () =>
    runTest(function* () {
      const child = yield* spawn(function* () {
        (yield* current()).cancel();
        return "result";
      });
      const error = yield* joinError(child);
      assert.ok(error instanceof Cancelled);
      assert.equal(child.state, "cancelled");
    }));

  test("the result of a task cancelled after its body returned is dropped", () =>
    runTest(function* () {
      const parent = yield* spawn(function* () {
        yield* spawn(function* () {
          yield* suspend();
        });
        return "result"; // the body returns, then waits for its child
      });
      yield* yieldNow();
      assert.equal(parent.state, "completing");
      yield* parent.cancel();
      assert.equal(parent.state, "cancelled");
      assert.ok((yield* joinError(parent)) instanceof Cancelled);
    }));
});

describe("joining a cancelled task", () => {
  test("yield* task throws Cancelled naming the task", () =>
    runTest(function* () {
      const child = yield* spawn(suspend, { name: "sleepy" });
      const joiner = yield* spawn(function* () {
        return yield* joinError(child);
      });
      yield* yieldNow();
      yield* child.cancel();
      const error = yield* joiner;
      assert.ok(error instanceof Cancelled);
      assert.equal(error.task, child);
      assert.equal(error.name, "Cancelled");
      assert.ok(error.message.includes(`sleepy#${child.id}`), error.message);
    }));

  test("await task rejects with Cancelled", async () => {
    let child!: Task<unknown>;
    let joined!: Promise<unknown>;
    await runTest(function* () {
      child = yield* spawn(suspend);
      joined = Promise.resolve(child).then(
        () => "fulfilled",
        (error: unknown) => error,
      );
      yield* yieldNow();
      yield* child.cancel();
    });
    const error = await joined;
    assert.ok(error instanceof Cancelled);
    assert.equal(error.task, child);
  });

  test("a task cancelled by its parent's failure gives its joiners Cancelled", () =>
    runTest(function* () {
      let victim!: Task<unknown>;
      let observed: unknown;
      const handled: string[] = [];
      yield* supervisor(function* () {
        yield* spawn(function* () {
          victim = yield* spawn(suspend);
          yield* sleep(1);
          throw new Error("parent fails");
        });
        yield* yieldNow();
        yield* yieldNow();
        observed = yield* joinError(victim);
      }, { onChildError: (error) => handled.push((error as Error).message) });
      assert.ok(observed instanceof Cancelled);
      assert.deepEqual(handled, ["parent fails"]); // never dropped: a supervisor reports it
    }));
});

describe("prompt cancellation: a woken task cancelled before it runs does not see its result", () => {
  test("woken by a timer", () =>
    runTest(function* () {
      const log: string[] = [];
      let sleeper!: Task<unknown>;
      // The killer's timer is registered first, so it fires first at t=10 and
      // runs before the sleeper, which its own timer woke in the same tick.
      const killer = yield* spawn(function* () {
        yield* sleep(10);
        log.push(`killer runs: sleeper is ${sleeper.state}`);
        sleeper.cancel();
      });
      sleeper = yield* spawn(function* () {
        try {
          yield* sleep(10);
          log.push("sleeper woke"); // must not happen
        } finally {
          log.push("sleeper finally");
        }
      });
      yield* killer;
      yield* sleeper.cancel();
      assert.deepEqual(log, ["killer runs: sleeper is running", "sleeper finally"]);
      assert.equal(sleeper.state, "cancelled");
    }));

  test("woken by a join", () =>
    runTest(function* () {
      const log: string[] = [];
      let joiner!: Task<unknown>;
      const target = yield* spawn(function* () {
        yield* sleep(10);
        return 42;
      });
      const killer = yield* spawn(function* () {
        yield* sleep(10); // fires after the target's timer, so runs after the target ended
        log.push(`killer: target ${target.state}`);
        joiner.cancel();
      });
      joiner = yield* spawn(function* () {
        try {
          const value = yield* target;
          log.push(`joiner got ${value}`); // must not happen
        } finally {
          log.push("joiner finally");
        }
      });
      yield* killer;
      yield* joiner.cancel();
      assert.deepEqual(log, ["killer: target completed", "joiner finally"]);
      assert.equal(joiner.state, "cancelled");
    }));

  test("woken by an action's resolve", () =>
    runTest(function* () {
      const log: string[] = [];
      let resolveIt!: (value: string) => void;
      let cleanups = 0;
      const waiter = yield* spawn(function* () {
        try {
          const value = yield* action<string>((resolve) => {
            resolveIt = resolve;
            return () => cleanups++;
          });
          log.push(`got ${value}`); // must not happen
        } finally {
          log.push("finally");
        }
      });
      yield* yieldNow();
      resolveIt("value");
      waiter.cancel(); // same tick: the waiter has been woken but has not run
      yield* waiter.cancel();
      assert.deepEqual(log, ["finally"]);
      assert.equal(cleanups, 1);
      assert.equal(waiter.state, "cancelled");
    }));
});

describe("spawning into a cancelled task", () => {
  test("a child spawned after the task's cancellation was requested never starts and reports cancelled", () =>
    runTest(function* () {
      let ran = false;
      let child!: Task<unknown>;
      const parent = yield* spawn(function* () {
        const me = yield* current();
        me.cancel(); // requested while it runs: the teardown starts at its next yield
        child = yield* spawn(function* () {
          ran = true;
        });
        assert.equal(child.state, "cancelled");
        yield* yieldNow();
        assert.fail("unreachable: the task is torn down at its next yield");
      });
      yield* yieldNow();
      yield* parent.cancel();
      yield* yieldNow();
      assert.equal(ran, false);
      assert.equal(child.state, "cancelled");
      assert.ok((yield* joinError(child)) instanceof Cancelled);
      assert.equal(parent.state, "cancelled");
    }));

  test("finally blocks of a cancelled task may still spawn children, and they run", () =>
    runTest(function* () {
      let ran = false;
      const parent = yield* spawn(function* () {
        try {
          yield* suspend();
        } finally {
          const helper = yield* spawn(function* () {
            yield* sleep(1);
            ran = true;
          });
          yield* helper;
        }
      });
      yield* yieldNow();
      yield* parent.cancel();
      assert.equal(ran, true);
    }));
});

describe("cancel() handle", () => {
  test("can be both yield*-ed in a task and awaited outside", async () => {
    let a!: Task<unknown>;
    let b!: Task<unknown>;
    const root = run(function* () {
      a = yield* spawn(suspend);
      b = yield* spawn(function* () {
        try {
          yield* suspend();
        } finally {
          yield* yieldNow();
        }
      });
      yield* yieldNow();
      const teardown = a.cancel();
      yield* teardown;
      assert.equal(a.state, "cancelled");
      yield* suspend();
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(a.state, "cancelled");
    const result = await b.cancel();
    assert.equal(result, undefined);
    assert.equal(b.state, "cancelled");
    await root.cancel();
    assert.equal(root.state, "cancelled");
  });

  test("cancelling a finished task changes nothing", () =>
    runTest(function* () {
      const child = yield* spawn(function* () {
        return 1;
      });
      yield* child;
      yield* child.cancel();
      assert.equal(child.state, "completed");
      assert.equal(yield* child, 1);
    }));

  test("a child can cancel its parent: the whole subtree is torn down, the child included", () =>
    runTest(function* () {
      const log: string[] = [];
      const parent = yield* spawn(function* () {
        const self = yield* current();
        yield* spawn(function* () {
          try {
            yield* sleep(5);
            yield* self.cancel();
            log.push("after cancelling the parent"); // never: the child is torn down with it
          } finally {
            log.push("child finally");
          }
        });
        try {
          yield* suspend();
        } finally {
          log.push("parent finally");
        }
      });
      assert.ok((yield* joinError(parent)) instanceof Cancelled);
      assert.deepEqual(log, ["child finally", "parent finally"]);
    }));

  test("a task can cancel itself; yield* me.cancel() waits for its own teardown (it does not return)", () =>
    runTest(function* () {
      const log: string[] = [];
      const child = yield* spawn(function* () {
        try {
          yield* (yield* current()).cancel();
          log.push("after self-cancel"); // never
        } finally {
          log.push("finally");
        }
      });
      yield* joinError(child);
      assert.deepEqual(log, ["finally"]);
      assert.equal(child.state, "cancelled");
    }));
});

describe("await using", () => {
  test("Symbol.asyncDispose cancels the task and waits for its teardown", async () => {
    const log: string[] = [];
    let task!: Task<unknown>;
    {
      await using disposable = run(function* () {
        try {
          yield* suspend();
        } finally {
          yield* yieldNow();
          log.push("finally");
        }
      });
      task = disposable;
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.equal(task.state, "running");
    }
    assert.deepEqual(log, ["finally"]);
    assert.equal(task.state, "cancelled");
  });

  test("disposing a task that already completed changes nothing", async () => {
    let task!: Task<number>;
    {
      await using disposable = run(function* () {
        return 1;
      });
      task = disposable;
      assert.equal(await task, 1);
    }
    assert.equal(task.state, "completed");
  });
});

describe("ensure", () => {
  test("cleanups run after the body, its finally blocks and its children, newest first; an operation cleanup is awaited", () =>
    runTest(function* ({ clock }) {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        yield* ensure(() => {
          log.push(`first cleanup at ${clock.now()}`);
        });
        yield* ensure(function* () {
          yield* sleep(10);
          log.push(`operation cleanup at ${clock.now()}`);
        });
        yield* ensure(() => {
          log.push("newest cleanup");
        });
        yield* spawn(function* () {
          yield* sleep(5);
          log.push("child done");
        });
        try {
          return "value";
        } finally {
          log.push("body finally");
        }
      });
      assert.equal(yield* task, "value");
      assert.deepEqual(log, ["body finally", "child done", "newest cleanup", "operation cleanup at 15", "first cleanup at 15"]);
    }));

  test("cleanups also run when the task is cancelled, after its children and finally blocks", () =>
    runTest(function* () {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        yield* ensure(() => {
          log.push("cleanup 1");
        });
        yield* ensure(function* () {
          yield* yieldNow();
          log.push("cleanup 2 (operation)");
        });
        yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            log.push("child finally");
          }
        });
        try {
          yield* suspend();
        } finally {
          log.push("body finally");
        }
      });
      yield* sleep(1); // the task and its child are parked
      yield* task.cancel();
      assert.deepEqual(log, ["child finally", "body finally", "cleanup 2 (operation)", "cleanup 1"]);
      assert.equal(task.state, "cancelled");
    }));

  test("cleanups run when the task fails, and a throwing cleanup adds its error", () =>
    runTest(function* () {
      const log: string[] = [];
      const boom = new Error("body");
      const cleanupError = new Error("cleanup");
      let thrown: unknown;
      try {
        yield* scoped(function* () {
          yield* ensure(() => {
            log.push("cleanup ran");
          });
          yield* ensure(() => {
            throw cleanupError;
          });
          yield* yieldNow();
          throw boom;
        });
      } catch (error) {
        thrown = error;
      }
      assert.deepEqual(log, ["cleanup ran"]);
      assert.ok(thrown instanceof AggregateError);
      assert.deepEqual(thrown.errors, [boom, cleanupError]);
    }));
});

describe("onCancel", () => {
  test("the handler runs synchronously inside cancel(), before any teardown", () =>
    runTest(function* () {
      const log: string[] = [];
      const child = yield* spawn(function* () {
        yield* onCancel(() => log.push("handler"));
        try {
          yield* suspend();
        } finally {
          log.push("finally");
        }
      });
      yield* yieldNow();
      const teardown = child.cancel();
      log.push("cancel() returned");
      yield* teardown;
      assert.deepEqual(log, ["handler", "cancel() returned", "finally"]);
    }));

  test("the handler runs when the task starts failing; the returned function unregisters it", () =>
    runTest(function* () {
      const log: string[] = [];
      yield* supervisor(function* () {
        const child = yield* spawn(function* () {
          const off = yield* onCancel(() => log.push("removed handler"));
          yield* onCancel(() => log.push("handler"));
          off();
          yield* spawn(function* () {
            yield* yieldNow();
            throw new Error("child fails");
          });
          yield* suspend();
        });
        yield* joinError(child);
      });
      assert.deepEqual(log, ["handler"]);
    }));

  test("handlers do not run for a task that completes", () =>
    runTest(function* () {
      let called = false;
      const child = yield* spawn(function* () {
        yield* onCancel(() => {
          called = true;
        });
        yield* sleep(1);
      });
      yield* child;
      assert.equal(called, false);
    }));
});
