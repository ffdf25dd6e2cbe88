// A full GC after every channel, task and wait of a program has ended must not
// throw away the run loop's optimized code (src/core/keep.ts). Without the
// kept samples, V8 frees the hidden classes that code was specialised to and
// deoptimizes it ("reason: weak objects"), and the next run starts cold.
//
// The child process (V8's natives syntax, so the optimization is forced, not
// left to V8's timing) optimizes a channel's, a task's and the run loop's hot
// functions while they serve a run, lets everything of the run die, forces a
// full GC, and reports which of them lost their optimized code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The end of each child script: which of `hot`'s functions are optimized
 * (V8's "optimized" bit) before and after a full GC.
 */
const reportAfterGc = `
const optimized = (f) => (%GetOptimizationStatus(f) & 16) !== 0;
const before = Object.keys(hot).filter((name) => optimized(hot[name]));
globalThis.gc();
const after = Object.keys(hot).filter((name) => optimized(hot[name]));
console.log(JSON.stringify({ before, after }));
`;

const script = `
import { run, spawn, channel, yieldNow } from "./src/index.ts";
import { Mutex } from "./src/sync/index.ts";
import { Runtime } from "./src/core/runtime.ts";
import { Trap } from "./src/core/trap.ts";
import { Waiter } from "./src/channel/waiter.ts";
import { LinkedList } from "./src/core/list.ts";

let n = 0, ch = null, mutex = null;
function* producer() { for (let i = 0; i < n; i++) yield* ch.send(i); }
function* critical() { yield* yieldNow(); }
function* worker() { for (let i = 0; i < n; i++) yield* mutex.withLock(critical); }
function* round() {
  ch = channel(4);
  const p = yield* spawn(producer);
  for (let i = 0; i < n; i++) yield* ch.receive();
  yield* p;
  mutex = new Mutex();
  for (let t = 0; t < 3; t++) yield* spawn(worker);
}
const hot = {
  "Waiter.next": Waiter.prototype.next, // a channel's send and receive (offer and poll inlined)
  "LinkedList.push": LinkedList.prototype.push,
  "Runtime.schedule": Runtime.prototype.schedule,
  "Trap.next": Trap.prototype.next, // the mutex's lock, spawn, join
};
for (const f of Object.values(hot)) %PrepareFunctionForOptimization(f);
n = 50;
for (let r = 0; r < 5; r++) await run(round);
for (const f of Object.values(hot)) %OptimizeFunctionOnNextCall(f);
await run(round);
await run(round);
ch = null; mutex = null;
` + reportAfterGc;

/** Runs a child script and checks that all `count` hot functions were optimized before the GC, and still are after it. */
function assertKeptOptimized(childScript: string, count: number): void {
  const child = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--expose-gc", "--no-concurrent-recompilation", "--import", "tsx", "--input-type=module", "-e", childScript],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(child.status, 0, child.stderr);
  const { before, after } = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { before: string[]; after: string[] };
  assert.ok(before.length === count, `the functions were not all optimized to begin with: ${before.join(", ")}`);
  assert.deepEqual(after, before, "a full GC deoptimized some of them");
}

test("a full GC after a run has ended keeps the run loop's optimized code", () => {
  assertKeptOptimized(script, 4);
});

// The same for I/O (src/io): a server's connections, a file's reads and the
// waits on them, all ended and collected, must leave the I/O waits' optimized
// code in place. Without the samples of socket.ts, file.ts and wait.ts, all
// three functions below lose it at the GC, on Node 20, 22 and 24.
const ioScript = `
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, spawn } from "./src/index.ts";
import { listen, connect, open } from "./src/io/index.ts";
import { PollTrap, Pending, ClauseTrap } from "./src/io/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "strand-keep-"));
const path = join(dir, "data");
writeFileSync(path, Buffer.alloc(4096, 7));
function* round(n) {
  const server = yield* listen({ port: 0, host: "127.0.0.1" });
  const client = yield* connect({ port: server.port, host: "127.0.0.1" });
  const conn = yield* server.accept();
  const echo = yield* spawn(function* () { for (let c; (c = yield* conn.read()) !== null; ) yield* conn.write(c); });
  for (let i = 0; i < n; i++) { yield* client.write("x"); yield* client.read(); }
  yield* client.end();
  yield* echo;
  for (let i = 0; i < n / 10; i++) {
    const file = yield* open(path);
    while ((yield* file.read(512)) !== null);
    yield* file.close();
  }
}
const hot = {
  "PollTrap.result": PollTrap.prototype.result, // a socket's read and write
  "Pending.resolve": Pending.prototype.resolve, // a file's read settling
  "ClauseTrap.result": ClauseTrap.prototype.result, // the wait on it
};
for (const f of Object.values(hot)) %PrepareFunctionForOptimization(f);
for (let r = 0; r < 3; r++) await run(() => round(50));
for (const f of Object.values(hot)) %OptimizeFunctionOnNextCall(f);
await run(() => round(50));
await run(() => round(50));
rmSync(dir, { recursive: true });
` + reportAfterGc;

test("a full GC after every socket, file and wait has ended keeps the I/O waits' optimized code", () => {
  assertKeptOptimized(ioScript, 3);
});

// The same for the IPC bridge (src/ipc): links over a real loopback socket,
// all finished and collected, must leave a send's optimized code in place.
// Without bridge.ts's samples, both functions below lose it at the GC.
const ipcScript = `
import { run, spawn } from "./src/index.ts";
import { listen, connect } from "./src/io/index.ts";
import { remoteSender, remoteReceiver } from "./src/ipc/index.ts";

let hot = null;
function* round(n) {
  const server = yield* listen({ port: 0, host: "127.0.0.1" });
  const client = yield* connect({ port: server.port, host: "127.0.0.1" });
  const conn = yield* server.accept();
  const out = yield* remoteSender(client);
  const inbox = yield* remoteReceiver(conn, { capacity: 8 });
  // The bridge's classes are not exported: their methods are found through a link's objects.
  hot ??= { "SenderEnd.send": Object.getPrototypeOf(out).send, "RemoteSend[Symbol.iterator]": Object.getPrototypeOf(out.send(0))[Symbol.iterator] };
  const reader = yield* spawn(function* () { let sum = 0; for (let r; (r = yield* inbox.receiveCatching()).ok; ) sum += r.value.n; return sum; });
  for (let i = 0; i < n; i++) yield* out.send({ n: i });
  yield* out.finish();
  if ((yield* reader) !== (n * (n - 1)) / 2) throw new Error("elements lost");
}
await run(() => round(1));
for (const f of Object.values(hot)) %PrepareFunctionForOptimization(f);
for (let r = 0; r < 3; r++) await run(() => round(200));
for (const f of Object.values(hot)) %OptimizeFunctionOnNextCall(f);
await run(() => round(200));
await run(() => round(200));
` + reportAfterGc;

test("a full GC after every IPC link has finished keeps a remote send's optimized code", () => {
  assertKeptOptimized(ipcScript, 2);
});

// The same for shared channels (src/worker): channels made per job, all
// dropped and collected, must leave their sends' and receives' optimized code
// in place. Without shared-channel.ts's samples, both lose it at the GC.
const sharedScript = `
import { run, spawn } from "./src/index.ts";
import { sharedChannel } from "./src/worker/index.ts";
import { SharedChannelImpl } from "./src/worker/shared-channel.ts";

function* round(n) {
  const objects = sharedChannel(8);
  const numbers = sharedChannel(8, { codec: "number" });
  const producer = yield* spawn(function* () { for (let i = 0; i < n; i++) { yield* objects.send({ i }); yield* numbers.send(i); } });
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield* objects.receive()).i + (yield* numbers.receive());
  yield* producer;
  if (sum !== n * (n - 1)) throw new Error("elements lost");
}
const hot = { "SharedChannelImpl.send": SharedChannelImpl.prototype.send, "SharedChannelImpl.receive": SharedChannelImpl.prototype.receive };
for (const f of Object.values(hot)) %PrepareFunctionForOptimization(f);
for (let r = 0; r < 3; r++) await run(() => round(300));
for (const f of Object.values(hot)) %OptimizeFunctionOnNextCall(f);
await run(() => round(300));
await run(() => round(300));
` + reportAfterGc;

test("a full GC after every shared channel has been dropped keeps their sends' and receives' optimized code", () => {
  assertKeptOptimized(sharedScript, 2);
});
