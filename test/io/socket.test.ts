// TCP and Unix sockets: echo, select over sockets, deadlines, back-pressure,
// and nothing left open when a task ends, however it ends.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { run, spawn, select, onTimeout, onDefault, TimeoutError, type Operation } from "../../src/index.js";
import { listen, connect, adopt, startConnect, HandleClosed, type Server, type Socket } from "../../src/io/index.js";
import { assertNothingLeftOpen, openNow, tempDir } from "./helpers.js";

/** Echoes every connection of `server` in a task of its own, until cancelled. */
function* echo(server: Server): Operation<void> {
  for (;;) {
    const conn = yield* server.accept();
    yield* spawn(function* () {
      yield* adopt(conn);
      for (let chunk; (chunk = yield* conn.read()) !== null; ) yield* conn.write(chunk);
      yield* conn.end();
    });
  }
}

/** Reads until the peer ends, as one string. */
function* readAll(socket: Socket): Operation<string> {
  let text = "";
  for (let chunk; (chunk = yield* socket.read()) !== null; ) text += chunk.toString();
  return text;
}

describe("sockets", () => {
  test("echo over TCP: a client writes, ends its side, and reads back everything", async () => {
    const before = await openNow();
    const text = await run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      const echoing = yield* spawn(() => echo(server));
      const socket = yield* connect({ port: server.port });
      for (let i = 0; i < 100; i++) yield* socket.write(`line ${i}\n`);
      yield* socket.end();
      const text = yield* readAll(socket);
      yield* echoing.cancel();
      return text;
    });
    assert.equal(text, Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(""));
    await assertNothingLeftOpen(before);
  });

  test("echo over a Unix socket", async () => {
    const temp = tempDir();
    try {
      const before = await openNow();
      const text = await run(function* () {
        const server = yield* listen({ path: join(temp.dir, "echo.sock") });
        const echoing = yield* spawn(() => echo(server));
        const socket = yield* connect({ path: join(temp.dir, "echo.sock") });
        yield* socket.write("over unix");
        yield* socket.end();
        const text = yield* readAll(socket);
        yield* echoing.cancel();
        return text;
      });
      await assertNothingLeftOpen(before);
      assert.equal(text, "over unix");
    } finally {
      temp.remove();
    }
  });

  test("cancelled while accepting, reading and connecting: every socket and the server are closed", async () => {
    const before = await openNow();
    const task = run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      yield* spawn(() => echo(server)); // accepted sockets belong to their handlers
      const a = yield* connect({ port: server.port });
      const b = yield* connect({ port: server.port });
      yield* a.write("x");
      yield* a.read();
      yield* spawn(() => b.read()); // parked in a read
      const pending = startConnect({ port: server.port });
      yield* pending;
      yield* server.accept(); // parked in an accept that never comes
    });
    // Cancel once it is parked: wait for the real events (the three connections were accepted).
    await waitUntil(() => currentResources().filter((kind) => kind === "TCPSocketWrap").length >= 6);
    await task.cancel();
    await assertNothingLeftOpen(before);
  });

  test("select reads from whichever of two sockets has data; the other read takes nothing", async () => {
    const result = await run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      const echoing = yield* spawn(() => echo(server));
      const a = yield* connect({ port: server.port });
      const b = yield* connect({ port: server.port });
      yield* b.write("from b");
      const first = yield* select(
        a.onRead((chunk) => `a: ${chunk}`),
        b.onRead((chunk) => `b: ${chunk}`),
      );
      yield* a.write("from a");
      const second = yield* select(
        a.onRead((chunk) => `a: ${chunk}`),
        b.onRead((chunk) => `b: ${chunk}`),
      );
      yield* echoing.cancel();
      return [first, second];
    });
    assert.deepEqual(result, ["b: from b", "a: from a"]);
  });

  test("accept or time out: with no client, the timeout wins and the server is still usable", async () => {
    const result = await run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      const first = yield* select(
        server.onAccept(() => "accepted"),
        onTimeout(5, () => "timed out"),
      );
      const client = startConnect({ port: server.port });
      const second = yield* select(
        server.onAccept(() => "accepted"),
        onTimeout(60_000, () => "timed out"),
      );
      yield* client;
      return [first, second];
    });
    assert.deepEqual(result, ["timed out", "accepted"]);
  });

  test("a read past its deadline throws TimeoutError and takes nothing: the next read gets the data", async () => {
    const result = await run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      const client = yield* connect({ port: server.port });
      const conn = yield* server.accept();
      const error = yield* catching(conn.read({ timeout: 5 }));
      yield* client.write("late");
      const chunk = yield* conn.read({ timeout: 60_000 });
      return [error instanceof TimeoutError, String(chunk)];
    });
    assert.deepEqual(result, [true, "late"]);
  });

  test("a task woken by a socket's data runs within the data event: its reply is written before the event's later listeners run", async () => {
    const seen = await run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      const client = yield* connect({ port: server.port });
      const conn = yield* server.accept();
      const echoed: string[] = [];
      // A listener added after the Socket's own: when it runs, the reading task has already taken the chunk and echoed it.
      const atEvent: number[] = [];
      conn.raw.on("data", () => atEvent.push(echoed.length));
      const echoing = yield* spawn(function* () {
        for (let chunk; (chunk = yield* conn.read()) !== null; ) {
          echoed.push(String(chunk));
          yield* conn.write(chunk);
        }
      });
      let back = "";
      for (const word of ["one", "two", "three"]) {
        yield* client.write(word);
        back += String(yield* client.read());
      }
      yield* echoing.cancel();
      return { echoed, atEvent, back };
    });
    assert.equal(seen.back, "onetwothree");
    assert.deepEqual(seen.echoed, ["one", "two", "three"]);
    assert.deepEqual(seen.atEvent, [1, 2, 3]);
  });

  test("back-pressure: writes to a peer that does not read stop being taken, and resume once it reads", async () => {
    const result = await run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      const client = yield* connect({ port: server.port });
      const conn = yield* server.accept();
      const block = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      // Offer writes without waiting until the socket takes no more.
      for (;;) {
        const taken = yield* select(client.onWrite(block, () => true), onDefault(() => false));
        if (!taken) break;
        written += block.length;
        assert.ok(written < 1024 * 1024 * 1024, "the socket never pushed back");
      }
      // A blocked write completes once the peer reads.
      const writer = yield* spawn(() => client.write(block));
      let read = 0;
      while (read < written + block.length) read += (yield* conn.read())!.length;
      yield* writer;
      return read === written + block.length;
    });
    assert.equal(result, true);
  });

  test("operations on a closed socket throw HandleClosed; closing twice does nothing more", async () => {
    const result = await run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      const client = yield* connect({ port: server.port });
      yield* client.close();
      yield* client.close();
      const errors = [yield* catching(client.read()), yield* catching(client.write("x"))];
      return errors.map((error) => error instanceof HandleClosed);
    });
    assert.deepEqual(result, [true, true]);
  });

  test("connecting to a port nobody listens on fails with the OS's error, leaving nothing open", async () => {
    const before = await openNow();
    const port = await run(function* () {
      const server = yield* listen({ port: 0, host: "127.0.0.1" });
      const port = server.port;
      yield* server.close();
      return port;
    });
    await assert.rejects(
      Promise.resolve(run(() => connect({ port }))),
      (error: NodeJS.ErrnoException) => error.code === "ECONNREFUSED",
    );
    await assertNothingLeftOpen(before);
  });

  test("bad arguments are TypeErrors naming the argument", async () => {
    assert.throws(() => listen({ port: -1 }), /options\.port must be an integer/);
    assert.throws(() => listen(null as never), /options must be an object/);
    assert.throws(() => connect({ path: "" }), /options\.path must be a non-empty string/);
    assert.throws(() => connect({ port: 1 }, { timeout: -1 }), /options\.timeout must be a number of milliseconds/);
    await assert.rejects(
      Promise.resolve(run(function* () {
        const server = yield* listen({ port: 0, host: "127.0.0.1" });
        const client = yield* connect({ port: server.port });
        yield* client.write(42 as never);
      })),
      /socket\.write\(data\): data must be a string or a Uint8Array/,
    );
  });
});

function* catching(operation: Operation<unknown>): Operation<unknown> {
  try {
    yield* operation;
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Polls a condition on the event loop (for state outside the runtime: the OS's sockets). */
function currentResources(): string[] {
  return process.getActiveResourcesInfo();
}

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
