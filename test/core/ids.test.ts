// Ids (issue 8): unique across the runtimes of a thread (one counter per kind),
// and tagged with the thread in a worker, so dumps never confuse two tasks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { channel, run, spawn, suspend } from "../../src/index.js";
import { setThreadTag } from "../../src/core/ids.js";
import { runTest } from "../../src/testing/index.js";

test("task ids never repeat across runtimes of one thread", async () => {
  const ids: number[] = [];
  await Promise.all(
    [1, 2, 3].map(() =>
      run(function* () {
        for (let i = 0; i < 3; i++) ids.push((yield* spawn(function* () {})).id);
      }),
    ),
  );
  assert.equal(new Set(ids).size, ids.length);
});

test("a worker thread's tag appears in task paths and channel names", async () => {
  setThreadTag("w2");
  try {
    await runTest(function* () {
      const child = yield* spawn(suspend, { name: "worker" });
      assert.match(child.path, /^test#w2\.\d+ › worker#w2\.\d+$/);
      assert.match(String(child), /^task worker#w2\.\d+$/);
      assert.match(channel<number>().name, /^channel #w2\.\d+$/);
      yield* child.cancel();
    });
  } finally {
    setThreadTag("");
  }
});

test("setThreadTag refuses anything but letters and digits", () => {
  assert.throws(() => setThreadTag("w 2"), TypeError);
});
