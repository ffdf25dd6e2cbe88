/**
 * Compiled coroutines under Strand's run loop: tasks whose bodies are compiled
 * generators sleep, spawn, send and receive like any other, and cancellation
 * unwinds through a compiled helper whose `finally` suspends — the case plain
 * generators get wrong (the README's known limitation) — with the caller's
 * code after the `yield*` never running.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { compile } from "../../src/compiler/index.js";

const here = (path: string): string => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;
const strand = here("../../src/index.ts");
const testing = here("../../src/testing/index.ts");
const runtime = here("../../src/durable/index.ts");
const dir = mkdtempSync(join(tmpdir(), "strand-runloop-"));
let count = 0;

async function load(source: string, compiled: boolean): Promise<Record<string, unknown>> {
  const text = source.replaceAll("STRAND", strand).replaceAll("TESTING", testing);
  const file = join(dir, `m${count++}.mjs`);
  writeFileSync(file, compiled ? compile(text, { filename: file, root: dir, runtime, sourceMaps: false }).code : text);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

const program = `"use durable";
import { spawn, sleep, channel } from "STRAND";
import { runTest } from "TESTING";

function* helper(log) {
  try {
    log.push("helper waits");
    yield* sleep(1000);
    log.push("helper woke (must not happen)");
  } finally {
    log.push("helper cleanup starts");
    yield* sleep(10);
    log.push("helper cleanup ends");
  }
}

function* worker(log) {
  try {
    yield* helper(log);
    log.push("worker continued after helper (must not happen)");
    yield* sleep(5);
    log.push("worker slept again (must not happen)");
  } finally {
    log.push("worker finally");
  }
}

export async function cancelThroughSuspendingFinally() {
  const log = [];
  await runTest(function* () {
    const task = yield* spawn(() => worker(log));
    yield* sleep(100);
    yield* task.cancel();
    log.push("cancelled");
  });
  return log;
}

export async function pipeline() {
  return await runTest(function* () {
    const jobs = channel(2);
    yield* spawn(function* () {
      for (let i = 1; i <= 5; i++) yield* jobs.send(i * 10);
      jobs.close();
    });
    const seen = [];
    for (;;) {
      const result = jobs.tryReceive();
      if (result.ok) { seen.push(result.value); continue; }
      if (jobs.isClosedForReceive) break;
      yield* sleep(1);
    }
    let total = 0;
    const workers = [];
    for (const n of seen) workers.push(yield* spawn(function* () { yield* sleep(n); return n * 2; }));
    for (const w of workers) total += yield* w;
    return [seen, total];
  });
}
`;

describe("compiled coroutines under the run loop", () => {
  it("cancellation unwinds through a compiled helper whose finally suspends; the caller does not go on", async () => {
    const compiled = await load(program, true);
    const log = await (compiled.cancelThroughSuspendingFinally as () => Promise<string[]>)();
    assert.deepEqual(log, ["helper waits", "helper cleanup starts", "helper cleanup ends", "worker finally", "cancelled"]);
  });

  it("tasks, channels, joins and inline spawned closures work compiled as they do natively", async () => {
    const compiled = await load(program, true);
    const native = await load(program, false);
    const expected = await (native.pipeline as () => Promise<unknown>)();
    assert.deepEqual(expected, [[10, 20, 30, 40, 50], 300]);
    assert.deepEqual(await (compiled.pipeline as () => Promise<unknown>)(), expected);
  });

  it("plain generators get it wrong (the known limitation this removes)", async () => {
    const native = await load(program, false);
    const log = await (native.cancelThroughSuspendingFinally as () => Promise<string[]>)();
    assert.ok(log.includes("worker continued after helper (must not happen)"), log.join(" / "));
  });
});
