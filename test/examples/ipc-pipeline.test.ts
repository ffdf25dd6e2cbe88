import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pipeline } from "../../examples/ipc-pipeline.js";
import { POEM } from "../../examples/coroutines-demo.js";
import { run } from "../../src/index.js";
import { assertNothingLeftOpen, openNow } from "../io/helpers.js";

describe("examples/ipc-pipeline", () => {
  test("a pipeline split across two processes: every line out and back, in order, then both ends close", async () => {
    const before = await openNow();
    const lines: string[] = [];
    await run(() => pipeline(POEM, (line) => lines.push(line)));
    assert.deepEqual(lines, [
      "line 1: 5 words: TWO COROUTINES SHARE ONE THREAD.",
      "line 2: 4 words: ONE PRINTS, THEN SLEEPS;",
      "line 3: 10 words: THIS ONE READS A FILE, A LINE AT A TIME.",
      "line 4: 4 words: WHENEVER ONE IS PARKED,",
      "line 5: 3 words: THE OTHER RUNS:",
      "line 6: 4 words: NOBODY WAITS FOR ANYBODY.",
      "[stage 1] 6 lines through 2 processes; stage 2 exited with code 0",
    ]);
    await assertNothingLeftOpen(before);
  });
});
