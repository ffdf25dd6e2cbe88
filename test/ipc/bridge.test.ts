// The IPC bridge: a channel whose other end is in another process.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn as spawnChild } from "node:child_process";
import { PassThrough, Writable } from "node:stream";
import * as v8 from "node:v8";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run, spawn, select, onTimeout, consumeEach, call, ChannelClosed, type Operation } from "../../src/index.js";
import { connect, listen, spawnProcess, type ChildProcess } from "../../src/io/index.js";
import { remoteReceiver, remoteSender, PeerLost, type Codec } from "../../src/ipc/index.js";
import { CREDIT, countFrame, elementFrame } from "../../src/ipc/frames.js";
import { assertNothingLeftOpen, openNow, tempDir } from "../io/helpers.js";

const PEER = fileURLToPath(new URL("./fixtures/peer.ts", import.meta.url));

function peer(...args: string[]): Operation<ChildProcess> {
  return spawnProcess(process.execPath, ["--import", "tsx", PEER, ...args], { stderr: "inherit" });
}

function* lines(output: ChildProcess["stdout"]): Operation<string[]> {
  let text = "";
  yield* consumeEach(output, (chunk) => void (text += chunk.toString()));
  return text.split("\n").filter((line) => line !== "");
}

/** Runs `body` with the path of a Unix socket in a fresh temp dir, removed after. */
async function withSocketPath<R>(body: (path: string) => Promise<R>): Promise<R> {
  const temp = tempDir();
  try {
    return await body(join(temp.dir, "ipc.sock"));
  } finally {
    temp.remove();
  }
}

describe("IPC bridge", () => {
  test("elements cross to another process in order; close reaches it after the last one", async () => {
    await withSocketPath(async (path) => {
      const before = await openNow();
      const output = await run(function* () {
        const server = yield* listen({ path });
        const child = yield* peer("receive", path, "4");
        const out = yield* remoteSender<unknown>(yield* server.accept());
        for (let i = 0; i < 100; i++) yield* out.send({ i, text: `element ${i}`, at: new Date(0), tags: new Set([i]) });
        yield* out.finish();
        const output = yield* lines(child.stdout);
        assert.deepEqual(yield* child.wait(), { code: 0, signal: null });
        return output;
      });
      assert.equal(output.length, 101);
      assert.deepEqual(JSON.parse(output[42]!), { i: 42, text: "element 42", at: new Date(0).toJSON(), tags: {} });
      assert.equal(output[100], "closed");
      await assertNothingLeftOpen(before);
    });
  });

  test("back-pressure across the wire: a receiver that does not receive lets exactly `capacity` sends through", async () => {
    await withSocketPath(async (path) => {
      const undelivered: number[] = [];
      const result = await run(function* () {
        const server = yield* listen({ path });
        const child = yield* peer("stall", path, "3");
        const out = yield* remoteSender<number>(yield* server.accept(), { onUndelivered: (n) => void undelivered.push(n) });
        assert.equal(String(yield* child.stdout.receive()).trim(), "connected");
        // The first send waits for the receiver's credit (its capacity, granted at once).
        yield* out.send(0);
        let sent = 1;
        // The other credits are here with it: sends go through while they last; then one waits (the timeout wins).
        for (;;) {
          const ok = yield* select(out.onSend(sent, () => true), onTimeout(200, () => false));
          if (!ok) break;
          sent++;
          assert.ok(sent <= 10, "the sender was never held back");
        }
        child.kill("SIGKILL");
        let error: unknown;
        try {
          yield* out.send(99);
        } catch (e) {
          error = e;
        }
        return { sent, error };
      });
      // Three credits: three sends taken; the fourth waits (and the select's offer of it is withdrawn).
      assert.equal(result.sent, 3);
      assert.ok(result.error instanceof ChannelClosed);
      assert.ok((result.error as ChannelClosed).cause instanceof PeerLost);
      // The three never received, and the send that was refused (send() owns its element from the call).
      assert.deepEqual(undelivered.sort((a, b) => a - b), [0, 1, 2, 99]);
    });
  });

  test("the receiving process dies: the sender's channel closes with PeerLost, and every unreceived element goes to onUndelivered exactly once", async () => {
    await withSocketPath(async (path) => {
      const undelivered: number[] = [];
      const result = await run(function* () {
        const server = yield* listen({ path });
        const child = yield* peer("receive", path, "2", "5"); // receives five, then exits without a word
        const out = yield* remoteSender<number>(yield* server.accept(), { onUndelivered: (n) => void undelivered.push(n) });
        const printing = yield* spawn(() => lines(child.stdout));
        let sent = 0;
        let error: unknown;
        try {
          for (; sent < 1000; sent++) yield* out.send(sent);
        } catch (e) {
          error = e;
        }
        return { sent, error, printed: (yield* printing).map(Number) };
      });
      assert.ok(result.error instanceof ChannelClosed);
      assert.ok((result.error as ChannelClosed).cause instanceof PeerLost);
      assert.deepEqual(result.printed, [0, 1, 2, 3, 4]);
      // Every element sent (the refused send's too) was received or handed to onUndelivered, and none handed over twice.
      assert.equal(new Set(undelivered).size, undelivered.length);
      const all = new Set([...result.printed, ...undelivered]);
      assert.deepEqual([...all].sort((a, b) => a - b), Array.from({ length: result.sent + 1 }, (_, i) => i));
      // Only an element whose acknowledgement had not got out when the peer died can be both: at most the last one received.
      const both = undelivered.filter((n) => result.printed.includes(n));
      assert.ok(both.every((n) => n === 4), `received and undelivered: ${both}`);
    });
  });

  test("the sending process dies: the receiver's channel closes with PeerLost after what it had", async () => {
    await withSocketPath(async (path) => {
      const result = await run(function* () {
        const server = yield* listen({ path });
        const child = yield* peer("send", path, "1000000");
        const input = yield* remoteReceiver<{ i: number }>(yield* server.accept(), { capacity: 8 });
        const first = yield* input.receive();
        child.kill("SIGKILL");
        let received = 1;
        try {
          for (;;) {
            yield* input.receive();
            received++;
          }
        } catch (error) {
          return { first, received, error };
        }
      });
      assert.deepEqual(result.first, { i: 0 });
      assert.ok(result.received >= 1); // as many as got through before the kill took effect
      assert.ok(result.error instanceof ChannelClosed);
      assert.ok((result.error as ChannelClosed).cause instanceof PeerLost);
    });
  });

  test("a receiver that cancels: the sender's sends throw ChannelClosed and what was in flight goes to onUndelivered", async () => {
    await withSocketPath(async (path) => {
      const undelivered: number[] = [];
      const result = await run(function* () {
        const server = yield* listen({ path });
        const sending = yield* spawn(function* () {
          const out = yield* remoteSender<number>(yield* connect({ path }), { onUndelivered: (n) => void undelivered.push(n) });
          let sent = 0;
          try {
            for (;;) yield* out.send(sent++);
          } catch (error) {
            return { error, sent: sent - 1 }; // the last send, refused, went to onUndelivered
          }
        });
        const input = yield* remoteReceiver<number>(yield* server.accept(), { capacity: 4 });
        const got = [yield* input.receive(), yield* input.receive()];
        input.cancel();
        return { got, ...(yield* sending) };
      });
      assert.deepEqual(result.got, [0, 1]);
      assert.ok(result.error instanceof ChannelClosed);
      // Sent = received + undelivered, each exactly once.
      assert.deepEqual([...result.got, ...undelivered].sort((a, b) => a - b), Array.from({ length: result.sent + 1 }, (_, i) => i));
    });
  });

  test("select over two remote channels, and over a child's stdio as the transport", async () => {
    await withSocketPath(async (path) => {
      const result = await run(function* () {
        const server = yield* listen({ path });
        yield* peer("send", path, "3");
        yield* peer("send", path, "3");
        const a = yield* remoteReceiver<{ i: number }>(yield* server.accept(), { capacity: 1 });
        const b = yield* remoteReceiver<{ i: number }>(yield* server.accept(), { capacity: 1 });
        const got: string[] = [];
        const ends = new Map([
          ["a", a],
          ["b", b],
        ]);
        while (ends.size > 0) {
          const clauses = [...ends].map(([name, end]) => end.onReceiveCatching((result) => ({ name, result })));
          const { name, result } = yield* select(...clauses);
          if (result.ok) got.push(`${name}${result.value.i}`);
          else {
            got.push(`${name} closed`);
            ends.delete(name);
          }
        }
        // stdio: the child's stdin and stdout carry one remote channel.
        const raw = spawnChild(process.execPath, ["--import", "tsx", PEER, "sum-stdio"], { stdio: ["pipe", "pipe", "pipe"] });
        let stderr = "";
        raw.stderr!.on("data", (chunk) => (stderr += chunk));
        const exited = new Promise((resolve) => raw.once("close", resolve));
        const out = yield* remoteSender<number>({ readable: raw.stdout!, writable: raw.stdin! });
        for (let i = 1; i <= 100; i++) yield* out.send(i);
        yield* out.finish();
        yield* call(() => exited);
        return { got, stderr };
      });
      assert.deepEqual(result.got.filter((x) => x.startsWith("a")), ["a0", "a1", "a2", "a closed"]);
      assert.deepEqual(result.got.filter((x) => x.startsWith("b")), ["b0", "b1", "b2", "b closed"]);
      assert.equal(result.stderr, "sum 5050\n");
    });
  });

  test("over a strand/io child's stdio (spawnProcess): megabytes go through, and the child's exit is the end of the link", async () => {
    const before = await openNow();
    const result = await run(function* () {
      const child = yield* spawnProcess(process.execPath, ["--import", "tsx", PEER, "bytes-stdio"]);
      const out = yield* remoteSender<Uint8Array>(child);
      let sum = 0;
      for (let i = 0; i < 64; i++) {
        const block = new Uint8Array(65_536);
        for (let j = 0; j < block.length; j++) block[j] = (i * 7 + j) & 255;
        for (const byte of block) sum += byte;
        yield* out.send(block);
      }
      yield* out.finish();
      const report = (yield* lines(child.stderr)).join("\n");
      return { report, sum, status: yield* child.wait() };
    });
    assert.equal(result.report, `blocks 64 bytes ${64 * 65_536} sum ${result.sum}`);
    assert.deepEqual(result.status, { code: 0, signal: null });
    await assertNothingLeftOpen(before);
  });

  test("over a strand/io child's stdio: the child dies, and every block it did not receive goes to onUndelivered exactly once", async () => {
    const undelivered: number[] = [];
    const result = await run(function* () {
      const child = yield* spawnProcess(process.execPath, ["--import", "tsx", PEER, "bytes-stdio", "3"]);
      const out = yield* remoteSender<Uint8Array>(child, { onUndelivered: (block) => void undelivered.push(block[0]!) });
      let sent = 0;
      let error: unknown;
      try {
        for (; sent < 200; sent++) yield* out.send(new Uint8Array(1024).fill(sent));
      } catch (e) {
        error = e;
      }
      return { sent, error, status: yield* child.wait() };
    });
    assert.ok(result.error instanceof ChannelClosed, `the sends ended with ${String(result.error)}`);
    assert.ok((result.error as ChannelClosed).cause instanceof PeerLost);
    assert.deepEqual(result.status, { code: 0, signal: null });
    // The child received blocks 0, 1 and 2; the sends after them, and the refused one, are undelivered, each once.
    // Block 2's acknowledgement may not have got out before the child exited: it may be in both.
    assert.equal(new Set(undelivered).size, undelivered.length);
    const expected = Array.from({ length: result.sent + 1 - 3 }, (_, i) => i + 3);
    const got = undelivered.filter((n) => n !== 2).sort((a, b) => a - b);
    assert.deepEqual(got, expected);
  });

  test("a strand/io child without piped stdio is not a transport: a TypeError", async () => {
    await run(function* () {
      const child = yield* spawnProcess(process.execPath, ["-e", ""], { stdin: "ignore" });
      assert.throws(() => remoteSender(child), /remoteSender\(transport, options\): transport is a child process without piped stdout and stdin/);
      yield* child.wait();
    });
  });

  test("a pluggable codec", async () => {
    await withSocketPath(async (path) => {
      const text: Codec<string> = { encode: (s) => Buffer.from(s.toUpperCase()), decode: (b) => Buffer.from(b).toString() };
      const got = await run(function* () {
        const server = yield* listen({ path });
        const sending = yield* spawn(function* () {
          const out = yield* remoteSender<string>(yield* connect({ path }), { codec: text });
          yield* out.send("hello");
          yield* out.finish();
        });
        const input = yield* remoteReceiver<string>(yield* server.accept(), { codec: text });
        const got: string[] = [];
        yield* consumeEach(input, (s) => void got.push(s));
        yield* sending;
        return got;
      });
      assert.deepEqual(got, ["HELLO"]);
    });
  });

  test("a Uint8Array sent by structured clone to an end with a codec of its own fails the link with a PeerLost naming the mismatch", async () => {
    await withSocketPath(async (path) => {
      const text: Codec<string> = { encode: (s) => Buffer.from(s), decode: (b) => Buffer.from(b).toString() };
      const result = await run(function* () {
        const server = yield* listen({ path });
        const sending = yield* spawn(function* () {
          const out = yield* remoteSender<Uint8Array>(yield* connect({ path })); // structured clone
          yield* out.send(new Uint8Array([1]));
          yield* out.finish();
        });
        const input = yield* remoteReceiver<string>(yield* server.accept(), { codec: text });
        const result = yield* input.receiveCatching();
        yield* sending.cancel();
        return result;
      });
      assert.equal(result.ok, false);
      const cause = (result as { cause?: unknown }).cause;
      assert.ok(cause instanceof PeerLost, `cause: ${String(cause)}`);
      assert.match(cause.message, /sent a Uint8Array by structured clone, but this end decodes with a codec of its own/);
    });
  });

  test("over strand/io Sockets, megabytes go through: the bridge reads the Socket's own stream, nothing is read twice", { timeout: 30_000 }, async () => {
    // A Socket already reads its stream for socket.read(); a second reader on the same
    // stream got every chunk twice, and the unread copies paused the stream at its
    // high-water mark (16 KiB on Node 20): the link stalled after a few elements.
    await withSocketPath(async (path) => {
      const size = 64 * 1024;
      const got = await run(function* () {
        const server = yield* listen({ path });
        const sending = yield* spawn(function* () {
          const out = yield* remoteSender<Uint8Array>(yield* connect({ path }));
          for (let i = 0; i < 64; i++) yield* out.send(new Uint8Array(size).fill(i));
          yield* out.finish();
        });
        const input = yield* remoteReceiver<Uint8Array>(yield* server.accept(), { capacity: 4 });
        const got: number[] = [];
        yield* consumeEach(input, (bytes) => void got.push(bytes.length === size && bytes.every((b) => b === bytes[0]) ? bytes[0]! : -1));
        yield* sending;
        return got;
      });
      assert.deepEqual(got, Array.from({ length: 64 }, (_, i) => i));
    });
  });

  test("byte arrays cross as v8's structured clone has them: a Uint8Array as its bytes, copied when sent; a Buffer and other views as before", async () => {
    await withSocketPath(async (path) => {
      const got = await run(function* () {
        const server = yield* listen({ path });
        const sending = yield* spawn(function* () {
          const out = yield* remoteSender<unknown>(yield* connect({ path }));
          const mutated = new Uint8Array([1, 2, 3]);
          yield* out.send(mutated);
          mutated[0] = 99; // after the send: what crosses is what was sent
          yield* out.send(new Uint8Array([0, 5, 6, 7, 0]).subarray(1, 4)); // a view at an offset: its own bytes only
          yield* out.send(new Uint8Array(0));
          yield* out.send(Buffer.from([8, 9]));
          yield* out.send(new Uint16Array([1000, 2000]));
          yield* out.send({ inside: new Uint8Array([4]) });
          yield* out.finish();
        });
        const input = yield* remoteReceiver<unknown>(yield* server.accept(), { capacity: 2 });
        const got: unknown[] = [];
        yield* consumeEach(input, (value) => void got.push(value));
        yield* sending;
        return got;
      });
      const described = got.map((value) => (ArrayBuffer.isView(value) ? [value.constructor.name, [...(value as Uint8Array)]] : value));
      const expected = [new Uint8Array([1, 2, 3]), new Uint8Array([5, 6, 7]), new Uint8Array(0), Buffer.from([8, 9]), new Uint16Array([1000, 2000]), { inside: new Uint8Array([4]) }];
      const cloned = expected.map((value) => v8.deserialize(v8.serialize(value)) as unknown); // what the codec gave before
      assert.deepEqual(described, cloned.map((value) => (ArrayBuffer.isView(value) ? [value.constructor.name, [...(value as Uint8Array)]] : value)));
    });
  });

  test("large byte arrays of many sizes arrive as they were sent, each overwritten by the sender once sent (frames from reused memory)", async () => {
    // Large frames are written from pooled memory: memory taken again before the
    // stream had written its frame would show here as another element's bytes.
    const sizes = [300_000, 200_000, 150_000, 128 * 1024, 100_000, 70_000, 64 * 1024 + 1, 64 * 1024, 40_000, 20_000, 16 * 1024]; // each about the one before: its memory, once free, fits
    const count = 240;
    const byteOf = (index: number, at: number) => (index * 31 + at * 7) & 255;
    await withSocketPath(async (path) => {
      const bad = await run(function* () {
        const server = yield* listen({ path });
        const sending = yield* spawn(function* () {
          const out = yield* remoteSender<Uint8Array>(yield* connect({ path }));
          for (let index = 0; index < count; index++) {
            const bytes = new Uint8Array(sizes[index % sizes.length]!);
            for (let at = 0; at < bytes.length; at++) bytes[at] = byteOf(index, at);
            yield* out.send(bytes);
            bytes.fill(0); // after the send: what crosses is what was sent
          }
          yield* out.finish();
        });
        const input = yield* remoteReceiver<Uint8Array>(yield* server.accept(), { capacity: 8 });
        const bad: string[] = [];
        let index = 0;
        yield* consumeEach(input, (bytes) => {
          const size = sizes[index % sizes.length]!;
          if (bytes.length !== size) bad.push(`element ${index}: ${bytes.length} bytes, not ${size}`);
          else for (let at = 0; at < size; at++) if (bytes[at] !== byteOf(index, at)) { bad.push(`element ${index}: byte ${at} is ${bytes[at]}, not ${byteOf(index, at)}`); break; }
          index++;
        });
        yield* sending;
        if (index !== count) bad.push(`${index} elements, not ${count}`);
        return bad;
      });
      assert.deepEqual(bad, []);
    });
  });

  test("a value structured clone cannot encode fails its send with the serializer's error, in the sender's task; the link goes on; a send run twice sends twice", async () => {
    await withSocketPath(async (path) => {
      const { failure, got } = await run(function* () {
        const server = yield* listen({ path });
        const sending = yield* spawn(function* () {
          const out = yield* remoteSender<unknown>(yield* connect({ path }));
          let failure: unknown;
          try {
            yield* out.send({ call: () => 1 });
          } catch (error) {
            failure = error;
          }
          const twice = out.send(new Uint8Array(20_000).fill(3)); // large: a frame from the pool, each run its own
          yield* twice;
          yield* twice;
          yield* out.send("after");
          yield* out.finish();
          return failure;
        });
        const input = yield* remoteReceiver<unknown>(yield* server.accept());
        const got: unknown[] = [];
        yield* consumeEach(input, (value) => void got.push(value instanceof Uint8Array ? `${value.length} × ${value[0]}` : value));
        return { failure: yield* sending, got };
      });
      assert.match(String(failure), /could not be cloned/);
      assert.deepEqual(got, ["20000 × 3", "20000 × 3", "after"]);
    });
  });

  test("a large frame goes to the stream at once, not held corked until the run loop returns to the host", async () => {
    // Held to the end of the tick (the end of the whole drain), the other process would
    // sit idle while this one serializes the next frames.
    const credit = new PassThrough();
    credit.write(countFrame(CREDIT, 4)); // the receiving end's room; it stays open
    const written: number[] = [];
    const writable = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.length);
        done();
      },
    });
    const big = new Uint8Array(64 * 1024).fill(7);
    const seen = await run(function* () {
      const out = yield* remoteSender<Uint8Array>({ readable: credit, writable });
      yield* out.send(new Uint8Array(8)); // taken once the credit is in; its small frame is corked to the end of the tick
      yield* call(() => new Promise((resolve) => setImmediate(resolve))); // a turn of the host: it is written
      assert.deepEqual(written, [elementFrame(new Uint8Array(8)).length]);
      let seen: number[] = [];
      const checked = new Promise<void>((resolve) => process.nextTick(() => resolve(void (seen = [...written])))); // before any nextTick the send schedules
      yield* out.send(big);
      yield* call(() => checked);
      return seen;
    });
    assert.equal(seen.length, 2, "the large frame reached the stream within the drain that wrote it");
    assert.equal(seen[1], elementFrame(big).length);
  });

  test("bad arguments are TypeErrors naming the argument", () => {
    assert.throws(() => remoteSender({} as never), /remoteSender\(transport, options\): transport must be a Duplex stream/);
    assert.throws(() => remoteReceiver(process.stdin, { capacity: 0 }), /options\.capacity must be an integer ≥ 1/);
    assert.throws(() => remoteReceiver(process.stdin, { codec: {} as never }), /options\.codec must be \{ encode\(value\), decode\(bytes\) \}/);
  });
});

