// The graceful-shutdown example: under virtual time with a timer standing in
// for the signal, its exact output; and as a real program under main() with a
// real SIGTERM, a clean drain and exit code 0.
import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { sleep } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";
import { jobRunner } from "../../examples/graceful-shutdown.js";

test("graceful shutdown: stops taking jobs, finishes the ones taken, then returns (virtual time)", async () => {
  const lines: string[] = [];
  await runTest(function* ({ clock }) {
    yield* jobRunner((line) => lines.push(`t=${clock.now()} ${line}`), sleep(110));
  });
  assert.deepEqual(lines, [
    "t=0 ready",
    "t=50 job 1 done",
    "t=70 job 2 done",
    "t=100 job 3 done",
    "t=110 shutdown requested: no new jobs; finishing the jobs taken",
    "t=120 job 4 done",
    "t=150 job 5 done",
    "t=150 all taken jobs done; exiting",
  ]);
});

test("graceful shutdown: as a program, a SIGTERM drains it and it exits with 0", { timeout: 60_000 }, async () => {
  const program = fileURLToPath(new URL("../../examples/graceful-shutdown.ts", import.meta.url));
  const child = spawnProcess(process.execPath, ["--import", "tsx", program], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let sent = false;
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (!sent && stdout.split("\n").includes("job 2 done")) {
      sent = true;
      child.kill("SIGTERM");
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines[0], "ready");
  const shutdown = lines.indexOf("shutdown requested: no new jobs; finishing the jobs taken");
  assert.ok(shutdown > 0, stdout);
  assert.equal(lines.at(-1), "all taken jobs done; exiting");
  const done = lines.filter((line) => line.startsWith("job ")).map((line) => Number(line.split(" ")[1]));
  assert.deepEqual(done, Array.from({ length: done.length }, (_, i) => i + 1), "every job taken is done, none skipped");
  assert.ok(lines.length - shutdown - 2 <= 2, `at most the two jobs in flight finish after the request:\n${stdout}`);
  assert.equal(stderr, "");
});
