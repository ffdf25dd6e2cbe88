// Files: open/read/write at the handle's position, set-up reads lined up,
// chunks and lines with back-pressure, and descriptors closed however the task ends.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { all, call, run, spawn, select, consumeEach, type Operation } from "../../src/index.js";
import { open, startOpen, chunks, lines, HandleClosed } from "../../src/io/index.js";
import { assertNothingLeftOpen, loopTurn, openNow, tempDir } from "./helpers.js";

describe("files", () => {
  test("write, then read back in chunks of a given size; null at the end", async () => {
    const temp = tempDir();
    try {
      const path = join(temp.dir, "a.txt");
      const before = await openNow();
      const read = await run(function* () {
        const out = yield* open(path, "w");
        yield* out.write("hello, ");
        yield* out.write(Buffer.from("world"));
        yield* out.close();
        const file = yield* open(path);
        const parts: string[] = [];
        for (let chunk; (chunk = yield* file.read(4)) !== null; ) parts.push(chunk.toString());
        return parts;
      });
      assert.deepEqual(read, ["hell", "o, w", "orld"]);
      assert.equal(readFileSync(path, "utf8"), "hello, world");
      await assertNothingLeftOpen(before);
    } finally {
      temp.remove();
    }
  });

  test("set-up reads are lined up and awaited together; they do not move the file's position", async () => {
    const temp = tempDir();
    try {
      const path = join(temp.dir, "b.bin");
      writeFileSync(path, "0123456789");
      const result = await run(function* () {
        const file = yield* open(path);
        const reads = [file.startRead(3, 0), file.startRead(3, 3), file.startRead(3, 6), file.startRead(3, 9)];
        const got = yield* all(reads);
        const first = yield* select(file.startRead(2, 8).onDone((chunk) => String(chunk)));
        return [got.map(String), file.position, first];
      });
      assert.deepEqual(result, [["012", "345", "678", "9"], 0, "89"]);
    } finally {
      temp.remove();
    }
  });

  test("opening a missing file fails with ENOENT; a bad flag is a TypeError", async () => {
    const temp = tempDir();
    try {
      await assert.rejects(Promise.resolve(run(() => open(join(temp.dir, "missing")))), (error: NodeJS.ErrnoException) => error.code === "ENOENT");
      assert.throws(() => open(join(temp.dir, "x"), "rw"), /flags must be one of/);
      assert.throws(() => open(""), /path must be a non-empty string/);
      await assert.rejects(
        Promise.resolve(run(function* () {
          const file = yield* open(join(temp.dir, "y"), "w");
          yield* file.read(0);
        })),
        /file\.read\(size\): size must be a positive integer/,
      );
    } finally {
      temp.remove();
    }
  });

  test("cancelled mid-read and mid-open: every descriptor is closed", async () => {
    const temp = tempDir();
    try {
      const path = join(temp.dir, "c.bin");
      writeFileSync(path, Buffer.alloc(1024 * 1024, 7));
      const before = await openNow();
      const task = run(function* () {
        const files = [];
        for (let i = 0; i < 5; i++) files.push(yield* open(path));
        startOpen(path); // opening while the task ends
        for (const file of files) yield* spawn(() => file.read(512 * 1024));
        yield* spawn(() => open(path));
        yield* spawn(function* () {
          yield* open(path, "r");
          yield* suspendForever();
        });
        yield* suspendForever();
      });
      await new Promise((resolve) => setImmediate(resolve));
      await task.cancel();
      await assertNothingLeftOpen(before);
    } finally {
      temp.remove();
    }
  });

  test("operations on a closed file throw HandleClosed", async () => {
    const temp = tempDir();
    try {
      const error = await run(function* () {
        const file = yield* open(join(temp.dir, "d"), "w");
        yield* file.close();
        try {
          yield* file.write("x");
        } catch (error) {
          return error;
        }
      });
      assert.ok(error instanceof HandleClosed);
    } finally {
      temp.remove();
    }
  });

  test("chunks: the whole file in order", async () => {
    const temp = tempDir();
    try {
      const path = join(temp.dir, "e.bin");
      const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
      writeFileSync(path, data);
      const before = await openNow();
      const parts = await run(function* () {
        const input = yield* chunks(path, { size: 1000, capacity: 3 });
        const parts: Buffer[] = [];
        yield* consumeEach(input, (chunk) => void parts.push(chunk));
        return parts;
      });
      assert.ok(Buffer.concat(parts).equals(data));
      assert.equal(parts.length, 100);
      await assertNothingLeftOpen(before);
    } finally {
      temp.remove();
    }
  });

  test("chunks: back-pressure: a receiver that stops leaves `capacity` chunks buffered and the reader waiting", async () => {
    const temp = tempDir();
    try {
      const path = join(temp.dir, "e2.bin");
      writeFileSync(path, Buffer.alloc(100_000));
      const stats = await run(function* () {
        const input = yield* chunks(path, { size: 1000, capacity: 3 });
        yield* input.receive();
        // The reader runs on until the channel is full and its send waits (or, without back-pressure, to the end).
        while (input.stats().waitingSenders === 0 && !input.isClosedForSend) yield* call(loopTurn);
        return input.stats();
      });
      assert.equal(stats.closed, false, "the reader read the whole file");
      assert.equal(stats.buffered, 3);
      assert.equal(stats.waitingSenders, 1);
      assert.equal(stats.received, 1);
    } finally {
      temp.remove();
    }
  });

  test("chunks: the receiver cancelling stops the reading and closes the file", async () => {
    const temp = tempDir();
    try {
      const path = join(temp.dir, "f.bin");
      writeFileSync(path, Buffer.alloc(1024 * 1024));
      const before = await openNow();
      await run(function* () {
        const input = yield* chunks(path, { size: 1024 });
        yield* input.receive();
        input.cancel();
      });
      await assertNothingLeftOpen(before);
    } finally {
      temp.remove();
    }
  });

  test("lines: \\n and \\r\\n, multi-byte characters split across reads, a last line without a newline", async () => {
    const temp = tempDir();
    try {
      const path = join(temp.dir, "g.txt");
      const text = ["plain", "crlf\r", "", "é".repeat(40_000), "last"].join("\n");
      writeFileSync(path, text);
      const got = await run(function* () {
        const input = yield* lines(path);
        const all: string[] = [];
        yield* consumeEach(input, (line) => void all.push(line));
        return all;
      });
      assert.deepEqual(got, ["plain", "crlf", "", "é".repeat(40_000), "last"]);
      writeFileSync(path, "a\nb\n");
      assert.deepEqual(await run(collectLines(path)), ["a", "b"]);
      writeFileSync(path, "");
      assert.deepEqual(await run(collectLines(path)), []);
    } finally {
      temp.remove();
    }
  });
});

function collectLines(path: string): () => Operation<string[]> {
  return function* () {
    const input = yield* lines(path);
    const all: string[] = [];
    yield* consumeEach(input, (line) => void all.push(line));
    return all;
  };
}

import { suspend } from "../../src/scheduling.js";

function suspendForever(): Operation<never> {
  return suspend() as Operation<never>;
}
