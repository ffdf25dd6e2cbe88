// The channel examples print exactly what their doc comments promise (virtual time).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runTest } from "../../src/testing/index.js";
import type { Operation } from "../../src/index.js";
import { boundedBufferDemo } from "../../examples/bounded-buffer.js";
import { mirrorDemo } from "../../examples/mirror.js";
import { pipelineDemo } from "../../examples/pipeline.js";

function output(demo: (write: (line: string) => void) => Operation<void>): Promise<string[]> {
  const lines: string[] = [];
  return runTest(function* () {
    yield* demo((line) => lines.push(line));
    return lines;
  });
}

test("bounded buffer: the producer parks at capacity and resumes as the consumer drains", async () => {
  assert.deepEqual(await output(boundedBufferDemo), [
    "t=  0ms produced 1 (buffered 1)",
    "t=  0ms produced 2 (buffered 2)",
    "t=  0ms produced 3 (buffered 3)",
    "t=  0ms produced 4 (buffered 3)",
    "t=100ms consumed 1",
    "t=100ms produced 5 (buffered 3)",
    "t=200ms consumed 2",
    "t=200ms produced 6 (buffered 3)",
    "t=200ms producer done",
    "t=300ms consumed 3",
    "t=400ms consumed 4",
    "t=500ms consumed 5",
    "t=600ms consumed 6",
    "t=600ms consumer done",
  ]);
});

test("mirror: two producer/consumer pairs trade 1 KB descriptors without copying", async () => {
  assert.deepEqual(await output(mirrorDemo), [
    "consumer[0] received=1000 sum=499500",
    "consumer[1] received=1000 sum=499500",
    "total received=2000 total sum=999000",
  ]);
});

test("pipeline: select's timeout wins once the generator stalls, and every stage is torn down", async () => {
  assert.deepEqual(await output(pipelineDemo), [
    "sink: 1",
    "sink: 4",
    "sink: 9",
    "sink: 16",
    "sink: 25",
    "sink: no value for 100 ms, total=55; cancelling the pipeline",
    "squares: stopped",
    "numbers: stopped",
    "sink: pipeline torn down",
  ]);
});
