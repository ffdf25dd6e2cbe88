import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { demos, heading, tour } from "../../examples/tour.js";
import { run, type Operation } from "../../src/index.js";
import { VirtualClock } from "../../src/testing/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

async function capture(body: (write: (line: string) => void) => Operation<void>): Promise<string[]> {
  const lines: string[] = [];
  await run(() => body((line) => lines.push(line)), { clock: new VirtualClock() });
  return lines;
}

/** Runs `npm start` in the package root; resolves with its exit code and output. */
function npmStart(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Under `npm test`, npm_execpath names the npm that is running us; use the same one.
  const npm = process.env.npm_execpath;
  const [command, args] = npm !== undefined && npm.endsWith(".js") ? [process.execPath, [npm, "start"]] : ["npm", ["start"]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("examples/tour", () => {
  test("runs every demo in order, each under its heading", async () => {
    const expected: string[] = [];
    for (const [i, demo] of demos.entries()) {
      if (i > 0) expected.push("");
      expected.push(heading(demo), ...(await capture((write) => demo.run(write))));
    }
    assert.deepEqual(await capture(tour), expected);
  });

  test("npm start runs the tour to the end and exits 0", async () => {
    const { code, stdout, stderr } = await npmStart();
    assert.equal(code, 0, `npm start exited with ${code}:\n${stderr}`);
    let from = 0;
    for (const demo of demos) {
      const at = stdout.indexOf(heading(demo), from);
      assert.ok(at >= 0, `missing or out of order: ${heading(demo)}\n${stdout}`);
      from = at;
    }
    assert.match(stdout, /\[main\] both coroutines finished/);
    assert.match(stdout, /sum of the doubles: 12/);
  });
});
