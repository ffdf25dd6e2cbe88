/**
 * Task-tree snapshots: `snapshot(task)` saves a parked subtree of compiled
 * coroutines with the channels and timers it uses, and `restore(bytes)` makes
 * it again under another task (here: in a second run, with a fresh runtime and
 * clock, as another process would). Nothing sent is lost or received twice;
 * timers fire when they were due in wall time; what cannot be saved fails with
 * a `SnapshotError` naming the way to it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { compile } from "../../src/compiler/index.js";
import { spawn, sleep, channel, current, now, yieldNow, type Task } from "../../src/index.js";
import { Mutex, Semaphore, Event, Latch, WaitGroup } from "../../src/sync/index.js";
import { runTest } from "../../src/testing/index.js";
import { snapshot, restore, SnapshotError, encode } from "../../src/durable/index.js";

const here = (path: string): string => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;
const strand = here("../../src/index.ts");
const runtime = here("../../src/durable/index.ts");
const dir = mkdtempSync(join(tmpdir(), "strand-tasks-"));
let count = 0;

const testingUrl = here("../../src/testing/index.ts");

async function load(source: string, name = `m${count++}`): Promise<Record<string, any>> {
  const text = source.replaceAll("STRAND", strand).replaceAll("TESTING", testingUrl).replaceAll("DURABLE", runtime);
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, compile(text, { filename: file, root: dir, runtime, sourceMaps: false }).code);
  return (await import(`${pathToFileURL(file).href}?v=${count++}`)) as Record<string, any>;
}

const pipeline = await load(
  `"use durable";
import { spawn, sleep, channel, call, selectBiased, onTimeout, timeout } from "STRAND";

export function* producer(out, from, to, pause) {
  for (let i = from; i < to; i++) {
    yield* out.send(i);
    if (pause > 0) yield* sleep(pause);
  }
  out.close();
}

export function* consumer(input, pause) {
  const got = [];
  for (;;) {
    const next = yield* input.receiveCatching();
    if (!next.ok) return got;
    got.push(next.value);
    if (pause > 0) yield* sleep(pause);
  }
}

export function* pipeline(n, capacity, producerPause, consumerPause) {
  const ch = channel(capacity);
  yield* spawn(() => producer(ch, 0, n, producerPause), { name: "producer" });
  const reader = yield* spawn(() => consumer(ch, consumerPause), { name: "consumer" });
  return yield* reader;
}

export function* sleeper(ms) {
  yield* sleep(ms);
  return "woke";
}

export function* parent() {
  const child = yield* spawn(() => sleeper(100), { name: "child" });
  const result = yield* child;
  return result + " and joined";
}

export function* holdsEnded(task) {
  yield* sleep(10);
  return yield* task;
}

export function* receiver(ch) {
  const value = yield* ch.receive();
  return value;
}

export function* ordered(n) {
  const ch = channel(0);
  for (let i = 0; i < n; i++) yield* spawn(() => sendOne(ch, i), { name: "sender" + i });
  yield* sleep(10);
  const got = [];
  for (let i = 0; i < n; i++) got.push(yield* ch.receive());
  return got;
}

export function* locked(m, log, id, ms) {
  yield* m.lock();
  try {
    log.push(id + " in");
    yield* sleep(ms);
    log.push(id + " out");
  } finally {
    m.unlock();
  }
}

export function* mutexes(Mutex) {
  const m = new Mutex({ name: "db" });
  const log = [];
  const tasks = [];
  for (let i = 0; i < 4; i++) tasks.push(yield* spawn(() => locked(m, log, "w" + i, 3 + i), { name: "w" + i }));
  for (const task of tasks) yield* task;
  return log.concat(m.locked ? ["still locked"] : []);
}

export function* permits(Semaphore) {
  const s = new Semaphore(2);
  const log = [];
  const tasks = [];
  for (let i = 0; i < 5; i++) {
    tasks.push(yield* spawn(function* () {
      yield* s.acquire(i === 2 ? 2 : 1);
      try {
        log.push("p" + i + " in");
        yield* sleep(4 + i);
        log.push("p" + i + " out");
      } finally {
        s.release(i === 2 ? 2 : 1);
      }
    }, { name: "p" + i }));
  }
  for (const task of tasks) yield* task;
  return log.concat([s.available]);
}

export function* gates(Event, Latch, WaitGroup) {
  const start = new Event({ name: "start" });
  const ready = new Latch(3);
  const group = new WaitGroup();
  const log = [];
  for (let i = 0; i < 3; i++) {
    group.add(1);
    yield* spawn(function* () {
      try {
        yield* sleep(2 * i + 1);
        ready.countDown();
        yield* start.wait();
        log.push("g" + i + " started");
        yield* sleep(3 - i);
        log.push("g" + i + " done");
      } finally {
        group.done();
      }
    }, { name: "g" + i });
  }
  yield* ready.wait();
  log.push("all ready");
  yield* sleep(4);
  start.set();
  yield* group.wait();
  log.push("all done");
  return log;
}

export function* merging() {
  const a = channel(0);
  const b = channel(1);
  yield* spawn(function* () {
    for (let i = 0; i < 5; i++) {
      yield* sleep(3);
      yield* a.send("a" + i);
    }
    a.close();
  }, { name: "a" });
  yield* spawn(function* () {
    for (let i = 0; i < 4; i++) {
      yield* sleep(4);
      yield* b.send("b" + i);
    }
    b.close();
  }, { name: "b" });
  const log = [];
  let aOpen = true;
  let bOpen = true;
  while (aOpen || bOpen) {
    const clauses = [];
    if (aOpen) clauses.push(a.onReceiveCatching((r) => (r.ok ? r.value : ((aOpen = false), "a closed"))));
    if (bOpen) clauses.push(b.onReceiveCatching((r) => (r.ok ? r.value : ((bOpen = false), "b closed"))));
    clauses.push(onTimeout(2, () => "idle"));
    log.push(yield* selectBiased(...clauses));
  }
  return log;
}

export function* dispatching() {
  const jobs = channel(0);
  const results = [];
  const worker = yield* spawn(function* () {
    for (;;) {
      const job = yield* jobs.receiveCatching();
      if (!job.ok) return "worker done";
      results.push(job.value * 10);
      yield* sleep(5);
    }
  }, { name: "worker" });
  let i = 0;
  while (i < 6) {
    const sent = yield* selectBiased(jobs.onSend(i, () => true), onTimeout(3, () => false));
    if (sent) i++;
    else results.push("waited");
  }
  jobs.close();
  results.push(yield* selectBiased(worker.onJoin((r) => r), onTimeout(100, () => "late")));
  return results;
}

export function* lockOrTimeout(m) {
  return yield* selectBiased(m.onLock(() => "locked"), onTimeout(1000, () => "timed out"));
}

export function* lockWaiter(m) {
  yield* m.lock();
  m.unlock();
}

export function* deadlines() {
  const log = [];
  log.push(yield* timeout(10, function* () {
    yield* sleep(20);
    return "slow";
  }, { orElse: () => "too slow" }));
  log.push(yield* timeout(10, function* () {
    yield* sleep(5);
    return "fast";
  }));
  try {
    yield* timeout(3, function* () {
      try {
        yield* sleep(10);
      } finally {
        log.push("cleanup");
      }
    });
  } catch (error) {
    log.push(error.name);
  }
  log.push(yield* timeout(Infinity, function* () {
    yield* sleep(4);
    return "joined";
  }));
  return log;
}

export function* calling() {
  yield* call(() => new Promise(() => {}));
}

function* sendOne(ch, i) {
  yield* ch.send(i);
}

export function* holding(conn) {
  yield* sleep(1000);
  return conn;
}

export function* idle() {
  yield* sleep(Infinity);
}
`,
  "pipeline",
);

/** Runs `body` in a fresh run (a fresh runtime and clock, as in another process). */
function fresh<T>(body: () => Generator<any, T, any>): Promise<T> {
  return runTest(body);
}

describe("snapshot(task) and restore(bytes)", () => {
  it("a producer and a consumer on a buffered channel, saved mid-stream and resumed in a new run: nothing lost or duplicated", async () => {
    for (const [capacity, producerPause, consumerPause] of [
      [4, 0, 3],
      [4, 3, 0],
      [0, 1, 2],
      [1, 0, 1],
    ] as const) {
      let bytes!: Uint8Array;
      await fresh(function* () {
        const task = yield* spawn(() => pipeline.pipeline(50, capacity, producerPause, consumerPause), { name: "pipeline" });
        yield* sleep(40);
        bytes = yield* snapshot(task);
        yield* task.cancel();
      });
      const got = await fresh(function* () {
        const task = (yield* restore(bytes)) as Task<number[]>;
        return yield* task;
      });
      assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i), `capacity ${capacity}, pauses ${producerPause}/${consumerPause}`);
    }
  });

  it("the original goes on unchanged after a snapshot (it is a copy)", async () => {
    const [first, second] = await fresh(function* () {
      const task = (yield* spawn(() => pipeline.pipeline(30, 2, 1, 1), { name: "pipeline" })) as Task<number[]>;
      yield* sleep(10);
      const bytes = yield* snapshot(task);
      const copy = (yield* restore(bytes)) as Task<number[]>;
      return [yield* task, yield* copy];
    });
    const all = Array.from({ length: 30 }, (_, i) => i);
    assert.deepEqual(first, all);
    assert.deepEqual(second, all);
  });

  it("restores the tree under the restoring task, with its names and shape", async () => {
    let bytes!: Uint8Array;
    await fresh(function* () {
      const task = yield* spawn(() => pipeline.pipeline(10, 1, 5, 5), { name: "pipeline" });
      yield* sleep(7);
      bytes = yield* snapshot(task);
      yield* task.cancel();
    });
    await fresh(function* () {
      const me = (yield* spawn(function* () {
        const task = yield* restore(bytes);
        assert.equal(task.name, "pipeline");
        assert.deepEqual(
          task.children.map((child) => child.name),
          ["producer", "consumer"],
        );
        assert.equal(task.parent!.name, "restorer");
        return yield* task;
      }, { name: "restorer" })) as Task<unknown>;
      assert.deepEqual(yield* me, Array.from({ length: 10 }, (_, i) => i));
    });
  });

  it("a joined child: the parent waits for the revived child and gets its result", async () => {
    let bytes!: Uint8Array;
    await fresh(function* () {
      const task = yield* spawn(() => pipeline.parent(), { name: "parent" });
      yield* sleep(40);
      bytes = yield* snapshot(task);
      yield* task.cancel();
    });
    const result = await fresh(function* () {
      const task = yield* restore(bytes);
      return yield* task;
    });
    assert.equal(result, "woke and joined");
  });

  it("timers keep wall time: what was left, less the time since the snapshot", async () => {
    let bytes!: Uint8Array;
    await fresh(function* () {
      const task = yield* spawn(() => pipeline.sleeper(1000), { name: "sleeper" });
      yield* sleep(100); // saved at t=100 with 900 ms left: due at t=1000
      bytes = yield* snapshot(task);
      yield* task.cancel();
    });
    const wokeAt = await fresh(function* () {
      yield* sleep(600); // this clock's wall time is 600: 500 ms have passed since the snapshot
      const task = yield* restore(bytes);
      yield* task;
      return yield* now();
    });
    assert.equal(wokeAt, 1000);
  });

  it("a deadline that passed while the snapshot was stored fires at once", async () => {
    let bytes!: Uint8Array;
    await fresh(function* () {
      const task = yield* spawn(() => pipeline.sleeper(50), { name: "sleeper" });
      yield* sleep(1);
      bytes = yield* snapshot(task);
      yield* task.cancel();
    });
    const wokeAt = await fresh(function* () {
      yield* sleep(500);
      const task = yield* restore(bytes);
      yield* task;
      return yield* now();
    });
    assert.equal(wokeAt, 500);
  });

  it("waiters keep their order in a channel's queue", async () => {
    let bytes!: Uint8Array;
    await fresh(function* () {
      const task = yield* spawn(() => pipeline.ordered(6), { name: "ordered" });
      yield* sleep(1); // six senders parked on a rendezvous channel, in order
      bytes = yield* snapshot(task);
      yield* task.cancel();
    });
    const got = await fresh(function* () {
      return yield* yield* restore(bytes);
    });
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  });

  it("a task woken and not yet run keeps what it was handed", async () => {
    let bytes!: Uint8Array;
    await fresh(function* () {
      const ch = channel<string>(0);
      const task = yield* spawn(() => pipeline.receiver(ch), { name: "receiver" });
      yield* sleep(1);
      assert.deepEqual(ch.trySend("handed"), { ok: true }); // the receiver is woken, not run yet
      bytes = yield* snapshot(task);
      assert.equal(yield* task, "handed"); // and the original gets it too: the snapshot is a copy
    });
    const got = await fresh(function* () {
      const task = yield* restore(bytes);
      return yield* task;
    });
    assert.equal(got, "handed");
  });

  it("a module's top-level code can snapshot a tree holding its closures (they are registered before it runs)", async () => {
    const module = await load(`"use durable";
import { spawn, sleep, timeout } from "STRAND";
import { runTest } from "TESTING";
import { snapshot, restore } from "DURABLE";
function* job(n) {
  return yield* timeout(100, function* () {
    yield* sleep(10);
    return n * 2;
  });
}
const bytes = await runTest(function* () {
  const task = yield* spawn(() => job(21), { name: "job" });
  yield* sleep(1);
  const saved = yield* snapshot(task);
  yield* task.cancel();
  return saved;
});
export const result = await runTest(function* () {
  return yield* yield* restore(bytes);
});
`);
    assert.equal(module.result, 42);
  });

  it("a handle of a task that had ended revives with its outcome", async () => {
    let bytes!: Uint8Array;
    await fresh(function* () {
      const done = yield* spawn(function* () {
        return 42;
      });
      yield* done;
      const task = yield* spawn(() => pipeline.holdsEnded(done), { name: "holder" });
      yield* sleep(1);
      bytes = yield* snapshot(task);
      yield* task.cancel();
    });
    assert.equal(
      await fresh(function* () {
        return yield* yield* restore(bytes);
      }),
      42,
    );
  });
});

describe("snapshots at every moment change nothing: the restored tree ends as the original does", () => {
  const scenarios: Array<[string, () => Iterable<unknown>, number]> = [
    ["a pipeline over a buffered channel", () => pipeline.pipeline(12, 3, 2, 3), 45],
    ["a pipeline over a rendezvous channel", () => pipeline.pipeline(8, 0, 1, 2), 25],
    ["a mutex with tasks queued for it", () => pipeline.mutexes(Mutex), 25],
    ["a semaphore with permits taken and waited for", () => pipeline.permits(Semaphore), 30],
    ["an event, a latch and a wait group", () => pipeline.gates(Event, Latch, WaitGroup), 20],
    ["selects over two channels and a timeout", () => pipeline.merging(), 25],
    ["selects that send, time out and join", () => pipeline.dispatching(), 40],
    ["timeouts: a fallback, in time, expired, and Infinity", () => pipeline.deadlines(), 25],
  ];
  for (const [name, body, end] of scenarios) {
    it(name, async () => {
      const expected = await fresh(function* () {
        return yield* yield* spawn(body as never, { name: "tree" });
      });
      let saved = 0;
      for (let at = 0; at <= end; at++) {
        let bytes: Uint8Array | null = null;
        let finished = false;
        await fresh(function* () {
          const task = yield* spawn(body as never, { name: "tree" });
          yield* sleep(at);
          yield* yieldNow(); // also between a wake-up and the woken task's run, at some moments
          if (task.state !== "running") {
            finished = true;
            return;
          }
          try {
            bytes = yield* snapshot(task);
          } catch (error) {
            // A moment inside a cancellation's teardown (a timeout()'s expired body) is not saved: the only refusal allowed here.
            if (!(error instanceof SnapshotError) || !/teardown of task|being cancelled/.test(error.message)) throw error;
          }
          yield* task.cancel();
        });
        if (finished) break;
        if (bytes === null) continue;
        saved++;
        const written = bytes as Uint8Array;
        const got = await fresh(function* () {
          return yield* yield* restore(written);
        });
        assert.deepEqual(got, expected, `snapshot at t=${at}`);
      }
      assert.ok(saved >= end / 2, `only ${saved} moments were saved`);
    });
  }
});

describe("what a snapshot refuses", () => {
  it("a value no codec saves: the path names the task, the frame and the local", async () => {
    await fresh(function* () {
      class Socket {
        fd = 3;
      }
      const task = yield* spawn(() => pipeline.holding({ socket: new Socket() }), { name: "conn" });
      yield* sleep(1);
      const error = yield* catching(snapshot(task));
      assert.ok(error instanceof SnapshotError, String(error));
      assert.match(error.path!, /^task [\w#› ]*conn#\d+ › frame holding › local conn › \.socket$/);
      assert.match(error.message, /Socket/);
      yield* task.cancel();
    });
  });

  it("a task parked on a call() promise, and one that runs a generator that is not compiled", async () => {
    await fresh(function* () {
      const task = yield* spawn(() => pipeline.calling(), { name: "waiting" });
      const plain = yield* spawn(function* () {
        yield* sleep(Infinity);
      }, { name: "plain" });
      yield* sleep(1);
      const error = yield* catching(snapshot(task));
      assert.ok(error instanceof SnapshotError);
      assert.match(error.message, /waiting#\d+: it waits in call\(\) .*\(frame calling\), which a snapshot cannot save/);
      assert.match(error.path!, /^task .*waiting#\d+$/);
      const second = yield* catching(snapshot(plain));
      assert.match(String(second), /plain#\d+: it runs a generator that is not compiled/);
      yield* task.cancel();
      yield* plain.cancel();
    });
  });

  it("a channel one of whose waiters is outside the tree", async () => {
    await fresh(function* () {
      const ch = channel<number>(0);
      const outside = yield* spawn(function* () {
        yield* ch.receive();
      }, { name: "outsider" });
      const task = yield* spawn(() => pipeline.holding(ch), { name: "inside" });
      yield* sleep(1);
      const error = yield* catching(snapshot(task));
      assert.ok(error instanceof SnapshotError);
      assert.match(error.message, /shared with .*outsider#\d+, which is outside the snapshot and waits to receive on it/);
      assert.match(error.path!, /inside#\d+ › frame holding › local conn$/);
      yield* task.cancel();
      yield* outside.cancel();
    });
  });

  it("a select over a clause it cannot save yet, and a mutex another task outside waits for", async () => {
    await fresh(function* () {
      const m = new Mutex({ name: "db" });
      assert.ok(m.tryLock());
      const selecting = yield* spawn(() => pipeline.lockOrTimeout(m), { name: "selecting" });
      yield* sleep(1);
      const error = yield* catching(snapshot(selecting));
      assert.ok(error instanceof SnapshotError, String(error));
      assert.match(error.message, /a select\(\) waits on mutex "db": a snapshot cannot save a select clause on a sync primitive yet/);
      assert.match(error.path!, /selecting#\d+ › frame lockOrTimeout › local m$/);
      yield* selecting.cancel();
      const outsider = yield* spawn(function* () {
        yield* m.lock();
      }, { name: "outsider" });
      const inside = yield* spawn(() => pipeline.lockWaiter(m), { name: "inside" });
      yield* sleep(1);
      const shared = yield* catching(snapshot(inside));
      assert.match(String(shared), /mutex "db" is shared with .*outsider#\d+, which is outside the snapshot and waits on it/);
      yield* inside.cancel();
      yield* outsider.cancel();
    });
  });

  it("a tree the calling task is in, and bad arguments", async () => {
    await fresh(function* () {
      const me = yield* spawn(function* () {
        const self = yield* current();
        return yield* catching(snapshot(self));
      });
      const error = yield* me;
      assert.ok(error instanceof SnapshotError);
      assert.match(error.message, /the calling task .* is in the tree/);
    });
    assert.throws(() => snapshot({} as never), /snapshot\(task\): task must be a task, got/);
    assert.throws(() => restore("bytes" as never), /restore\(bytes\): bytes must be a Uint8Array, got "bytes"/);
  });

  it("bytes that are not a task-tree snapshot", async () => {
    await fresh(function* () {
      const error = yield* catching(restore(encode({ format: "something else" })));
      assert.ok(error instanceof SnapshotError);
      assert.match(error.message, /not a task-tree snapshot/);
      const corrupt = yield* catching(restore(new Uint8Array([1, 2, 3])));
      assert.ok(corrupt instanceof SnapshotError);
    });
  });

});

describe("across processes", () => {
  const root = mkdtempSync(join(tmpdir(), "strand-tasks-x-"));
  const WORKFLOW = `"use durable";
import { spawn, sleep, channel } from ${JSON.stringify(strand)};
function* produce(out, n) {
  for (let i = 0; i < n; i++) {
    yield* out.send(i);
    yield* sleep(2);
  }
  out.close();
}
function* consume(input) {
  const got = [];
  for (;;) {
    const next = yield* input.receiveCatching();
    if (!next.ok) return got;
    got.push(next.value);
    yield* sleep(3);
  }
}
export function* pipeline(n) {
  const ch = channel(4);
  yield* spawn(() => produce(ch, n), { name: "producer" });
  return yield* yield* spawn(() => consume(ch), { name: "consumer" });
}
export function unrelated() { return 1; }
`;
  function module(name: string, source: string): string {
    const file = join(root, `${name}.mjs`);
    writeFileSync(file, compile(source, { filename: join(root, "workflow.ts"), root, runtime, sourceMaps: false }).code);
    return pathToFileURL(file).href;
  }
  function node(script: string): { stdout: string; stderr: string; status: number | null } {
    const file = join(root, `script-${count++}.mjs`);
    writeFileSync(file, script);
    const result = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", cwd: fileURLToPath(new URL("../../", import.meta.url)) });
    return { stdout: result.stdout, stderr: result.stderr, status: result.status };
  }
  const testing = here("../../src/testing/index.ts");
  const bytesFile = join(root, "tree.bin");
  const save = (url: string): string => `
import { spawn, sleep } from ${JSON.stringify(strand)};
import { runTest } from ${JSON.stringify(testing)};
import { snapshot } from ${JSON.stringify(runtime)};
import { writeFileSync } from "node:fs";
const { pipeline } = await import(${JSON.stringify(url)});
await runTest(function* () {
  const task = yield* spawn(() => pipeline(40), { name: "pipeline" });
  yield* sleep(50);
  writeFileSync(${JSON.stringify(bytesFile)}, yield* snapshot(task));
  yield* task.cancel();
});
`;
  const resume = (url: string, options = "{}"): string => `
import { runTest } from ${JSON.stringify(testing)};
import { restore } from ${JSON.stringify(runtime)};
import { readFileSync } from "node:fs";
await import(${JSON.stringify(url)});
try {
  const got = await runTest(function* () {
    return yield* yield* restore(new Uint8Array(readFileSync(${JSON.stringify(bytesFile)})), ${options});
  });
  console.log(JSON.stringify({ got }));
} catch (error) {
  console.log(JSON.stringify({ error: error.name, message: error.message }));
}
`;

  it("a producer and a consumer saved in one process finish in another: every element once, in order", () => {
    const saved = node(save(module("v1", WORKFLOW)));
    assert.equal(saved.status, 0, saved.stderr);
    const resumed = node(resume(module("v1-again", WORKFLOW)));
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(JSON.parse(resumed.stdout), { got: Array.from({ length: 40 }, (_, i) => i) });
  });

  it("an edit elsewhere does not matter; a changed function with a frame fails with VersionMismatch naming it and where it stopped", () => {
    const saved = node(save(module("v1", WORKFLOW)));
    assert.equal(saved.status, 0, saved.stderr);
    const unrelated = node(resume(module("edited", WORKFLOW.replace("return 1;", "return 2;"))));
    assert.deepEqual(JSON.parse(unrelated.stdout), { got: Array.from({ length: 40 }, (_, i) => i) });
    const changed = JSON.parse(node(resume(module("changed", WORKFLOW.replace("yield* sleep(3);", "yield* sleep(4);")))).stdout) as { error: string; message: string };
    assert.equal(changed.error, "VersionMismatch");
    assert.match(changed.message, /workflow\.ts#consume \(stopped at resume point \d+/);
  });

  it("a migration maps a changed function's frames in a tree to the new code", () => {
    const saved = node(save(module("v1", WORKFLOW)));
    assert.equal(saved.status, 0, saved.stderr);
    // v2 records each element twice; the consumer's frame keeps its resume point, its list is migrated to the new shape.
    const v2 = WORKFLOW.replace("got.push(next.value);", "got.push(next.value, next.value);");
    const migrations = `{ migrations: { "workflow.ts#consume": ({ ip, locals }) => ({ ip, locals: { ...locals, got: locals.got.flatMap((x) => [x, x]) } }) } }`;
    const out = JSON.parse(node(resume(module("v2", v2), migrations)).stdout) as { got: number[] };
    assert.deepEqual(out, { got: Array.from({ length: 40 }, (_, i) => [i, i]).flat() });
  });
});

function* catching(operation: Iterable<any>): Generator<any, any, any> {
  try {
    yield* operation as any;
  } catch (error) {
    return error;
  }
  return undefined;
}
