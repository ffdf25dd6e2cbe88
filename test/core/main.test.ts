// main(): run as a real program in a child Node process. Exit code 0 on
// success; 1 on failure, with the error and the failing task's path on stderr;
// SIGINT/SIGTERM cancel the tree (its finally blocks run) and exit with 128 + n.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a fixture under tsx; `onStdout` sees the output as it arrives. */
function start(name: string, onStdout?: (soFar: string, child: ChildProcess) => void): Promise<Outcome> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture(name)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    onStdout?.(stdout, child);
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Sends `signal` once the program has printed "ready" (waiting for an event, not a time). */
function signalWhenReady(signal: NodeJS.Signals) {
  let sent = false;
  return (soFar: string, child: ChildProcess) => {
    if (!sent && soFar.split("\n").includes("ready")) {
      sent = true;
      child.kill(signal);
    }
  };
}

// The programs run concurrently (each takes a while to start under tsx); each test awaits its own.
const programs = {
  ok: start("main-ok.ts"),
  fail: start("main-fail.ts"),
  sigterm: start("main-signal.ts", signalWhenReady("SIGTERM")),
  sigint: start("main-signal.ts", signalWhenReady("SIGINT")),
  stuck: start("main-stuck.ts", signalTwice()),
  drain: start("main-drain.ts", signalWhenReady("SIGTERM")),
  drainGrace: start("main-drain-grace.ts", signalWhenReady("SIGINT")),
};

/** SIGTERM once "ready" is printed, and again once the teardown has started. */
function signalTwice() {
  let signals = 0;
  return (soFar: string, child: ChildProcess) => {
    const lines = soFar.split("\n");
    if (signals === 0 && lines.includes("ready")) {
      signals++;
      child.kill("SIGTERM");
    } else if (signals === 1 && lines.includes("tearing down")) {
      signals++;
      child.kill("SIGTERM");
    }
  };
}

describe("main", { timeout: 60_000 }, () => {
  test("exits with 0 when the main task succeeds", async () => {
    const outcome = await programs.ok;
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.stdout, "work done\nafter main\n");
    assert.equal(outcome.stderr, "");
  });

  test("exits with 1 on failure, printing the error and the path of the task it came from", async () => {
    const outcome = await programs.fail;
    assert.equal(outcome.code, 1);
    assert.equal(outcome.signal, null);
    assert.equal(outcome.stdout, "main finally\n", "the tree was torn down");
    assert.match(outcome.stderr, /main#\d+ › service#\d+ › writer#\d+ failed/);
    assert.match(outcome.stderr, /Error: disk on fire/);
  });

  test("SIGTERM cancels the tree, runs its finally blocks child first, and exits with 143", async () => {
    const outcome = await programs.sigterm;
    assert.equal(outcome.signal, null, "the process exits on its own, not killed by the signal");
    assert.equal(outcome.code, 143, outcome.stderr);
    assert.equal(outcome.stdout, "ready\nchild finally\nmain finally\nmain returned, exit code 143\n");
    assert.equal(outcome.stderr, "");
  });

  test("SIGINT does the same and exits with 130", async () => {
    const outcome = await programs.sigint;
    assert.equal(outcome.code, 130, outcome.stderr);
    assert.equal(outcome.stdout, "ready\nchild finally\nmain finally\nmain returned, exit code 130\n");
  });

  test("a second signal during a long teardown prints the tasks still tearing down and exits at once with 128 + signal", async () => {
    const outcome = await programs.stuck;
    assert.equal(outcome.code, 143, outcome.stderr);
    assert.equal(outcome.stdout, "ready\ntearing down\n");
    assert.match(outcome.stderr, /^strand: a second SIGTERM: exiting now; still running or tearing down:\n  main#\d+ \(cancelling\)\n$/);
  });

  test("drain: the first signal completes shutdownRequested(); a program that then returns exits with 0", async () => {
    const outcome = await programs.drain;
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.stdout, "ready\nshutdown requested: finishing in-flight work\nworker stopped\ndrained\nmain returned, exit code 0\n");
    assert.equal(outcome.stderr, "");
  });

  test("drain: a program still running after the grace period is cancelled, exit 128 + signal", async () => {
    const outcome = await programs.drainGrace;
    assert.equal(outcome.code, 130, outcome.stderr);
    assert.equal(outcome.stdout, "ready\nshutdown requested\ncancelled after the grace period\nmain returned, exit code 130\n");
    assert.equal(outcome.stderr, "");
  });

  test("drain: bad options name the argument", async () => {
    const { main } = await import("../../src/index.js");
    const body = function* () {};
    await assert.rejects(main(body, { drain: 5 as never }), {
      name: "TypeError",
      message: "main(body, options): drain must be an object { grace: ms }, got 5",
    });
    await assert.rejects(main(body, { drain: { grace: -1 } }), {
      name: "RangeError",
      message: "main(body, options): drain.grace must be a number of milliseconds ≥ 0 and finite, got -1",
    });
  });
});
