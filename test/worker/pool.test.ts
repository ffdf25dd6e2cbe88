// createPool and spawnOn with real worker threads.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { threadId } from "node:worker_threads";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../io/helpers.js";
import { all, Cancelled, run, scoped, sleep, spawn, timeout, type Operation } from "../../src/index.js";
import { createPool, spawnOn, Pool, PoolClosed, WorkerCrashed, WorkerTaskError } from "../../src/worker/index.js";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);
const BROKEN = new URL("./fixtures/broken.ts", import.meta.url);

/** Waits (without blocking the event loop) until `cells[at]` is nonzero. */
function* until(cells: Int32Array, at: number): Operation<void> {
  while (Atomics.load(cells, at) === 0) yield* sleep(2);
}

describe("createPool / spawnOn", () => {
  test("a process waiting only for a pool's results stays alive until they come, queued calls included", () => {
    // More calls than workers: most wait in the inject queue, belonging to no
    // worker until one takes them. Nothing else keeps this process alive, so if
    // the workers were all unreferenced between one result and the next TOOK,
    // Node would exit with the caller still waiting (exit code 13).
    const script = `
      import { run, all } from ${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)};
      import { createPool, spawnOn } from ${JSON.stringify(new URL("../../src/worker/index.ts", import.meta.url).href)};
      let rounds = 0;
      for (let round = 0; round < 12; round++) {
        const results = await run(function* () {
          const pool = yield* createPool({ module: new URL(${JSON.stringify(TASKS.href)}), size: 2 });
          const running = [];
          for (let i = 0; i < 24; i++) running.push(yield* spawnOn(pool, "spin", [1]));
          return yield* all(running);
        });
        if (results.length === 24) rounds++;
      }
      console.log("rounds " + rounds);
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      encoding: "utf8",
    });
    assert.equal(child.status, 0, `exit ${child.status}: ${child.stderr}`);
    assert.equal(child.stdout.trim(), "rounds 12");
  });

  test("runs plain, generator and async functions on worker threads and brings their results back", async () => {
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 2 });
      const sum = yield* spawnOn<number>(pool, "add", [2, 3]);
      const doubled = yield* spawnOn<{ value: number; path: string; thread: number }>(pool, "double", [21]);
      const later = yield* spawnOn<string>(pool, "later", ["hi"]);
      return { sum: yield* sum, doubled: yield* doubled, later: yield* later, stats: pool.stats(), name: sum.name };
    });
    assert.equal(out.sum, 5);
    assert.equal(out.doubled.value, 42);
    assert.notEqual(out.doubled.thread, threadId);
    // The remote task's path carries the worker's tag in every id.
    assert.match(out.doubled.path, new RegExp(`^worker#w${out.doubled.thread}\\.\\d+ › double#w${out.doubled.thread}\\.\\d+ › double#w${out.doubled.thread}\\.\\d+$`));
    assert.equal(out.later, "later: hi");
    assert.equal(out.name, "add");
    const { stolen: _, ...stats } = out.stats; // an idle worker may have stolen one
    assert.deepEqual(stats, { name: "pool", workers: 2, pending: 0, completed: 3, failed: 0, cancelled: 0, replaced: 0 });
  });

  test("a remote failure comes back as WorkerTaskError with the remote stack, path and the cloned error", async () => {
    const error = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      try {
        yield* scoped(function* () {
          yield* yield* spawnOn(pool, "fails");
        });
      } catch (error) {
        return error;
      }
      return null;
    });
    assert.ok(error instanceof WorkerTaskError);
    assert.equal(error.remoteName, "RangeError");
    assert.ok(error.cause instanceof RangeError);
    assert.match(error.message, /^fails\(\) on worker w\d+ of pool "pool" failed: RangeError: out of range on purpose$/);
    assert.match(error.remotePath, /^worker#w\d+\.\d+ › fails#w\d+\.\d+$/);
    assert.match(error.remoteStack, /fixtures\/tasks\.ts/);
    assert.match(error.stack!, /--- on the worker, in worker#w\d+/);

    const custom = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      try {
        yield* scoped(function* () {
          yield* yield* spawnOn(pool, "throwsCustom");
        });
      } catch (error) {
        return error as WorkerTaskError;
      }
      return null;
    });
    assert.equal(custom?.remoteName, "Custom"); // a class of the module: the clone is an Error with its message
    assert.equal((custom?.cause as Error).message, "a custom error");
  });

  test("a missing export fails the task with a TypeError naming it", async () => {
    const error = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      try {
        yield* scoped(function* () {
          yield* yield* spawnOn(pool, "notAFunction");
        });
      } catch (error) {
        return error as WorkerTaskError;
      }
      return null;
    });
    assert.equal(error?.remoteName, "TypeError");
    assert.match(error!.message, /exports no function named "notAFunction"/);
  });

  test("cancelling the local task cancels the remote one: its finally blocks (and children) run there first", async () => {
    const flags = new SharedArrayBuffer(12);
    const cells = new Int32Array(flags);
    const stats = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      const task = yield* spawnOn(pool, "parent", [flags]);
      yield* until(cells, 0);
      yield* task.cancel();
      // cancel() waited for the remote teardown
      assert.equal(Atomics.load(cells, 1), 1);
      assert.equal(Atomics.load(cells, 2), 1);
      assert.equal(task.state, "cancelled");
      return pool.stats();
    });
    assert.equal(stats.cancelled, 1);
    assert.equal(stats.replaced, 0);
  });

  test("a cancelled task that never reaches a suspension has its worker terminated after the grace period, and replaced", async () => {
    const gate = new SharedArrayBuffer(8);
    const cells = new Int32Array(gate);
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1, cancelGrace: 100 });
      const before = yield* yield* spawnOn<number>(pool, "thread");
      const task = yield* spawnOn(pool, "spinForever", [gate]);
      yield* until(cells, 1);
      yield* task.cancel();
      const after = yield* yield* spawnOn<number>(pool, "thread");
      return { before, after, state: task.state, stats: pool.stats() };
    });
    assert.equal(out.state, "cancelled");
    assert.notEqual(out.before, out.after);
    assert.equal(out.stats.replaced, 1);
    assert.equal(out.stats.workers, 1);
  });

  test("a worker that crashes fails its started task with WorkerCrashed and is replaced", async () => {
    for (const fn of ["crash", "exits"]) {
      const out = await run(function* () {
        const pool = yield* createPool({ module: TASKS, size: 1 });
        let error: unknown = null;
        try {
          yield* scoped(function* () {
            yield* yield* spawnOn(pool, fn);
          });
        } catch (e) {
          error = e;
        }
        const sum = yield* yield* spawnOn<number>(pool, "add", [1, 1]);
        return { error, sum, stats: pool.stats() };
      });
      assert.ok(out.error instanceof WorkerCrashed, `${fn}: ${out.error}`);
      assert.match((out.error as Error).message, fn === "crash" ? /^crash\(\) on worker w\d+ of pool "pool" failed: worker w\d+ of pool "pool" threw Error: uncaught on the worker/ : /failed: worker w\d+ of pool "pool" exited with code 7; the worker was replaced$/);
      assert.match((out.error as Error).message, /the worker was replaced/);
      assert.equal(out.sum, 2);
      assert.equal(out.stats.replaced, 1);
    }
  });

  for (const via of ["the inject queue", "a busy worker's port"] as const) {
    test(`an idle worker takes a task queued behind a busy one, from ${via}`, async () => {
      const gate = new SharedArrayBuffer(8);
      const cells = new Int32Array(gate);
      // Arguments structured clone cannot put in shared memory (a SharedArrayBuffer) go to a port instead of the inject queue.
      const args = via === "the inject queue" ? [] : [new SharedArrayBuffer(4)];
      const out = await run(function* () {
        const pool = yield* createPool({ module: TASKS, size: 2 });
        const busy = yield* spawnOn<number>(pool, "spinUntil", [gate]); // an idle worker: blocked until the gate opens
        yield* until(cells, 1);
        const short = yield* spawnOn<number>(pool, "thread"); // the other idle worker
        const queued = yield* spawnOn<number>(pool, "thread", args); // no idle worker: queued
        const shortThread = yield* short;
        const queuedThread = yield* queued; // the free worker took it, or this would wait for the gate
        Atomics.store(cells, 0, 1);
        const busyThread = yield* busy;
        return { busyThread, shortThread, queuedThread, stats: pool.stats() };
      });
      assert.notEqual(out.busyThread, out.shortThread);
      assert.equal(out.queuedThread, out.shortThread);
      assert.equal(out.stats.stolen, via === "the inject queue" ? 0 : 1);
    });
  }

  test("a task cancelled while it waits in the inject queue never runs, and the queue moves on", async () => {
    const gate = new SharedArrayBuffer(8);
    const cells = new Int32Array(gate);
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      const busy = yield* spawnOn<number>(pool, "spinUntil", [gate]);
      yield* until(cells, 1);
      const queued = yield* spawnOn<number>(pool, "add", [1, 2]); // in the inject queue
      yield* sleep(1);
      const pending = pool.stats().pending;
      yield* queued.cancel();
      Atomics.store(cells, 0, 1);
      yield* busy;
      const after = yield* yield* spawnOn<number>(pool, "add", [2, 2]);
      return { pending, state: queued.state, after, stats: pool.stats() };
    });
    assert.equal(out.pending, 2);
    assert.equal(out.state, "cancelled");
    assert.equal(out.after, 4);
    assert.equal(out.stats.completed, 2); // the spinner and the last add: the cancelled one never ran
    assert.equal(out.stats.pending, 0);
  });

  test("a plain function taken from the inject queue, cancelled while it runs: the cancel waits for its end (its result says the worker took it), and the worker goes on", async () => {
    // A call that ends at once tells the pool it took it on its result, not in a TOOK of its own (protocol.ts).
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const temp = tempDir();
    const started = join(temp.dir, "started");
    const open = join(temp.dir, "open");
    try {
      const out = await run(function* () {
        const pool = yield* createPool({ module: TASKS, size: 1, cancelGrace: 60_000 });
        const busy = yield* spawnOn<number>(pool, "spinUntil", [gate.buffer]);
        yield* until(gate, 1);
        const queued = yield* spawnOn<number>(pool, "spinUntilFile", [started, open]); // strings: into the inject queue
        yield* sleep(1); // its task runs and places it
        const pending = pool.stats().pending;
        Atomics.store(gate, 0, 1);
        yield* busy;
        while (!existsSync(started)) yield* sleep(2); // the worker took it from the queue and runs it
        const cancelling = yield* spawn(() => queued.cancel());
        yield* sleep(5);
        const waited = cancelling.state; // the cancel waits: the call still runs there
        writeFileSync(open, "");
        yield* cancelling;
        const after = yield* yield* spawnOn<number>(pool, "add", [2, 2]);
        return { pending, waited, state: queued.state, after, stats: pool.stats() };
      });
      assert.equal(out.pending, 2);
      assert.equal(out.waited, "running");
      assert.equal(out.state, "cancelled");
      assert.equal(out.after, 4);
      assert.deepEqual([out.stats.completed, out.stats.replaced, out.stats.pending], [3, 0, 0]);
    } finally {
      temp.remove();
    }
  });

  test("a call posted to a worker's port runs before the calls waiting in the inject queue, though the worker is running queued calls", async () => {
    // The worker takes queued plain calls one after another without returning to its event loop; it
    // looks at its port before each. Else the posted call waits behind all of them (here: tick 4).
    const temp = tempDir();
    const started = join(temp.dir, "started");
    const open = join(temp.dir, "open");
    try {
      const out = await run(function* () {
        const pool = yield* createPool({ module: TASKS, size: 1 });
        const queued = [yield* spawnOn<number>(pool, "spinUntilFile", [started, open])]; // strings: into the inject queue
        for (let i = 0; i < 3; i++) queued.push(yield* spawnOn<number>(pool, "tick"));
        while (!existsSync(started)) yield* sleep(2); // the worker took the first from the queue and runs it
        const posted = yield* spawnOn<number>(pool, "tick", [new SharedArrayBuffer(4)]); // a shared argument: to the port
        yield* sleep(1); // its task runs and posts it
        writeFileSync(open, "");
        const postedTick = yield* posted;
        const queuedTicks = (yield* all(queued)).slice(1);
        return { postedTick, queuedTicks };
      });
      assert.equal(out.postedTick, 1);
      assert.deepEqual(out.queuedTicks, [2, 3, 4]);
    } finally {
      temp.remove();
    }
  });

  test("a call waits in the inject queue while 4096 later ids go to the port: the call with its claim cell goes elsewhere, and every call completes", async () => {
    // Claim cells are ids modulo 4096 (protocol.ts). Two queued calls sharing one would
    // share its claim: the later one's overwrites the earlier one's, and the worker that
    // takes the earlier one drops it as withdrawn (it was never heard of again).
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      const busy = yield* spawnOn<number>(pool, "spinUntil", [gate.buffer]); // the one worker, blocked until the gate opens
      yield* until(gate, 1);
      const first = yield* spawnOn<number>(pool, "add", [1, 2]); // numbers: into the inject queue
      // A SharedArrayBuffer argument keeps a call out of the queue (posted to the port, or waiting for room there): ids go on.
      const others = [];
      for (let i = 0; i < 4095; i++) others.push(yield* spawnOn<number>(pool, "thread", [gate.buffer]));
      const same = yield* spawnOn<number>(pool, "add", [3, 4]); // 4096 ids after the first: its claim cell
      yield* sleep(1); // their tasks run and place them
      Atomics.store(gate, 0, 1);
      yield* busy;
      const results = yield* timeout(30_000, all([first, same])); // lost, it would never end
      yield* all(others);
      return { results, stats: pool.stats() };
    });
    assert.deepEqual(out.results, [3, 7]);
    assert.deepEqual([out.stats.completed, out.stats.pending], [4098, 0]);
  });

  test("20,000 calls in flight on 2 workers all complete, three times: a call ending from the inject queue does not make room on a full port", async () => {
    // Beyond the inject queue's 4095 and a port's 1023, calls wait for room (the backlog). A call taken
    // from the queue ending once made room for a waiting call on its worker's port though the port was
    // as full as before; past 1024 calls posted there, claim cells were overwritten and the worker
    // dropped the older calls as withdrawn: they never ended. (Seen in most runs, rounds two and three,
    // with a placement tried and dropped that queued more of a batch at once; rare with this one.)
    for (let round = 1; round <= 3; round++) {
      const out = await run(function* () {
        const pool = yield* createPool({ module: TASKS, size: 2 });
        yield* yield* spawnOn<number>(pool, "add", [1, 2]);
        const tasks = [];
        for (let i = 0; i < 20_000; i++) tasks.push(yield* spawnOn<number>(pool, "add", [i, 1]));
        const results = yield* timeout(30_000, all(tasks));
        return { sum: results.reduce((a, b) => a + b, 0), stats: pool.stats() };
      });
      assert.equal(out.sum, (20_000 * 19_999) / 2 + 20_000, `round ${round}`);
      assert.deepEqual([out.stats.completed, out.stats.pending], [20_001, 0], `round ${round}`);
    }
  });

  test("arguments move with options.transfer, and results with transferring()", async () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      const task = yield* spawnOn<{ sum: number; bytes: Uint8Array }>(pool, "roundTrip", [bytes], { transfer: [bytes.buffer] });
      const out = yield* task;
      assert.equal(bytes.byteLength, 0); // detached: ownership moved
      return out;
    });
    assert.equal(out.sum, 10);
    assert.deepEqual([...out.bytes], [99, 2, 3, 4]);
  });

  test("a CPU-bound batch spreads over the workers", async () => {
    // Each task busy-waits until a task has run on another thread: the batch ends only if both workers take part.
    const temp = tempDir();
    try {
      const threads = await run(function* () {
        const pool = yield* createPool({ module: TASKS, size: 2 });
        const tasks = [];
        for (let i = 0; i < 8; i++) tasks.push(yield* spawnOn<number>(pool, "meet", [temp.dir]));
        return new Set(yield* all(tasks));
      });
      assert.equal(threads.size, 2);
    } finally {
      temp.remove();
    }
  });

  test("the pool is torn down with its scope: running tasks are cancelled there, later spawnOn throws PoolClosed", async () => {
    const flags = new SharedArrayBuffer(12);
    const cells = new Int32Array(flags);
    let kept: Pool | null = null;
    const error = await run(function* () {
      const outer = yield* spawn(function* () {
        const pool = yield* createPool({ module: TASKS, size: 1 });
        kept = pool;
        yield* sleep(0);
      });
      yield* outer;
      try {
        spawnOn(kept!, "add", [1, 2]);
      } catch (error) {
        return error;
      }
      return null;
    });
    assert.ok(error instanceof PoolClosed);
    assert.equal(kept!.stats().workers, 0);

    // A task of another tree still running on the pool when it closes: cancelled there, PoolClosed here.
    const outcome = await run(function* () {
      let pool: Pool | null = null;
      const holder = yield* spawn(function* () {
        pool = yield* createPool({ module: TASKS, size: 1 });
        yield* sleep(1_000_000);
      });
      while (pool === null) yield* sleep(1);
      try {
        yield* scoped(function* () {
          const task = yield* spawnOn(pool!, "parks", [flags]);
          yield* until(cells, 0);
          yield* holder.cancel();
          yield* task;
        });
      } catch (error) {
        return error;
      }
      return null;
    });
    assert.ok(outcome instanceof PoolClosed, String(outcome));
    assert.equal(Atomics.load(cells, 1), 1);
  });

  test("a module that fails to load fails createPool with its error", async () => {
    await assert.rejects(
      async () =>
        await run(function* () {
          yield* createPool({ module: BROKEN, size: 1 });
        }),
      (error: unknown) => error instanceof WorkerTaskError && error.remoteName === "SyntaxError" && /this module does not load/.test(error.message),
    );
  });

  test("bad arguments are TypeErrors naming the argument", async () => {
    assert.throws(() => createPool(undefined as never), /createPool\(options\): options is required/);
    assert.throws(() => createPool({ module: "" }), /options\.module must be/);
    assert.throws(() => createPool({ module: TASKS, size: 0 }), /options\.size must be a positive integer/);
    assert.throws(() => createPool({ module: TASKS, cancelGrace: -1 }), /options\.cancelGrace must be/);
    await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      assert.throws(() => spawnOn({} as Pool, "add"), /pool must be a Pool/);
      assert.throws(() => spawnOn(pool, ""), /fnName must be/);
      assert.throws(() => spawnOn(pool, "add", 1 as never), /args must be an array/);
      assert.throws(() => spawnOn(pool, "add", [], { transfer: 1 as never }), /options\.transfer must be an array/);
    });
  });

  test("a cancelled join reports Cancelled to the joiner", async () => {
    const flags = new SharedArrayBuffer(12);
    const cells = new Int32Array(flags);
    const error = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      const task = yield* spawnOn(pool, "parks", [flags]);
      yield* until(cells, 0);
      void task.cancel();
      try {
        yield* task;
      } catch (error) {
        return error;
      }
      return null;
    });
    assert.ok(error instanceof Cancelled);
  });
});
