// Task dumps (issue 12): every live task tree with each task's state, activity,
// time in it (with track()), what it waits on, priority, and its coroutine stack
// — task bodies, fn calls, compiled durable coroutines — never the run loop's
// own frames. Text from dump(), data from dumpJSON().
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { channel, current, fn, sleep, spawn, suspend, yieldNow, type Operation, type Task } from "../../src/index.js";
import { Mutex } from "../../src/sync/index.js";
import { dump, dumpJSON, renderDump, setDebug, track, type TaskDump } from "../../src/observe/index.js";
import { runTest } from "../../src/testing/index.js";
import { compile } from "../../src/compiler/index.js";

function* helper(): Operation<void> {
  yield* sleep(1_000);
}
const inner = fn(function* inner(): Operation<void> {
  yield* helper(); // a plain yield* chain: part of inner's frame
});
const outer = fn(function* outer(): Operation<void> {
  yield* inner();
});

/** `runTest(body)` with `track()` on for its length. */
async function runTracked<T>(...args: Parameters<typeof runTest<T>>): Promise<T> {
  const stop = track();
  try {
    return await runTest(...args);
  } finally {
    stop();
  }
}

/** The text with task ids replaced by #N, so expectations do not depend on how many tasks earlier tests made. */
const anonymous = (text: string) => text.replace(/#\d+/g, "#N");

function find(task: TaskDump, name: string): TaskDump {
  const pending = [task];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.name === name) return next;
    pending.push(...next.children);
  }
  assert.fail(`no task ${name} in the dump`);
}

describe("dump()", () => {
  test("the tree as text: state, activity, time in it, what it waits on, priority, and each task's coroutine stack", async () => {
    await runTracked(
      function* () {
        const jobs = channel<number>(0, { name: "jobs" });
        const lock = new Mutex({ name: "db" });
        yield* lock.lock();
        yield* spawn(function* worker() { yield* outer(); }, { priority: 2 });
        yield* spawn(function* consumer() { yield* jobs.receive(); });
        yield* spawn(function* writer() { yield* lock.lock(); });
        yield* sleep(250);
        const text = dump({ root: yield* current() });
        assert.equal(
          anonymous(text),
          [
            "runtime of dumps#N at t=250ms: 0 ready, 3 parked, 1 timer, 0 outside",
            "  dumps#N executing for 0ms (priority 0)",
            "      at dumps",
            "    worker#N parked for 250ms on sleep until t=1000 (priority 2)",
            "        at inner",
            "        at outer",
            "        at worker",
            '    consumer#N parked for 250ms on receive on channel "jobs" (priority 0)',
            "        at consumer",
            "    writer#N parked for 250ms on lock of mutex \"db\" (priority 0)",
            "        at writer",
            "",
          ].join("\n"),
        );
        lock.unlock();
        jobs.close();
      },
      { name: "dumps" },
    ).catch((error) => {
      if (!(error instanceof Error) || !/closed/.test(error.message)) throw error;
    });
  });

  test("with track(), a task woken by the step under way is ready since its wake, not since it parked", async () => {
    // Tracking does not stamp a wake inside a drain as it happens (it stays off the
    // hand-off's path): a dump taken inside the drain stamps the tasks still queued.
    await runTracked(function* () {
      const jobs = channel<number>(0, { name: "jobs" });
      const consumer = yield* spawn(function* consumer() { yield* jobs.receive(); });
      yield* sleep(400);
      assert.equal(jobs.trySend(1).ok, true, "handed to the parked consumer, which is now queued");
      const woken = find(dumpJSON({ root: yield* current() }).runtimes[0].root, "consumer");
      assert.deepEqual({ activity: woken.activity, forMs: woken.forMs }, { activity: "ready", forMs: 0 });
      yield* consumer;
    });
  });

  test("with track(), a task still queued when the run loop hands back to the host is stamped then", async () => {
    // The run loop returns to the host once a drain has done 256 units of work and
    // used its 8 ms slice; a task it woke and had no turn for is stamped as it goes.
    await runTracked(function* () {
      const jobs = channel<number>(0, { name: "jobs" });
      const consumer = yield* spawn(function* consumer() { yield* jobs.receive(); });
      let seen: TaskDump | undefined;
      yield* spawn(
        function* busy() {
          const filler = channel<number>(1_000);
          yield* sleep(400);
          assert.equal(jobs.trySend(1).ok, true); // the consumer is queued, below this task's priority
          // Queued before the drain hands back, so it runs before the next drain.
          setImmediate(() => (seen = find(dumpJSON({ root: consumer }).runtimes[0].root, "consumer")));
          for (let round = 0; round < 3; round++) {
            // 128 immediate sends use a step's whole budget (129 units of work): the
            // task is requeued, and two such steps make the drain look at its slice,
            // used up by the spin (the slice is real time, 8 ms, under any clock).
            for (let i = 0; i < 128; i++) yield* filler.send(i);
            const start = performance.now();
            while (performance.now() - start < 10);
            for (let i = 0; i < 128; i++) filler.tryReceive();
          }
        },
        { priority: 2 },
      );
      yield* consumer;
      assert.deepEqual({ activity: seen?.activity, forMs: seen?.forMs }, { activity: "ready", forMs: 0 });
    });
  });

  test("without track() the time in an activity is unknown and not shown", () =>
    runTest(function* () {
      const task = yield* spawn(function* sleeper() { yield* sleep(10); });
      yield* yieldNow();
      const [runtime] = dumpJSON({ root: task }).runtimes;
      assert.equal(runtime.root.forMs, null);
      assert.match(dump({ root: task }), /^ {2}sleeper#\d+ parked on sleep until t=10 \(priority 0\)$/m);
    }));

  test("dumpJSON() is plain data: JSON round-trips it, and renderDump() of the parsed copy is dump()", () =>
    runTest(function* () {
      const me = yield* current();
      const child = yield* spawn(function* waiter() { yield* suspend(); });
      yield* yieldNow();
      const data = dumpJSON({ root: me });
      const copy = JSON.parse(JSON.stringify(data)) as typeof data;
      assert.deepEqual(copy, data);
      assert.equal(renderDump(copy), dump({ root: me }));
      const waiter = find(data.runtimes[0].root, "waiter");
      assert.deepEqual(
        { ...waiter, id: 0, path: waiter.path.replace(/#\d+/g, "#N") },
        {
          id: 0,
          name: "waiter",
          path: "test#N › waiter#N",
          state: "running",
          activity: "parked",
          priority: 0,
          forMs: null,
          waitsOn: "suspend() (until cancelled)",
          spawnedAt: null,
          stack: [{ function: "waiter", location: null, durableId: null }],
          children: [],
        },
      );
      assert.equal(data.runtimes[0].parked, 1);
      yield* child.cancel();
    }));

  test("every live runtime of the thread is in a dump without a root", async () => {
    const other = runTest(function* other() {
      yield* sleep(5);
    }, { name: "elsewhere" });
    await runTest(function* () {
      const text = dump();
      assert.match(text, /^runtime of elsewhere#\d+ at t=0ms/m);
      assert.match(text, /^runtime of test#\d+ at t=0ms/m);
    });
    await other;
  });

  test("a task not started yet is ready; one whose body returned waits for its children (closing)", () =>
    runTest(function* () {
      const parent = yield* spawn(function* parent() {
        yield* spawn(function* child() { yield* sleep(5); });
      });
      const fresh = dumpJSON({ root: parent }).runtimes[0].root;
      assert.equal(fresh.activity, "ready");
      assert.deepEqual(fresh.stack, [], "no frames before its first step");
      yield* sleep(1);
      const closing = dumpJSON({ root: parent }).runtimes[0].root;
      assert.equal(closing.state, "completing");
      assert.equal(closing.activity, "closing");
      assert.equal(closing.children[0].name, "child");
      yield* parent;
      assert.deepEqual(dumpJSON({ root: parent }).runtimes, [], "an ended task has nothing to dump");
    }));

  test("debug mode adds file:line:column: where each frame is (the call above it) and where the task was spawned", () =>
    runTest(function* () {
      setDebug(true);
      let task: Task<void>;
      try {
        task = yield* spawn(function* worker() { yield* outer(); });
        yield* yieldNow();
      } finally {
        setDebug(false);
      }
      const [dumped] = dumpJSON({ root: task }).runtimes;
      const site = /dump\.test\.ts:\d+:\d+$/;
      assert.match(dumped.root.spawnedAt ?? "", site);
      const [top, middle, bottom] = dumped.root.stack;
      assert.equal(top.function, "inner");
      assert.equal(top.location, null, "where the top frame is parked is not known (its caller's line is)");
      assert.equal(middle.function, "outer");
      assert.match(middle.location ?? "", site, "outer is at its call of inner()");
      assert.equal(bottom.function, "worker");
      assert.match(bottom.location ?? "", site, "worker is at its call of outer()");
      yield* task.cancel();
    }));

  test("maxDepth leaves deeper tasks out and says how many", () =>
    runTest(function* () {
      const top = yield* spawn(function* a() {
        yield* spawn(function* b() {
          yield* spawn(function* c() { yield* suspend(); });
          yield* suspend();
        });
        yield* suspend();
      });
      yield* sleep(1);
      const text = dump({ root: top, maxDepth: 0 });
      assert.match(text, /^ {2}a#\d+ parked/m);
      assert.match(text, /^ {4}… 2 tasks below$/m);
      assert.doesNotMatch(text, /b#/);
      yield* top.cancel();
    }));

  test("bad options are TypeErrors naming the argument", () => {
    assert.throws(() => dump(3 as never), { name: "TypeError", message: /dump\(options\): options must be an object/ });
    assert.throws(() => dump({ maxDepth: -1 }), { name: "TypeError", message: /dump\(options\): maxDepth must be a non-negative integer/ });
    assert.throws(() => dumpJSON({ root: {} as never }), { name: "TypeError", message: /dumpJSON\(options\): root must be a task/ });
    assert.throws(() => setDebug("yes" as never), { name: "TypeError", message: /setDebug\(on\): on must be a boolean/ });
  });
});

describe("compiled durable coroutines in dumps", () => {
  const here = (path: string): string => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;
  const dir = mkdtempSync(join(tmpdir(), "strand-dump-"));

  test("a compiled coroutine's frames (yield* between compiled coroutines) are listed one by one, with their durable ids", async () => {
    const source = `"use durable";
import { sleep, spawn, yieldNow } from "${here("../../src/index.ts")}";
export function* leaf() { yield* sleep(1000); }
export function* middle() { yield* leaf(); }
export function* top() { yield* middle(); }
`;
    const file = join(dir, "stack.mjs");
    writeFileSync(file, compile(source, { filename: file, root: dir, runtime: here("../../src/durable/index.ts"), sourceMaps: false }).code);
    const compiled = (await import(pathToFileURL(file).href)) as { top: () => Operation<void> };
    await runTest(function* () {
      const task = yield* spawn(compiled.top, { name: "durable" });
      yield* yieldNow();
      const [runtime] = dumpJSON({ root: task }).runtimes;
      // Each frame where it waits: the yield of its resume point, in the original source (line and column 1-based).
      assert.deepEqual(runtime.root.stack, [
        { function: "leaf", location: "stack.mjs:3:27", durableId: "stack.mjs#leaf" },
        { function: "middle", location: "stack.mjs:4:29", durableId: "stack.mjs#middle" },
        { function: "top", location: "stack.mjs:5:26", durableId: "stack.mjs#top" },
      ]);
      assert.match(dump({ root: task }), /^ {6}at leaf \(stack\.mjs:3:27\)\n {6}at middle \(stack\.mjs:4:29\)\n {6}at top \(stack\.mjs:5:26\)$/m);
      yield* task.cancel();
    });
  });
});
