import assert from "node:assert/strict";
import { test } from "node:test";
import { pingPongDemo } from "../../examples/ping-pong.js";
import { runTest } from "../../src/testing/index.js";

async function capture(rounds?: number): Promise<string[]> {
  const lines: string[] = [];
  await runTest(() => pingPongDemo((line) => lines.push(line), rounds));
  return lines;
}

test("examples/ping-pong: transfer hands the thread straight to the other player, ahead of the queue", async () => {
  assert.deepEqual(await capture(), [
    "ping (hit 1)",
    "pong (hit 2)",
    "ping (hit 3)",
    "pong (hit 4)",
    "ping (hit 5)",
    "pong (hit 6)",
    "spectator: my turn came after 6 hits",
    "main: back in play after 6 hits",
  ]);
});

test("examples/ping-pong: a longer rally still alternates strictly", async () => {
  const lines = await capture(50);
  const hits = lines.slice(0, 100);
  hits.forEach((line, i) => assert.equal(line, `${i % 2 === 0 ? "ping" : "pong"} (hit ${i + 1})`));
  assert.deepEqual(lines.slice(100), ["spectator: my turn came after 100 hits", "main: back in play after 100 hits"]);
});
