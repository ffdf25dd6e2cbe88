// Deadlock reports, only when certain (issue 8): when no task can run, no
// timer is set and no outside work is pending but tasks are parked, nothing can
// ever wake them. Under runTest the test fails at once with a DeadlockError
// listing each blocked task and what it waits on (Go's "all goroutines are
// asleep - deadlock!"); under run() and main() it is raised when the host has
// nothing left to do (child processes below).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { channel, current, DeadlockError, run, sleep, spawn, suspend, yieldNow, type Task } from "../../src/index.js";
import { Mutex } from "../../src/sync/index.js";
import { runTest } from "../../src/testing/index.js";

async function deadlockOf(body: () => Generator<unknown, unknown, unknown>): Promise<DeadlockError> {
  try {
    await runTest(body as never);
  } catch (error) {
    assert.ok(error instanceof DeadlockError, `expected a DeadlockError, got ${String(error)}`);
    return error;
  }
  assert.fail("the run did not deadlock");
}

describe("DeadlockError under runTest", () => {
  test("a receive on a channel nobody else holds", async () => {
    const error = await deadlockOf(function* () {
      const jobs = channel<number>(0, { name: "jobs" });
      yield* jobs.receive();
    });
    assert.equal(error.blocked.length, 1);
    assert.match(error.blocked[0].path, /^test#\d+$/);
    assert.equal(error.blocked[0].waitsOn, 'receive on channel "jobs"');
    assert.match(error.message, /all tasks are asleep - deadlock!/);
    assert.match(error.message, /test#\d+: receive on channel/);
  });

  test("two siblings joining each other", async () => {
    const error = await deadlockOf(function* () {
      const tasks: Task<unknown>[] = [];
      tasks.push(yield* spawn(function* a() { yield* yieldNow(); yield* tasks[1]; }));
      tasks.push(yield* spawn(function* b() { yield* yieldNow(); yield* tasks[0]; }));
      yield* tasks[0];
    });
    const lines = error.blocked.map(({ path, waitsOn }) => `${path.replace(/#\d+/g, "")}: ${waitsOn.replace(/#\d+/g, "")}`);
    assert.deepEqual(lines, ["test: join of task a", "test › a: join of task b", "test › b: join of task a"]);
  });

  test("a child joining its parent", async () => {
    const error = await deadlockOf(function* () {
      const parent = yield* current();
      yield* spawn(function* child() {
        yield* parent;
      });
    });
    assert.ok(error.blocked.some(({ waitsOn }) => /^join of task test#/.test(waitsOn)), error.message);
  });

  test("a task awaiting its own cancel() from its own finally", async () => {
    const error = await deadlockOf(function* () {
      const worker = yield* spawn(function* worker() {
        const me = yield* current();
        try {
          yield* suspend();
        } finally {
          yield* me.cancel();
        }
      });
      yield* yieldNow();
      yield* worker.cancel();
    });
    assert.ok(error.blocked.some(({ path, waitsOn }) => /worker#\d+$/.test(path) && /^teardown of task worker#/.test(waitsOn)), error.message);
  });

  test("a lock nobody will release names the mutex", async () => {
    const error = await deadlockOf(function* () {
      const db = new Mutex({ name: "db" });
      yield* db.lock();
      yield* spawn(function* writer() {
        yield* db.lock();
      });
      yield* suspend();
    });
    assert.ok(error.blocked.some(({ waitsOn }) => waitsOn === 'lock of mutex "db"'), error.message);
  });

  test("the blocked tasks' finally blocks run: the error unwinds them", async () => {
    const log: string[] = [];
    await deadlockOf(function* () {
      const ch = channel<number>();
      try {
        yield* ch.receive();
      } finally {
        log.push("finally ran");
      }
    });
    assert.deepEqual(log, ["finally ran"]);
  });

  test("not a deadlock: tasks parked on timers are woken by the clock", () =>
    runTest(function* () {
      const ch = channel<number>();
      yield* spawn(function* () {
        yield* sleep(1_000);
        yield* ch.send(1);
      });
      assert.equal(yield* ch.receive(), 1);
    }));
});

/** Runs a fixture under tsx and returns its exit code and output. */
function runFixture(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const child = spawnProcess(process.execPath, ["--import", "tsx", file], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("DeadlockError when the host has nothing left to do", () => {
  test("run(): a receive nobody can answer fails the run with DeadlockError instead of exit code 13", async () => {
    const { code, stdout, stderr } = await runFixture("deadlock-run.ts");
    assert.equal(code, 0, stderr);
    assert.match(stdout, /caught DeadlockError/);
    assert.match(stdout, /receive on channel/);
    assert.match(stdout, /finally ran/);
  });

  test("main(): prints the DeadlockError and exits 1", async () => {
    const { code, stderr } = await runFixture("deadlock-main.ts");
    assert.equal(code, 1);
    assert.match(stderr, /DeadlockError/);
    assert.match(stderr, /main#\d+ › waiter#\d+: join of task main#\d+/);
  });
});

describe("not a deadlock: another runtime of the thread may still wake the test", () => {
  test("a receive fed by a root on another runtime (real clock) waits for it", () =>
    runTest(function* () {
      const ch = channel<number>();
      run(function* () {
        yield* sleep(10); // real milliseconds: this root has its own runtime and clock
        yield* ch.send(1);
      });
      assert.equal(yield* ch.receive(), 1);
    }));

  test("a join of a root on another runtime waits for it", () =>
    runTest(function* () {
      const other = run(function* () {
        yield* sleep(10);
        return "done elsewhere";
      });
      assert.equal(yield* other, "done elsewhere");
    }));

  test("once the other runtime has ended without waking it, the test is deadlocked after all", async () => {
    const error = await deadlockOf(function* () {
      const ch = channel<number>();
      run(function* () {
        yield* sleep(5); // ends without sending
      });
      yield* ch.receive();
    });
    assert.equal(error.blocked.length, 1);
  });
});
