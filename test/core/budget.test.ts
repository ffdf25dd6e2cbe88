// The cooperative budget (DESIGN.md, "A cooperative budget, as in Tokio"): an
// operation that can complete at once does not go back to the run loop, but a
// task may make only about BUDGET immediate completions before the next one
// yields. So a loop of immediate operations cannot starve other tasks and still
// notices a cancellation. Parameterized over every operation that can complete
// at once.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { run, spawn, yieldNow, action, call, type Operation, type Task } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";
import { BUDGET } from "../../src/core/runtime.js";

interface Kind {
  name: string;
  /** Prepares, in the looping task, an operation that completes at once. */
  prepare(): Operation<() => Operation<unknown>>;
}

/**
 * A loop that never yields would hang the suite; past this many iterations
 * without a turn for anyone else, the loop fails instead.
 */
const STARVED = 100_000;

const kinds: Kind[] = [
  {
    name: "yield* spawn(...)",
    *prepare() {
      return () => spawn(function* () {});
    },
  },
  {
    name: "yield* finishedTask",
    *prepare() {
      const finished = yield* spawn(function* () {
        return 1;
      });
      yield* finished;
      return () => finished;
    },
  },
  {
    name: "yield* finishedTask.cancel()",
    *prepare() {
      const finished = yield* spawn(function* () {});
      yield* finished;
      return () => finished.cancel();
    },
  },
  {
    name: "call(() => 1)",
    *prepare() {
      return () => call(() => 1);
    },
  },
  {
    name: "call(() => { throw }) (caught)",
    *prepare() {
      return () => ({
        *[Symbol.iterator]() {
          try {
            yield* call(() => {
              throw new Error("no");
            });
          } catch {
            // expected
          }
        },
      });
    },
  },
  {
    name: "action with a synchronous resolve",
    *prepare() {
      return () => action<number>((resolve) => resolve(1));
    },
  },
  {
    name: "action with a synchronous reject (caught)",
    *prepare() {
      return () => ({
        *[Symbol.iterator]() {
          try {
            yield* action<number>((_, reject) => reject(new Error("no")));
          } catch {
            // expected
          }
        },
      });
    },
  },
];

describe("cooperative budget", () => {
  for (const kind of kinds) {
    describe(kind.name, () => {
      test(`a loop of it lets other tasks run within ${BUDGET} completions`, () =>
        runTest(function* () {
          let completions = 0;
          let looping = false;
          const seenByOther: number[] = [];
          const busy = yield* spawn(function* () {
            const next = yield* kind.prepare();
            looping = true;
            let sinceOtherRan = 0;
            let lastSeen = -1;
            for (;;) {
              yield* next();
              completions++;
              if (seenByOther.length === lastSeen) {
                if (++sinceOtherRan > STARVED) throw new Error("the loop starved the other task");
              } else {
                lastSeen = seenByOther.length;
                sinceOtherRan = 0;
              }
            }
          });
          const other = yield* spawn(function* () {
            while (!looping) yield* yieldNow();
            for (let i = 0; i < 3; i++) {
              const before = completions;
              yield* yieldNow();
              seenByOther.push(completions - before);
            }
          });
          yield* other;
          yield* busy.cancel();
          assert.equal(seenByOther.length, 3);
          for (const made of seenByOther) {
            assert.ok(made > 0, "the busy task made progress between the other task's turns");
            assert.ok(made <= BUDGET, `the busy task made ${made} immediate completions in one turn (budget ${BUDGET})`);
          }
        }));

      test("a loop of it notices a cancellation", () =>
        runTest(function* () {
          let finallyRan = false;
          let looping = false;
          const busy = yield* spawn(function* () {
            const next = yield* kind.prepare();
            looping = true;
            try {
              for (let i = 0; ; i++) {
                yield* next();
                if (i > STARVED) throw new Error("the loop never yielded to the run loop");
              }
            } finally {
              finallyRan = true;
            }
          });
          while (!looping) yield* yieldNow();
          yield* busy.cancel();
          assert.equal(busy.state, "cancelled");
          assert.equal(finallyRan, true);
        }));

      test("a task cancelling itself in such a loop is torn down within one budget", () =>
        runTest(function* () {
          let iterations = 0;
          const busy: Task<unknown> = yield* spawn(function* () {
            const next = yield* kind.prepare();
            busy.cancel(); // requested while it runs: noticed at its next yield to the run loop
            for (;;) {
              yield* next();
              if (++iterations > STARVED) throw new Error("the loop never noticed its cancellation");
            }
          });
          yield* busy.cancel();
          assert.equal(busy.state, "cancelled");
          assert.ok(iterations < BUDGET, `ran ${iterations} iterations after cancelling itself`);
        }));
    });
  }

  test("a busy loop of immediate operations under run() (real clock) is cancellable from async code", async () => {
    let completions = 0;
    const busy = run(function* () {
      for (;;) {
        yield* call(() => 1);
        if (++completions > 100 * STARVED) throw new Error("the loop never yielded to the host");
      }
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.ok(completions > 0);
    await busy.cancel();
    assert.equal(busy.state, "cancelled");
  });
});
