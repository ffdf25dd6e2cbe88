// The durable examples, run as a user runs them: from an installed package, in fresh processes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cpSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { seededRandom } from "../../src/testing/index.js";
import { join } from "node:path";
import { installedProject, repository, tsxLoader, type Project } from "../durable/fixtures/installed.js";

describe("examples/durable", () => {
  let project: Project;
  before(() => {
    project = installedProject();
    cpSync(join(repository, "examples", "durable"), join(project.dir, "durable"), { recursive: true });
  });
  after(() => project.remove());

  test("counter.ts: compiled, three runs print yield: 0, 1, 2 (state kept in a file)", () => {
    const lines = [0, 1, 2].map(() => {
      const run = project.node(["--import", "strand/register", "durable/counter.ts", "counter.state"]);
      assert.equal(run.status, 0, run.stderr);
      return run.stdout.trim();
    });
    assert.deepEqual(lines, ["yield: 0", "yield: 1", "yield: 2"]);
  });

  test("counter.ts: without the loader it says it is volatile and prints yield: 0 each time", () => {
    for (let i = 0; i < 2; i++) {
      const run = project.node(["--import", tsxLoader, "durable/counter.ts", "volatile.state"]);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split("\n"), ["volatile mode: this module is not compiled, so its state is not saved", "yield: 0"]);
    }
  });

  test("pipeline.ts: saved mid-stream in one process and finished in another, every number received once, in order", () => {
    const first = project.node(["--import", "strand/register", "durable/pipeline.ts", "pipeline.state"]);
    assert.equal(first.status, 0, first.stderr);
    const second = project.node(["--import", "strand/register", "durable/pipeline.ts", "pipeline.state"]);
    assert.equal(second.status, 0, second.stderr);
    const a = first.stdout.trim().split("\n");
    const b = second.stdout.trim().split("\n");
    assert.equal(a.at(-1), "saved the pipeline mid-stream to pipeline.state; run again to finish it");
    assert.equal(b.at(-1), "done: 20 numbers, sum 190");
    const before = a.slice(0, -1);
    const after = b.slice(0, -1);
    // Mid-stream: both runs received some.
    assert.ok(before.length > 0 && after.length > 0, `${before.length} then ${after.length}`);
    assert.deepEqual([...before, ...after], Array.from({ length: 20 }, (_, i) => `received ${i}`));
  });

  test("pipeline.ts: without the loader it says it is volatile and runs the whole pipeline at once", () => {
    const run = project.node(["--import", tsxLoader, "durable/pipeline.ts", "volatile-pipeline.state"]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split("\n"), [
      "volatile mode: this module is not compiled, so the pipeline cannot be saved",
      ...Array.from({ length: 20 }, (_, i) => `received ${i}`),
      "done: 20 numbers, sum 190",
    ]);
  });

  test("orders.ts: three orders through steps, a signal and a sleep, on the embedded store; killed with SIGKILL and run again, they finish", async () => {
    const expected = ["order-1: charged 12, shipped", "order-2: charged 140, shipped", "order-3: charged 36, shipped"];
    const first = project.node(["--import", "strand/register", "durable/orders.ts", "orders-a.db", "ledger-a.txt"]);
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(first.stdout.trim().split("\n"), expected);
    const ledger = readFileSync(join(project.dir, "ledger-a.txt"), "utf8").trim().split("\n").sort();
    assert.deepEqual(ledger, [
      "charged 12 for order-1",
      "charged 140 for order-2",
      "charged 36 for order-3",
      "reserved 1 × teapot for order-2",
      "reserved 2 × tea for order-1",
      "reserved 6 × cups for order-3",
      "shipped order-1",
      "shipped order-2",
      "shipped order-3",
    ]);
    // Killed at seeded random moments, then run to the end: the same results, every side effect in the ledger.
    const random = seededRandom(11);
    for (let kill = 0; kill < 3; kill++) {
      const child = spawn(process.execPath, ["--import", "strand/register", "durable/orders.ts", "orders-b.db", "ledger-b.txt"], { cwd: project.dir, stdio: "ignore" });
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.floor(random() * 400)));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    const last = project.node(["--import", "strand/register", "durable/orders.ts", "orders-b.db", "ledger-b.txt"]);
    assert.equal(last.status, 0, last.stderr);
    assert.deepEqual(last.stdout.trim().split("\n"), expected);
    const lines = new Set(readFileSync(join(project.dir, "ledger-b.txt"), "utf8").trim().split("\n"));
    assert.deepEqual([...lines].sort(), ledger);
  });
});
