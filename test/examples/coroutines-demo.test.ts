import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { coroutinesDemo } from "../../examples/coroutines-demo.js";
import { run, timeout, TimeoutError, type Operation } from "../../src/index.js";
import { VirtualClock } from "../../src/testing/index.js";
import { spawnProcess } from "../../src/io/index.js";
import { consumeEach } from "../../src/index.js";

/** Runs `body` on a virtual clock: it does not jump ahead of real time while file I/O is in flight. */
async function capture(body: (write: (line: string) => void) => Operation<void>) {
  const lines: string[] = [];
  const clock = new VirtualClock();
  const task = run(() => body((line) => lines.push(line)), { clock });
  let error: unknown;
  try {
    await task;
  } catch (caught) {
    error = caught;
  }
  return { lines, error, elapsed: clock.now() };
}

describe("examples/coroutines-demo", () => {
  test("the printer and the file streamer interleave by their sleeps, then main reports completion", async () => {
    const { lines, error, elapsed } = await capture((write) => coroutinesDemo(write));
    assert.equal(error, undefined);
    assert.deepEqual(lines, [
      "[printer] message 1 of 3", // t=0
      "[cat] Two coroutines share one thread.", // t=0 (reading takes no virtual time)
      "[cat] One prints, then sleeps;", // t=70
      "[printer] message 2 of 3", // t=100
      "[cat] this one reads a file, a line at a time.", // t=140
      "[printer] message 3 of 3", // t=200
      "[cat] Whenever one is parked,", // t=210
      "[cat] the other runs:", // t=280
      "[cat] nobody waits for anybody.", // t=350
      "[main] both coroutines finished",
    ]);
    assert.equal(elapsed, 350);
  });

  test("a file that cannot be opened fails the demo and cancels the printer", async () => {
    const { lines, error, elapsed } = await capture((write) => coroutinesDemo(write, fileURLToPath(new URL("../../examples/data/no-such-file.txt", import.meta.url))));
    assert.equal((error as NodeJS.ErrnoException).code, "ENOENT");
    assert.deepEqual(lines, ["[printer] message 1 of 3"]);
    assert.equal(elapsed, 0, "the printer's sleep was cancelled, not waited out");
  });

  test("cancelled mid-file by a timeout, neither coroutine writes again", async () => {
    const { lines, error } = await capture((write) => timeout(150, () => coroutinesDemo(write)));
    assert.ok(error instanceof TimeoutError);
    assert.deepEqual(lines, [
      "[printer] message 1 of 3",
      "[cat] Two coroutines share one thread.",
      "[cat] One prints, then sleeps;",
      "[printer] message 2 of 3",
      "[cat] this one reads a file, a line at a time.",
    ]);
  });

  test("run as a program, in real time: its stdout has each coroutine's lines in order, then the completion line", async () => {
    const demo = fileURLToPath(new URL("../../examples/coroutines-demo.ts", import.meta.url));
    const { out, status } = await run(function* () {
      const child = yield* spawnProcess(process.execPath, ["--import", "tsx", demo], { stderr: "inherit" });
      let out = "";
      yield* consumeEach(child.stdout, (chunk) => void (out += chunk.toString()));
      return { out, status: yield* child.wait() };
    });
    assert.deepEqual(status, { code: 0, signal: null });
    const lines = out.trimEnd().split("\n");
    // Real timers on a shared machine: the two coroutines' lines interleave by
    // their sleeps, but only each one's own order is certain.
    assert.deepEqual(
      lines.filter((line) => line.startsWith("[printer]")),
      ["[printer] message 1 of 3", "[printer] message 2 of 3", "[printer] message 3 of 3"],
    );
    assert.deepEqual(
      lines.filter((line) => line.startsWith("[cat]")),
      [
        "[cat] Two coroutines share one thread.",
        "[cat] One prints, then sleeps;",
        "[cat] this one reads a file, a line at a time.",
        "[cat] Whenever one is parked,",
        "[cat] the other runs:",
        "[cat] nobody waits for anybody.",
      ],
    );
    assert.equal(lines.at(-1), "[main] both coroutines finished");
    assert.equal(lines.length, 10);
  });
});
