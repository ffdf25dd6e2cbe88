// Frames (issue 8): the stack of frames a task owns — its body, its fn calls —
// walkable from outside a step, with each frame's function (and, in debug
// mode, where it was entered); and detach/attach, which takes a parked task off
// the run loop with its frames intact and puts it back.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { channel, fn, sleep, spawn, suspend, yieldNow, type Operation } from "../../src/index.js";
import { attach, detach, framesOf, isDetached, setFrameDebug } from "../../src/core/frames.js";
import type { TaskRecord } from "../../src/core/task.js";
import { runTest } from "../../src/testing/index.js";

const inner = fn(function* inner(): Operation<void> {
  yield* helper(); // a plain yield* chain: part of inner's frame
});
function* helper(): Operation<void> {
  yield* sleep(100);
}
const outer = fn(function* outer(): Operation<void> {
  yield* inner();
});

const record = (task: unknown) => task as TaskRecord<unknown>;

describe("frames", () => {
  test("a parked task's frames, top first: its fn calls, then its body; a plain yield* chain is its entry frame", () =>
    runTest(function* () {
      const task = yield* spawn(function* body() {
        yield* outer();
      });
      yield* yieldNow();
      assert.deepEqual(
        framesOf(record(task)).map((frame) => frame.function?.name),
        ["inner", "outer", "body"],
      );
      yield* task.cancel();
      assert.deepEqual(framesOf(record(task)), [], "an ended task has no frames");
    }));

  test("debug mode records where each frame was entered", () =>
    runTest(function* () {
      setFrameDebug(true);
      let task;
      try {
        task = yield* spawn(function* body() {
          yield* outer();
        });
      } finally {
        setFrameDebug(false);
      }
      yield* yieldNow();
      const [, , body] = framesOf(record(task));
      assert.match(String(body.location), /frames\.test\.ts:\d+:\d+/);
      yield* task.cancel();
    }));
});

describe("detach and attach", () => {
  test("a detached task is off the run loop: its wait is withdrawn and nothing reaches it; attach resumes it with a value", () =>
    runTest(function* () {
      const ch = channel<number>();
      const receiver = yield* spawn(function* () {
        const got = yield* ch.receive();
        return `got ${got}`;
      });
      yield* yieldNow();
      assert.equal(detach(record(receiver)), `receive on ${ch.name}`);
      assert.equal(isDetached(record(receiver)), true);
      assert.deepEqual(ch.trySend(1), { ok: false, reason: "full" }, "the receive was withdrawn");
      assert.equal(ch.stats().waitingReceivers, 0);
      assert.equal(framesOf(record(receiver)).length, 1, "frames intact");
      attach(record(receiver), 42);
      assert.equal(yield* receiver, "got 42");
    }));

  test("attach can throw into the task instead", () =>
    runTest(function* () {
      const sleeper = yield* spawn(function* () {
        try {
          yield* sleep(1_000);
          return "slept";
        } catch (error) {
          return `caught ${(error as Error).message}`;
        }
      });
      yield* yieldNow();
      detach(record(sleeper));
      attach(record(sleeper), new Error("restored with an error"), true);
      assert.equal(yield* sleeper, "caught restored with an error");
    }));

  test("a cancellation while detached is deferred: the teardown starts when the task is attached", () =>
    runTest(function* () {
      const log: string[] = [];
      const task = yield* spawn(function* () {
        try {
          yield* suspend();
        } finally {
          log.push("finally");
        }
      });
      yield* yieldNow();
      detach(record(task));
      task.cancel();
      yield* sleep(10);
      assert.deepEqual(log, [], "nothing runs while detached");
      assert.equal(task.state, "cancelling");
      attach(record(task), undefined);
      yield* task.cancel();
      assert.deepEqual(log, ["finally"]);
      assert.equal(task.state, "cancelled");
    }));

  test("only a parked task can be detached, and only a detached one attached", () =>
    runTest(function* () {
      const task = yield* spawn(function* () {
        yield* sleep(1_000);
        return "woke";
      });
      assert.throws(() => detach(record(task)), /is not parked/, "not started yet");
      yield* yieldNow();
      assert.throws(() => attach(record(task), 1), /is not detached/);
      detach(record(task));
      assert.throws(() => detach(record(task)), /is not parked/);
      attach(record(task), undefined);
      assert.equal(yield* task, "woke");
    }));
});
