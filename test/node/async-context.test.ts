// strand/node's propagateAsyncContext(): call() runs its function in the
// AsyncLocalStorage context where its run was started, even when the run loop
// was woken from another run's context. The first test shows the problem it
// solves (before the hook is installed; the hook is process-wide).
import { test } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { call, channel, run, sleep } from "../../src/index.js";
import { propagateAsyncContext } from "../../src/node/index.js";

const storage = new AsyncLocalStorage<string>();

/** Run "a" waits for an element that run "b" sends: "a" is woken from b's drain. Returns what a's call() saw. */
async function seenByA(): Promise<string | undefined> {
  const handoff = channel<number>();
  const a = storage.run("request a", () =>
    run(function* () {
      yield* handoff.receive();
      return yield* call(async () => {
        await null;
        return storage.getStore();
      });
    }),
  );
  const b = storage.run("request b", () =>
    run(function* () {
      yield* sleep(1);
      yield* handoff.send(1);
    }),
  );
  await b;
  return a;
}

test("without the hook, call() sees the context of whichever run woke the loop", async () => {
  assert.equal(await seenByA(), "request b");
});

test("with propagateAsyncContext(), call() sees the context its run was started in", async () => {
  propagateAsyncContext();
  propagateAsyncContext(); // again: changes nothing
  assert.equal(await seenByA(), "request a");
});

test("spawned tasks share their run's context; a run started outside any context sees none", async () => {
  propagateAsyncContext();
  const { spawn } = await import("../../src/index.js");
  const seen = await storage.run("outer", () =>
    run(function* () {
      const child = yield* spawn(() => call(() => storage.getStore()));
      return yield* child;
    }),
  );
  assert.equal(seen, "outer");
  assert.equal(await run(() => call(() => storage.getStore())), undefined);
});
