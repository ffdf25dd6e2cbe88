// Leaks (issue 12): once a runTest body's tasks have all ended, anything still
// registered — timers, outside work held, runs started inside it, tasks waiting
// on its channels or sync primitives — fails the test with LeakError and a dump
// of what is left; expectNoLeaks() checks a run of the user's own.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { channel, hold, run, sleep, spawn, withResolvers } from "../../src/index.js";
import { Mutex } from "../../src/sync/index.js";
import { expectNoLeaks, LeakError, runTest } from "../../src/testing/index.js";

/** Runs `body` as a test and returns the LeakError it fails with. */
async function leakOf(body: Parameters<typeof runTest>[0]): Promise<LeakError> {
  try {
    await runTest(body);
  } catch (error) {
    if (error instanceof LeakError) return error;
    throw error;
  }
  assert.fail("the test must fail with a LeakError");
}

describe("runTest's leak check", () => {
  test("a clean test passes", () =>
    runTest(function* () {
      const ch = channel<number>(1);
      yield* ch.send(1);
      yield* spawn(function* () { yield* sleep(5); });
    }));

  test("outside work held and never released", async () => {
    const error = await leakOf(function* () {
      yield* hold();
    });
    assert.deepEqual(error.leaks, ["1 piece of outside work still held (a hold() not released, or a call() or action() that did not let go)"]);
    assert.match(error.message, /^task test#\d+ ended but left behind:\n- 1 piece of outside work still held/);
  });

  test("a run started inside the test that is still going, with a dump of its tree", async () => {
    let stray: ReturnType<typeof run> | undefined;
    const error = await leakOf(function* () {
      const ch = channel<number>(0, { name: "never" });
      stray = run(function* poller() {
        yield* ch.receive();
      });
      yield* sleep(1);
    });
    try {
      assert.equal(error.leaks.length, 2, error.message);
      assert.match(error.leaks[0], /^a run started inside it is still going:\nruntime of poller#\d+ at t=[\d.]+ms: 0 ready, 1 parked/);
      assert.match(error.leaks[0], /poller#\d+ parked on receive on channel "never"/);
      assert.match(error.leaks[1], /^channel "never" still has 1 waiter: \{"name":"channel \\"never\\"".*"waitingReceivers":1/);
    } finally {
      await stray!.cancel().then(undefined, () => {});
    }
  });

  test("a task of another run still waiting on a sync primitive made in the test", async () => {
    const handoff = withResolvers<Mutex>();
    // A run started outside the test (not one of its own), which will wait on the test's mutex.
    const outside = run(function* outsider() {
      const mutex = yield* handoff.operation;
      yield* mutex.lock();
    });
    const error = await leakOf(function* () {
      const mutex = new Mutex({ name: "shared" });
      yield* mutex.lock();
      handoff.resolve(mutex); // the outsider runs at once (a microtask), before the virtual clock moves
      yield* sleep(1);
    });
    await outside.cancel().then(undefined, () => {});
    assert.deepEqual(error.leaks.length, 1, error.message);
    assert.match(error.leaks[0], /^mutex "shared" still has 1 waiter: \{"name":"mutex \\"shared\\"","locked":true,"waiting":1/);
  });

  test("{ leaks: false } turns the check off", () =>
    runTest(
      function* () {
        yield* hold();
      },
      { leaks: false },
    ));

  test("a failing test reports its own error, not leaks", async () => {
    await assert.rejects(
      runTest(function* () {
        yield* hold();
        throw new Error("the test's own failure");
      }),
      /the test's own failure/,
    );
  });
});

describe("expectNoLeaks(root)", () => {
  test("passes for a run that left nothing, and throws LeakError for one that did", async () => {
    const clean = run(function* () { yield* sleep(1); });
    await clean;
    expectNoLeaks(clean);
    const leaky = run(function* () { yield* hold(); });
    await leaky;
    assert.throws(() => expectNoLeaks(leaky), (error: unknown) => error instanceof LeakError && error.task === leaky && error.leaks.length === 1);
  });

  test("bad input: not a task, not a root, not ended", async () => {
    assert.throws(() => expectNoLeaks({} as never), { name: "TypeError", message: /expectNoLeaks\(root\): root must be a task/ });
    await runTest(function* () {
      const child = yield* spawn(function* () { yield* sleep(1); });
      assert.throws(() => expectNoLeaks(child), { name: "TypeError", message: /is not a run's root task/ });
    });
    const running = run(function* () { yield* sleep(1); });
    assert.throws(() => expectNoLeaks(running), /has not ended yet/);
    await running;
    assert.throws(() => runTest(function* () {}, { leaks: "yes" as never }), { name: "TypeError", message: /runTest\(body, options\): leaks must be a boolean/ });
  });
});
