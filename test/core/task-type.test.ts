// The public Task type carries only the documented API (issue 8): the run
// loop's fields do not type-check in user code. `npm test` type-checks this
// file; each @ts-expect-error fails the type check if its line compiles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, suspend, type Task } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

function useOnlyThePublicApi(task: Task<number>): void {
  // The documented API type-checks:
  void [task.id, task.name, task.priority, task.parent, task.state, task.children, task.path, task.toString()];
  void task.cancel;
  void task.then;
  void task[Symbol.iterator];
  void task[Symbol.asyncDispose];
  // The run loop's fields do not:
  // @ts-expect-error: run-loop field
  void task.frame;
  // @ts-expect-error: run-loop field
  void task.resumeKind;
  // @ts-expect-error: run-loop field
  void task.resumeValue;
  // @ts-expect-error: run-loop field
  void task.suspension;
  // @ts-expect-error: run-loop field
  void task.queuedAt;
  // @ts-expect-error: lifecycle field
  void task.status;
  // @ts-expect-error: lifecycle field
  void task.halting;
  // @ts-expect-error: lifecycle field
  void task.joiners;
  // @ts-expect-error: lifecycle field
  void task.extra;
  // @ts-expect-error: tree field
  void task.firstChild;
  // @ts-expect-error: internal
  void task.runtime;
  // @ts-expect-error: internal
  void task.promise;
  // @ts-expect-error: internal
  void task.open;
}

test("the public Task type has the documented members, and a task has them at run time", () =>
  runTest(function* () {
    const task = yield* spawn(function* () {
      yield* suspend();
      return 1;
    }, { name: "worker" });
    useOnlyThePublicApi(task);
    assert.equal(task.name, "worker");
    assert.equal(task.state, "pending");
    yield* task.cancel();
    assert.equal(task.state, "cancelled");
  }));
