// shutdownRequested() outside main(body, { drain }): nobody can request a
// shutdown, so it waits until its task is cancelled. (Under main, see
// main.test.ts: real signals to a child process.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { race, shutdownRequested, sleep } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

test("outside main with drain, shutdownRequested() waits until cancelled", () =>
  runTest(function* ({ clock }) {
    const winner = yield* race([
      (function* () {
        yield* shutdownRequested();
        return "shutdown";
      })(),
      (function* () {
        yield* sleep(1_000);
        return "still running";
      })(),
    ]);
    assert.equal(winner, "still running");
    assert.equal(clock.now(), 1_000);
  }));

test("outside a task it is a TypeError saying so", () => {
  assert.throws(() => shutdownRequested()[Symbol.iterator]().next(), {
    name: "TypeError",
    message: /^shutdownRequested\(\) must be used inside a Strand task/,
  });
});
