import assert from "node:assert/strict";
import { test } from "node:test";
import { counterDemo } from "../../examples/counter.js";
import { runTest } from "../../src/testing/index.js";

test("examples/counter: two counters take turns with yieldNow until the shorter one is done", async () => {
  const lines: string[] = [];
  await runTest(() => counterDemo((line) => lines.push(line)));
  assert.deepEqual(lines, [
    "A: 1",
    "B: 1",
    "A: 2",
    "B: 2",
    "A: 3",
    "B: 3",
    "A: 4",
    "B: done",
    "A: 5",
    "A: done",
    "main: counted 8 steps in all",
  ]);
});
