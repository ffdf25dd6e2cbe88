import assert from "node:assert/strict";
import { test } from "node:test";
import { generatorDemo, runDemo } from "../../examples/generator.js";

test("examples/generator: next/recv prints 0 1 2, yielded from a nested generator", () => {
  const lines: string[] = [];
  generatorDemo((line) => lines.push(line));
  assert.deepEqual(lines, ["0", "1", "2"]);
});

test("examples/generator: Coroutine.run answers each yielded number with its double and returns the sum", () => {
  const lines: string[] = [];
  assert.equal(
    runDemo((line) => lines.push(line)),
    12,
  );
  assert.deepEqual(lines, ["sent 1, got back 2", "sent 2, got back 4", "sent 3, got back 6", "sum of the doubles: 12"]);
});
