// Errors carry the logical stack (issue 12): an error thrown in a task, when
// its task fails with it (reported by main, or thrown at whoever joins), shows
// where in the user's coroutines it happened — the native lines of the frame
// that threw, then the frames below it (fn calls, compiled durable coroutines,
// the task body) — and the path of the task. Captured on the failure path only.
// Also installDumpSignal(): SIGUSR2 writes a dump to stderr, in a real process.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { fn, scoped, sleep, spawn, type Operation } from "../../src/index.js";
import { installDumpSignal } from "../../src/node/index.js";
import { runTest } from "../../src/testing/index.js";
import { compile } from "../../src/compiler/index.js";

function* parse(text: string): Operation<number> {
  yield* sleep(1);
  throw new SyntaxError(`not a number: ${text}`);
}
const load = fn(function* load(text: string): Operation<number> {
  return yield* parse(text); // a plain yield* chain: in load's frame
});
const handle = fn(function* handle(text: string): Operation<number> {
  return yield* load(text);
});

/** The coroutine-stack section of an error's stack: its header and `at` lines. */
function coroutineStack(error: unknown): string[] {
  const stack = String((error as Error).stack);
  const start = stack.indexOf("  coroutine stack ‹ ");
  assert.ok(start >= 0, `no coroutine stack in:\n${stack}`);
  return stack.slice(start).split("\n").map((line) => line.trim().replace(/#\d+/g, "#N").replace(/\(.*[/\\]/, "("));
}

describe("an error's coroutine stack", () => {
  test("through a join: `yield* task` throws it with the stack of the task it was thrown in", () =>
    runTest(function* () {
      try {
        // scoped: the failure goes to the join, not to the test's task
        yield* scoped(function* () {
          const worker = yield* spawn(function* worker() { return yield* handle("x1"); });
          yield* worker;
        });
        assert.fail("the join must throw");
      } catch (error) {
        assert.ok(error instanceof SyntaxError);
        const lines = coroutineStack(error);
        assert.deepEqual(lines.slice(0, 1), ["coroutine stack ‹ task test#N › scoped#N › worker#N:"]);
        assert.match(lines[1], /^at parse \(coroutine-stacks\.test\.ts:\d+:\d+\)$/, "the line it was thrown on");
        assert.match(lines[2], /^at load \(coroutine-stacks\.test\.ts:\d+:\d+\)$/, "the plain yield* chain above it, natively");
        assert.deepEqual(lines.slice(3), ["at handle", "at worker"], "then the run loop's frames below (no sites without debug mode)");
      }
    }));

  test("the stack is added once, by the task the error was first thrown in, however many tasks it fails on its way up", async () => {
    let caught: unknown;
    try {
      await runTest(function* () {
        yield* spawn(function* outer() {
          yield* spawn(function* worker() { yield* handle("x2"); });
        });
      });
    } catch (error) {
      caught = error;
    }
    const stack = String((caught as Error).stack);
    assert.equal(stack.split("coroutine stack").length, 2, stack);
    assert.match(stack, /coroutine stack ‹ task test#\d+ › outer#\d+ › worker#\d+:/);
  });

  test("an error a task catches is left as it is", () =>
    runTest(function* () {
      try {
        yield* handle("x3");
      } catch (error) {
        assert.doesNotMatch(String((error as Error).stack), /coroutine stack/);
      }
    }));

  test("compiled durable coroutines: the frames of their own stack, with their durable ids", async () => {
    const here = (path: string): string => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;
    const dir = mkdtempSync(join(tmpdir(), "strand-stacks-"));
    const source = `"use durable";
import { sleep } from "${here("../../src/index.ts")}";
export function* check(value) { yield* sleep(1); if (value < 0) throw new RangeError("negative"); return value; }
export function* step(value) { return yield* check(value); }
export function* job(value) { return yield* step(value); }
`;
    const file = join(dir, "job.mjs");
    writeFileSync(file, compile(source, { filename: file, root: dir, runtime: here("../../src/durable/index.ts"), sourceMaps: false }).code);
    const compiled = (await import(pathToFileURL(file).href)) as { job: (value: number) => Operation<number> };
    await runTest(function* () {
      try {
        yield* scoped(function* () {
          const task = yield* spawn(() => compiled.job(-1), { name: "durable" });
          yield* task;
        });
        assert.fail("the join must throw");
      } catch (error) {
        assert.ok(error instanceof RangeError);
        const lines = coroutineStack(error);
        assert.equal(lines[0], "coroutine stack ‹ task test#N › scoped#N › durable#N:");
        assert.match(lines[1], /job\.mjs:\d+:\d+\)$/, "the compiled body's line it was thrown on");
        assert.deepEqual(lines.slice(2), ["at step (job.mjs:4:39)", "at job (job.mjs:5:38)"], "the frames below, each at the yield* it waits at; the task's body is the compiled job");
      }
    });
  });
});

/** Runs a fixture under tsx; `onStdout` sees the output as it arrives. */
function start(name: string, onStdout?: (soFar: string, child: ReturnType<typeof spawnProcess>) => void) {
  const fixture = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const child = spawnProcess(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    onStdout?.(stdout, child);
  });
  const stderrSeen: ((text: string) => void)[] = [];
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const seen of stderrSeen) seen(stderr);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, onStderr: (seen: (text: string) => void) => stderrSeen.push(seen) };
}

describe("in a real process", () => {
  test("main reports a failure with its coroutine stack: the fn calls it went through and the tasks", async () => {
    const { done } = start("main-fail-stack.ts");
    const outcome = await done;
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /main#\d+ › crawler#\d+ › worker#\d+ failed/);
    assert.match(outcome.stderr, /Error: cannot fetch a/);
    assert.match(
      outcome.stderr,
      /coroutine stack ‹ task main#\d+ › crawler#\d+ › worker#\d+:\n\s+at fetchPage \(.*main-fail-stack\.ts:7:9\)\n\s+at crawl\n\s+at worker\n/,
    );
  });

  test("installDumpSignal(): SIGUSR2 writes the task dump to stderr, and the program goes on", async () => {
    const program = start("dump-signal.ts", (soFar, child) => {
      if (soFar === "ready\n") child.kill("SIGUSR2");
    });
    let terminated = false;
    program.onStderr((soFar) => {
      if (!terminated && soFar.includes("at consumer")) {
        terminated = true;
        program.child.kill("SIGTERM");
      }
    });
    const outcome = await program.done;
    assert.equal(outcome.code, 143, outcome.stderr);
    assert.match(outcome.stderr, /^strand: task dump on SIGUSR2 \(pid \d+\)\nruntime of main#\d+ at t=/);
    assert.match(outcome.stderr, /^ {4}consumer#\d+ parked for [\d.]+ms on receive on channel "jobs" \(priority 0\)\n {8}at consumer$/m);
  });

  test("installDumpSignal() refuses the signals that cancel main, and uninstalls", () => {
    assert.throws(() => installDumpSignal({ signal: "SIGTERM" }), { name: "TypeError", message: /installDumpSignal\(options\): SIGTERM cannot ask for a dump/ });
    assert.throws(() => installDumpSignal({ signal: "usr2" as never }), { name: "TypeError", message: /signal must be a signal name/ });
    const before = process.listenerCount("SIGUSR2");
    const uninstall = installDumpSignal();
    assert.equal(process.listenerCount("SIGUSR2"), before + 1);
    uninstall();
    uninstall();
    assert.equal(process.listenerCount("SIGUSR2"), before);
  });
});
