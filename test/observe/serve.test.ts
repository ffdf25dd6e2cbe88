// The monitor (issue 12, item 5) outside the browser: serve()'s endpoints and
// event stream, the --import form, and `strand monitor`'s terminal view and
// page proxy, against real sockets and real processes. The page itself is
// tested in Chromium by test/browser/monitor.browser.ts (npm run test:browser).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import { request } from "node:http";
import { resolve } from "node:path";
import { call, channel, run, spawn, yieldNow } from "../../src/index.js";
import { tracking } from "../../src/observe/track.js";
import { serve, type MonitorSnapshot } from "../../src/observe/serve/index.js";
import { renderFrame } from "../../src/cli/monitor.js";
import type { Dump } from "../../src/observe/index.js";
import { runTest } from "../../src/testing/index.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** A GET with a chosen Host header (fetch does not let one set it). */
function get(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; type: string; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method, headers }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => done({ status: response.statusCode!, type: String(response.headers["content-type"]), body }));
    });
    req.on("error", fail);
    req.end();
  });
}

/** Runs node with tsx and `args`; resolves with its exit code and output. */
function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnProcess(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

test("serve() names the option it refuses", async () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /serve\(options\): options must be an object/],
    [{}, /port must be an integer from 0 to 65535, got undefined/],
    [{ port: -1 }, /port must be an integer/],
    [{ port: 70_000 }, /port must be an integer/],
    [{ port: "9300" }, /port must be an integer/],
    [{ port: 0, host: "" }, /host must be a non-empty string/],
    [{ port: 0, interval: 10 }, /interval must be milliseconds ≥ 50, got 10/],
  ];
  for (const [options, message] of cases) await assert.rejects(serve(options as never), (error: unknown) => error instanceof TypeError && message.test(error.message));
  assert.equal(tracking(), false, "a refused serve() leaves tracking off");
});

test("the JSON endpoints: the live tree with its waits, the text dump, the metrics with the channels made since", async () => {
  const monitor = await serve({ port: 0 });
  try {
    assert.match(monitor.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    await runTest(function* () {
      const jobs = channel<number>(2, { name: "serve-jobs" });
      const waiter = yield* spawn(function* consumer() {
        return yield* jobs.receive();
      });
      yield* yieldNow();
      const snapshot = JSON.parse((yield* call(() => get(`${monitor.url}api/snapshot`))).body) as MonitorSnapshot;
      assert.equal(snapshot.pid, process.pid);
      const tasks = snapshot.dump.runtimes.flatMap((runtime) => runtime.root.children);
      const consumer = tasks.find((task) => task.name === "consumer");
      assert.equal(consumer?.activity, "parked");
      assert.match(consumer!.waitsOn!, /channel "serve-jobs"/);
      assert.deepEqual(
        snapshot.metrics.channels.filter((c) => c.name === 'channel "serve-jobs"').map((c) => [c.capacity, c.waitingReceivers]),
        [[2, 1]],
      );
      const text = yield* call(() => get(`${monitor.url}api/dump.txt`));
      assert.match(text.type, /^text\/plain/);
      assert.match(text.body, /consumer#\d+ parked for \d+ms on .*channel "serve-jobs"/);
      const dump = JSON.parse((yield* call(() => get(`${monitor.url}api/dump`))).body) as Dump;
      assert.ok(dump.runtimes.some((runtime) => runtime.root.children.some((task) => task.name === "consumer")));
      const metrics = JSON.parse((yield* call(() => get(`${monitor.url}api/metrics`))).body) as MonitorSnapshot["metrics"];
      assert.equal(metrics.tracking, true);
      yield* jobs.send(7);
      assert.equal(yield* waiter, 7);
    });
    const page = await get(monitor.url);
    assert.match(page.type, /^text\/html/);
    assert.match(page.body, /<title>strand monitor<\/title>/);
  } finally {
    await monitor.close();
  }
  assert.equal(tracking(), false);
});

test("bound to loopback, it refuses other Host names; unknown paths are 404, other methods 405", async () => {
  const monitor = await serve({ port: 0 });
  try {
    const rebound = await get(`${monitor.url}api/dump`, { host: "attacker.example:80" });
    assert.equal(rebound.status, 403);
    assert.equal((await get(`${monitor.url}api/dump`, { host: `localhost:${monitor.port}` })).status, 200);
    const missing = await get(`${monitor.url}nothing`);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /no \/nothing \(try \/, \/api\/snapshot/);
    assert.equal((await get(`${monitor.url}api/dump`, {}, "POST")).status, 405);
  } finally {
    await monitor.close();
  }
});

test("the event stream: a snapshot at once and one per interval; close() ends the stream and stops tracking", async () => {
  const monitor = await serve({ port: 0, interval: 50 });
  const response = await fetch(`${monitor.url}api/events`);
  assert.match(response.headers.get("content-type")!, /^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while ((text.match(/event: snapshot\n/g) ?? []).length < 3) {
    const { value, done } = await reader.read();
    assert.equal(done, false, "the stream stays open");
    text += value;
  }
  const snapshots = text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)) as MonitorSnapshot);
  assert.ok(snapshots.length >= 3);
  assert.ok(snapshots.every((snapshot) => snapshot.interval === 50 && snapshot.pid === process.pid && Array.isArray(snapshot.dump.runtimes)));
  assert.ok(snapshots[1].at >= snapshots[0].at);
  await monitor.close();
  for (;;) if ((await reader.read()).done) break;
  assert.equal(tracking(), false);
  await monitor.close(); // idempotent
});

test("--import strand/observe/serve with STRAND_MONITOR_PORT starts it and does not keep the program alive", async () => {
  const program = ["--import", "./src/observe/serve/index.ts", "--input-type=module", "-e", "console.log('done')"];
  const started = await node(program, { STRAND_MONITOR_PORT: "0" });
  assert.equal(started.code, 0, started.stderr);
  assert.equal(started.stdout, "done\n");
  assert.match(started.stderr, /^strand: monitor at http:\/\/127\.0\.0\.1:\d+\/ \(npx strand monitor http:\/\/127\.0\.0\.1:\d+\/\)\n$/);
  const quiet = await node(program, { STRAND_MONITOR_PORT: "" });
  assert.equal(quiet.stderr, "", "unset, nothing starts");
  const bad = await node(program, { STRAND_MONITOR_PORT: "nine" });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /STRAND_MONITOR_PORT must be a port number \(0 picks a free one\), got "nine"/);
});

/** Runs `body` while this process has a pipeline to look at: a producer ahead of a slow consumer. */
async function withProgram(body: (url: string) => Promise<void>): Promise<void> {
  const monitor = await serve({ port: 0, interval: 50 });
  const jobs = channel<number>(3, { name: "cli-jobs" });
  const stop = channel<void>(0);
  const program = run(function* () {
    yield* spawn(function* producer() {
      for (let i = 0; ; i++) yield* jobs.send(i);
    });
    yield* spawn(function* idle() {
      yield* stop.receive();
    });
    yield* stop.receive();
  });
  try {
    await body(monitor.url);
  } finally {
    stop.close(); // idle's and the root's receives end with ChannelClosed, which cancels the producer
    await assert.rejects(Promise.resolve(program));
    await monitor.close();
  }
}

test("strand monitor --tty --once prints the figures, the channels and the tree, filtered by --state and --search", async () => {
  await withProgram(async (url) => {
    const all = await node(["src/cli/main.ts", "monitor", url, "--tty", "--once"]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, new RegExp(`^strand monitor · ${url.replaceAll(".", "\\.")} · pid ${process.pid} ·`));
    assert.match(all.stdout, /\ntasks \d+ {2}ready \d+ {2}parked \d+ {2}steps\/s/);
    assert.match(all.stdout, /channel "cli-jobs"\s+3\s+█+ 3\s/);
    assert.match(all.stdout, /producer#\d+ parked .* on send on channel "cli-jobs"/);
    assert.match(all.stdout, /idle#\d+ parked/);
    const filtered = await node(["src/cli/main.ts", "monitor", url, "--tty", "--once", "--state", "parked", "--search", "cli-jobs"]);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.match(filtered.stdout, /tasks in state parked matching "cli-jobs":/);
    assert.match(filtered.stdout, /producer#\d+ parked/);
    assert.doesNotMatch(filtered.stdout, /idle#/);
  });
});

test("strand monitor --web serves the page and passes /api/* on to the program; SIGTERM stops it", async () => {
  await withProgram(async (url) => {
    const child = spawnProcess(process.execPath, ["--import", "tsx", "src/cli/main.ts", "monitor", url, "--web", "--no-open"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((done) => child.on("close", done));
    let output = "";
    const local = await new Promise<string>((done, fail) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C stops it\)/.exec(output);
        if (match !== null) done(match[1]);
      });
      child.on("close", () => fail(new Error(`strand monitor exited: ${output}`)));
    });
    try {
      assert.match(output, new RegExp(`^strand: monitor of ${url.replaceAll(".", "\\.")} at`));
      assert.match((await get(local)).body, /<title>strand monitor<\/title>/);
      const snapshot = JSON.parse((await get(`${local}api/snapshot`)).body) as MonitorSnapshot;
      assert.equal(snapshot.pid, process.pid, "the program's snapshot, through the proxy");
      assert.equal((await get(`${local}api/snapshot`, { host: "attacker.example" })).status, 403);
      assert.equal((await get(`${local}other`)).status, 404);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
  });
});

test("strand monitor: usage errors exit 2, an unreachable program with --once exits 1 saying so", async () => {
  const none = await node(["src/cli/main.ts", "monitor"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /monitor needs one url/);
  const both = await node(["src/cli/main.ts", "monitor", "9300", "--tty", "--web"]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--tty and --web exclude each other/);
  const port = await node(["src/cli/main.ts", "monitor", "9300", "--web", "--port", "http"]);
  assert.equal(port.code, 2);
  // A port nobody listens on: the one a closed server had.
  const closed = await serve({ port: 0 });
  await closed.close();
  const gone = await node(["src/cli/main.ts", "monitor", String(closed.port), "--once"]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED/);
});

test("the terminal frame: channel rates between snapshots, buffer bars, clipped to the terminal", () => {
  const snapshot = (at: number, sent: number, buffered: number): MonitorSnapshot => ({
    at,
    pid: 42,
    interval: 1000,
    dump: { runtimes: [] },
    metrics: {
      tracking: true,
      scheduler: { runtimes: 0, tasks: 0, runnable: 0, parked: 0, steps: 0, stepsPerSecond: 0, longestStepMs: 0, hostYields: 0, spawned: 0, ended: 0, parks: 0, wakes: 0 },
      timers: { pending: 0, set: 0, fired: 0 },
      channels: [{ kind: "Channel", name: 'channel "q"', capacity: 8, sent, received: sent - buffered, buffered, waitingSenders: 0, waitingReceivers: 0, closed: false, cancelled: false }],
      sync: [],
    },
  });
  const target = new URL("http://127.0.0.1:9300/");
  const first = renderFrame(snapshot(1_000, 100, 4), null, target, { state: undefined, search: undefined, columns: Infinity, rows: Infinity });
  assert.match(first, /channel "q"\s+8\s+████░░░░ 4\s+…\s+…/);
  assert.match(first, /strand: no live runtimes/);
  const second = renderFrame(snapshot(3_000, 300, 8), snapshot(1_000, 100, 4), target, { state: undefined, search: undefined, columns: Infinity, rows: Infinity });
  assert.match(second, /channel "q"\s+8\s+████████ 8\s+100\s+98/, "(300 − 100) / 2 s sent, (292 − 96) / 2 s received");
  const small = renderFrame(snapshot(3_000, 300, 8), null, target, { state: undefined, search: undefined, columns: 30, rows: 6 });
  const lines = small.trimEnd().split("\n");
  assert.equal(lines.length, 5);
  assert.ok(lines.every((line) => line.length <= 30));
  assert.match(lines[4], /^… \d+ more lines$/);
});
