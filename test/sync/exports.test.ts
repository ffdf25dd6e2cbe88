// The `strand/sync` entry's surface, so that changes to it are deliberate; and
// the actor's place in `strand`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as sync from "../../src/sync/index.js";
import * as strand from "../../src/index.js";

test("strand/sync exports exactly the sync primitives and the Coordinator", () => {
  assert.deepEqual(Object.keys(sync).sort(), ["Condition", "Coordinator", "Event", "Latch", "Mutex", "Semaphore", "WaitGroup", "waitAll", "waitAny"]);
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  assert.deepEqual(manifest.exports["./sync"], { types: "./dist/sync/index.d.ts", import: "./dist/sync/index.js" });
});

test("strand exports actor and ActorStopped", () => {
  assert.equal(typeof strand.actor, "function");
  assert.equal(typeof strand.ActorStopped, "function");
});
