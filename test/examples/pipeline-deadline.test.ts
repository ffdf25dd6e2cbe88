// The pipeline-with-a-deadline example prints what its doc comment promises (virtual time).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runTest } from "../../src/testing/index.js";
import { deadlinePipelineDemo } from "../../examples/pipeline-deadline.js";

test("pipeline with a deadline: averages until the deadline, then every stage torn down, last started first", async () => {
  const lines: string[] = [];
  await runTest(function* () {
    yield* deadlinePipelineDemo((line) => lines.push(line));
  });
  assert.deepEqual(lines, [
    "t= 45ms sink: average 20",
    "t= 90ms sink: average 50",
    "t=130ms averager: stopped with 2 readings pending",
    "t=130ms sensor: stopped",
    "t=130ms deadline reached: pipeline torn down",
  ]);
});
