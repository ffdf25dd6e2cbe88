// Child processes: output as channels, input with back-pressure, exit as an
// operation and a clause, and a child still running when its owner ends is stopped and reaped.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { run, spawn, select, onTimeout, consumeEach, type Operation } from "../../src/index.js";
import { spawnProcess, type ChildProcess } from "../../src/io/index.js";
import { suspend } from "../../src/scheduling.js";
import { assertNothingLeftOpen, openNow } from "./helpers.js";

const node = process.execPath;

function* text(output: ChildProcess["stdout"]): Operation<string> {
  let all = "";
  yield* consumeEach(output, (chunk) => void (all += chunk.toString()));
  return all;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("child processes", () => {
  test("stdout and stderr as channels, then the exit code", async () => {
    const before = await openNow();
    const result = await run(function* () {
      const child = yield* spawnProcess(node, ["-e", "process.stdout.write('out'); process.stderr.write('err'); process.exitCode = 3"]);
      const [out, err] = [yield* spawn(() => text(child.stdout)), yield* spawn(() => text(child.stderr))];
      const status = yield* child.wait();
      return [yield* out, yield* err, status];
    });
    assert.deepEqual(result, ["out", "err", { code: 3, signal: null }]);
    await assertNothingLeftOpen(before);
  });

  test("stdin: what is written comes back through cat; end() closes it", async () => {
    const result = await run(function* () {
      const child = yield* spawnProcess("cat");
      const reading = yield* spawn(() => text(child.stdout));
      const block = "x".repeat(1000) + "\n";
      for (let i = 0; i < 1000; i++) yield* child.stdin!.write(block); // more than a pipe holds: back-pressure
      yield* child.stdin!.end();
      const out = yield* reading;
      return [out.length, (yield* child.wait()).code];
    });
    assert.deepEqual(result, [1000 * 1001, 0]);
  });

  test("exit as a clause: the child that exits first wins", async () => {
    const result = await run(function* () {
      const quick = yield* spawnProcess(node, ["-e", ""], { stdout: "ignore", stderr: "ignore" });
      const stuck = yield* spawnProcess(node, ["-e", "setInterval(() => {}, 1000)"], { stdout: "ignore", stderr: "ignore" });
      return yield* select(
        quick.onExit((status) => `quick exited with ${status.code}`),
        stuck.onExit(() => "stuck exited"),
      );
    });
    assert.equal(result, "quick exited with 0");
  });

  test("a child still running when its owner is cancelled is killed and reaped; nothing is left open", async () => {
    const before = await openNow();
    let pid = 0;
    const task = run(function* () {
      const child = yield* spawnProcess(node, ["-e", "console.log('ready'); setInterval(() => {}, 1000)"]);
      pid = child.pid;
      yield* child.stdout.receive(); // it is running
      yield* spawn(() => child.wait());
      yield* suspend();
    });
    await new Promise<void>((resolve) => {
      const check = () => (pid !== 0 && alive(pid) ? resolve() : setImmediate(check));
      check();
    });
    await task.cancel();
    assert.equal(alive(pid), false);
    await assertNothingLeftOpen(before);
  });

  test("a receiver that falls behind makes the child wait: nothing is lost", async () => {
    const count = await run(function* () {
      const child = yield* spawnProcess(node, ["-e", "for (let i = 0; i < 2000; i++) process.stdout.write('y'.repeat(1000))"], { capacity: 1 });
      let total = 0;
      yield* consumeEach(child.stdout, function* (chunk) {
        total += chunk.length;
        yield* select(onTimeout(0)); // slow
      });
      yield* child.wait();
      return total;
    });
    assert.equal(count, 2_000_000);
  });

  test("a command that cannot start fails with the OS's error; bad arguments are TypeErrors", async () => {
    await assert.rejects(Promise.resolve(run(() => spawnProcess("/nonexistent/strand-test-command"))), (error: NodeJS.ErrnoException) => error.code === "ENOENT");
    assert.throws(() => spawnProcess(""), /command must be a non-empty string/);
    assert.throws(() => spawnProcess("ls", "-l" as never), /args must be an array of strings/);
    assert.throws(() => spawnProcess("ls", [], { stdout: "file" as never }), /options\.stdout must be "pipe", "ignore" or "inherit"/);
  });
});
