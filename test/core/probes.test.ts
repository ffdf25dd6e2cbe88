// Probes (issue 8): the run loop's hook points — spawned, stepped, parked (on
// what), woken, ended, timer set and fired — seen by a listener outside core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { action, call, channel, run, sleep, spawn, yieldNow, type Channel } from "../../src/index.js";
import { addProbe, probing } from "../../src/core/probes.js";
import { runTest } from "../../src/testing/index.js";

/** A task named "worker" that receives one value from `ch` and returns it. */
function receiver(ch: Channel<number>) {
  return spawn(
    function* () {
      return yield* ch.receive();
    },
    { name: "worker" },
  );
}

test("a probe sees a task's life: spawned, stepped, parked on what, woken, ended; and timers", async () => {
  const events: string[] = [];
  const name = (task: { name: string }) => task.name;
  const remove = addProbe({
    spawned: (task) => events.push(`spawned ${name(task)}`),
    parked: (task, wait) => events.push(`parked ${name(task)}: ${wait.describe()}`),
    woken: (task) => events.push(`woken ${name(task)}`),
    ended: (task) => events.push(`ended ${name(task)} ${task.state}`),
    timerSet: (deadline) => events.push(`timer set for t=${deadline}`),
    timerFired: (deadline) => events.push(`timer fired at t=${deadline}`),
  });
  assert.equal(probing.on, true);
  try {
    await runTest(
      function* () {
        const ch = channel<number>(0, { name: "jobs" });
        const worker = yield* receiver(ch);
        yield* sleep(5);
        yield* ch.send(1);
        yield* worker;
      },
      { name: "test" },
    );
  } finally {
    remove();
  }
  assert.equal(probing.on, false, "removing the last probe turns the sites off");
  assert.deepEqual(
    events.map((event) => event.replace(/#\d+/g, "")),
    [
      "spawned test",
      "spawned worker",
      "timer set for t=5",
      "parked test: sleep until t=5",
      'parked worker: receive on channel "jobs"',
      "timer fired at t=5",
      "woken test",
      "woken worker", // the send hands 1 to the parked receive
      "parked test: join of task worker",
      "ended worker completed",
      "woken test",
      "ended test completed",
    ],
  );
});

test("a probe that throws does not break the run", async () => {
  const remove = addProbe({
    stepped: () => {
      throw new Error("observer bug");
    },
  });
  try {
    assert.equal(await runTest(function* () { yield* sleep(1); return "ok"; }), "ok");
  } finally {
    remove();
  }
});

test("a probe added inside a task sees wake-ups at once and the run loop's events from the next step on, in the same drain", async () => {
  const events: string[] = [];
  const name = (task: { name: string }) => task.name.replace(/#\d+/g, "");
  let remove = (): void => {};
  try {
    await runTest(
      function* () {
        const ch = channel<number>(0, { name: "jobs" });
        const worker = yield* receiver(ch);
        yield* yieldNow(); // the worker parks on the receive, unwatched
        remove = addProbe({
          parked: (task, wait) => events.push(`parked ${name(task)}: ${wait.describe()}`),
          woken: (task) => events.push(`woken ${name(task)}`),
          stepEnded: (task) => events.push(`step ended ${name(task)}`),
        });
        yield* ch.send(1); // no host turn between here and the end: one drain
        yield* worker;
      },
      { name: "test" },
    );
  } finally {
    remove();
  }
  // Wake-ups are seen at once; the run loop's events from the next step on:
  // test's park on the join, in the step that added the probe, is not.
  assert.deepEqual(events, [
    "woken worker",
    "woken test",
    "step ended worker",
    "step ended test",
  ]);
});

test("a task waiting on async code is described by what it waits on: call(name), action(name), or a promise (each's async body)", async () => {
  const parked: string[] = [];
  const remove = addProbe({ parked: (task, wait) => parked.push(`${task.name.replace(/#\d+/g, "")}: ${wait.describe()}`) });
  try {
    await run(
      function* () {
        yield* call(function fetchUser() {
          return new Promise((resolve) => setImmediate(resolve));
        });
        yield* action(function onceTicked(resolve: (value: void) => void) {
          setImmediate(resolve);
        });
        const lines = channel<string>(1);
        yield* lines.send("alpha");
        lines.close();
        yield* lines.each(async () => new Promise((resolve) => setImmediate(resolve)));
        yield* call(() => new Promise((resolve) => setImmediate(resolve)));
      },
      { name: "test" },
    );
  } finally {
    remove();
  }
  assert.deepEqual(parked, ["test: call(fetchUser)", "test: action(onceTicked)", "test: a promise", "test: call()"]);
});
