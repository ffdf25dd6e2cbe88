import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { echoDemo } from "../../examples/echo-server.js";
import { run } from "../../src/index.js";
import { assertNothingLeftOpen, openNow } from "../io/helpers.js";

describe("examples/echo-server", () => {
  test("many concurrent loopback connections from a client process, every echo checked; nothing left open", async () => {
    const before = await openNow();
    const lines: string[] = [];
    await run(() => echoDemo(200, 5, (line) => lines.push(line)));
    assert.deepEqual(lines, ["[clients] 200 connections × 5 messages, every echo intact", "[server] served 200 connections"]);
    await assertNothingLeftOpen(before);
  });
});
