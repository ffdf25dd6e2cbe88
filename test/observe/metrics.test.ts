// Metrics (issue 12): metrics() reports the scheduler (runnable, parked, steps,
// steps/s, longest step, host yields), timers, and the stats() of the channels
// and sync primitives made while track() was on, found through a weak registry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { channel, sleep, spawn, yieldNow } from "../../src/index.js";
import { Mutex } from "../../src/sync/index.js";
import { metrics, track } from "../../src/observe/index.js";
import { runTest } from "../../src/testing/index.js";
import { addProbe } from "../../src/core/probes.js";

test("a snapshot: tasks runnable and parked, counters that move with the run, channels' and mutexes' stats", async () => {
  const stop = track();
  try {
    const before = metrics();
    assert.equal(before.tracking, true);
    await runTest(function* () {
      const jobs = channel<number>(4, { name: "metrics-jobs" });
      const lock = new Mutex({ name: "metrics-lock" });
      yield* jobs.send(1);
      yield* jobs.send(2);
      yield* lock.lock();
      const waiter = yield* spawn(function* () { yield* lock.lock(); });
      const sleeper = yield* spawn(function* () { yield* sleep(100); });
      yield* yieldNow();
      const now = metrics();
      const mine = now.channels.find((stats) => stats.name === 'channel "metrics-jobs"');
      assert.deepEqual({ kind: mine?.kind, sent: mine?.sent, buffered: mine?.buffered }, { kind: "Channel", sent: 2, buffered: 2 });
      const mutex = now.sync.find((stats) => stats.name === 'mutex "metrics-lock"');
      assert.deepEqual({ kind: mutex?.kind, locked: mutex?.locked, waiting: mutex?.waiting }, { kind: "Mutex", locked: true, waiting: 1 });
      assert.equal(now.sync.filter((stats) => stats.name === 'mutex "metrics-lock"').length, 1, "its inner coordinator is not listed apart");
      assert.ok(now.scheduler.parked >= 2, "the waiter and the sleeper are parked");
      assert.ok(now.scheduler.steps > before.scheduler.steps);
      assert.ok(now.scheduler.spawned >= before.scheduler.spawned + 3);
      assert.ok(now.timers.pending >= 1);
      assert.ok(now.timers.set > before.timers.set);
      assert.ok(now.scheduler.longestStepMs >= 0 && now.scheduler.stepsPerSecond >= 0);
      lock.unlock();
      yield* waiter;
      lock.unlock();
      yield* sleeper;
      yield* jobs.receive();
      yield* jobs.receive();
    });
    const after = metrics();
    assert.ok(after.timers.fired > before.timers.fired);
    assert.ok(after.scheduler.ended >= before.scheduler.ended + 3);
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(after))), JSON.stringify(after), "plain data");
  } finally {
    stop();
  }
  assert.equal(metrics().tracking, false);
});

test("without track(), channels are not registered and the counters stand still", async () => {
  const before = metrics();
  await runTest(function* () {
    yield* sleep(5);
  }, { leaks: false });
  const after = metrics();
  assert.equal(after.scheduler.steps, before.scheduler.steps);
  assert.equal(after.timers.set, before.timers.set);
});

test("the run loop's own counts (steps, parks, wakes) agree with a probe that counts the same hooks, read inside a drain and after it", async () => {
  // The run loop counts a group of steps in its runtime and adds them up when the
  // group ends; a probe sees each event as it happens. The two must agree.
  const seen = { stepped: 0, parked: 0, woken: 0 };
  const removeProbe = addProbe({
    stepped: () => seen.stepped++,
    parked: () => seen.parked++,
    woken: () => seen.woken++,
  });
  const stop = track();
  try {
    const before = metrics().scheduler;
    const base = { ...seen };
    await runTest(function* () {
      const ping = channel<number>(0);
      const pong = channel<number>(0);
      const ponger = yield* spawn(function* () {
        for (let i = 0; i < 37; i++) yield* pong.send((yield* ping.receive()) + 1);
      });
      let v = 0;
      for (let i = 0; i < 37; i++) {
        yield* ping.send(v);
        v = yield* pong.receive();
        if (i === 20) {
          // In the middle of the drain, with a group of steps under way: the step
          // executing now is one the probe has seen and the loop has not counted yet.
          const now = metrics().scheduler;
          assert.equal(now.steps - before.steps, seen.stepped - base.stepped - 1);
          assert.equal(now.parks - before.parks, seen.parked - base.parked);
        }
      }
      yield* ponger;
    });
    const after = metrics().scheduler;
    assert.ok(seen.stepped - base.stepped > 2 * 37, "the run took more steps than its round trips");
    assert.deepEqual(
      { steps: after.steps - before.steps, parks: after.parks - before.parks, wakes: after.wakes - before.wakes },
      { steps: seen.stepped - base.stepped, parks: seen.parked - base.parked, wakes: seen.woken - base.woken },
    );
  } finally {
    stop();
    removeProbe();
  }
});
