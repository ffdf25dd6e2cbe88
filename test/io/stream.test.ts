// Node streams ↔ channels, both with back-pressure.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough, Readable, Writable } from "node:stream";
import { call, run, spawn, consumeEach, ChannelClosed } from "../../src/index.js";
import { ReadableSource } from "../../src/io/stream.js";
import { fromReadable, toWritable } from "../../src/io/index.js";
import { loopTurn } from "./helpers.js";

/** A Readable of `count` numbered chunks that records how many it was asked for. */
function counting(count: number): { stream: Readable; pulled: () => number } {
  let next = 0;
  const stream = new Readable({
    objectMode: true,
    highWaterMark: 2,
    read() {
      this.push(next < count ? next++ : null);
    },
  });
  return { stream, pulled: () => next };
}

describe("streams and channels", () => {
  test("a chunk handed to a parked read whose task is cancelled before it runs is read next: nothing is lost", async () => {
    const read = await run(function* () {
      const stream = new PassThrough();
      const source = new ReadableSource<Buffer>(stream, "a pass-through");
      const taken: string[] = [];
      const reader = yield* spawn(function* () {
        for (let chunk; (chunk = yield* source.read("read()")) !== null; ) taken.push(String(chunk));
      });
      yield* call(() => Promise.resolve()); // the reader has parked on its read
      stream.write("a"); // 'data' at once: handed to the parked read, whose task has not run yet…
      yield* reader.cancel(); // …and is cancelled now: the chunk goes back to the source
      stream.write("b");
      stream.end();
      const rest: string[] = [];
      for (let chunk; (chunk = yield* source.read("read()")) !== null; ) rest.push(String(chunk));
      return { taken, rest };
    });
    assert.deepEqual(read, { taken: [], rest: ["a", "b"] });
  });

  test("fromReadable: every chunk in order, then closed", async () => {
    const { stream } = counting(100);
    const got = await run(function* () {
      const chunks = yield* fromReadable<number>(stream);
      const got: number[] = [];
      yield* consumeEach(chunks, (n) => void got.push(n));
      return got;
    });
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(stream.destroyed, true);
  });

  test("fromReadable: back-pressure: a receiver that stops stops the reading (the stream's buffer plus the channel's)", async () => {
    const { stream, pulled } = counting(1_000_000);
    const result = await run(function* () {
      const chunks = yield* fromReadable<number>(stream, { capacity: 3 });
      yield* chunks.receive();
      // The pump runs until the channel is full and its send waits.
      while (chunks.stats().waitingSenders === 0) yield* call(loopTurn);
      const then = pulled();
      for (let turn = 0; turn < 20; turn++) yield* call(loopTurn); // the reading has stopped: nothing more is pulled
      return { pulled: pulled(), then, buffered: chunks.stats().buffered };
    });
    assert.equal(result.buffered, 3);
    assert.equal(result.pulled, result.then);
    // 1 received + 3 buffered + 1 in the waiting send + the source's queue and the stream's buffer (highWaterMark 2 each) + 1 being pushed.
    assert.ok(result.pulled <= 1 + 3 + 1 + 2 + 2 + 1, `pulled ${result.pulled}`);
  });

  test("fromReadable: the stream's error closes the channel with it as the cause", async () => {
    const stream = new Readable({
      read() {
        this.destroy(new Error("disk on fire"));
      },
    });
    const error = await run(function* () {
      const chunks = yield* fromReadable(stream);
      try {
        yield* chunks.receive();
      } catch (error) {
        return error;
      }
    });
    assert.ok(error instanceof ChannelClosed);
    assert.equal((error.cause as Error).message, "disk on fire");
  });

  test("fromReadable: the owner ending destroys the stream", async () => {
    const { stream } = counting(1_000_000);
    await run(function* () {
      const chunks = yield* fromReadable<number>(stream);
      yield* chunks.receive();
    });
    assert.equal(stream.destroyed, true);
  });

  test("toWritable: every element written in order; finish() waits for the stream to end", async () => {
    const written: string[] = [];
    let finished = false;
    const stream = new Writable({
      highWaterMark: 4,
      write(chunk, _encoding, done) {
        written.push(String(chunk));
        setImmediate(done); // a slow disk
      },
      final(done) {
        finished = true;
        done();
      },
    });
    await run(function* () {
      const out = yield* toWritable<string>(stream);
      for (let i = 0; i < 50; i++) yield* out.send(`${i};`);
      yield* out.finish();
      assert.equal(finished, true);
    });
    assert.equal(written.join(""), Array.from({ length: 50 }, (_, i) => `${i};`).join(""));
  });

  test("toWritable: back-pressure: with the stream stalled, sends stop being taken", async () => {
    const pending: Array<() => void> = [];
    const stream = new Writable({
      highWaterMark: 2,
      write(_chunk, _encoding, done) {
        pending.push(done); // never completes until released
      },
    });
    const result = await run(function* () {
      const out = yield* toWritable<string>(stream, { capacity: 2 });
      let accepted = 0;
      // Offer elements for a hundred turns of the event loop: without back-pressure, they would all be taken.
      for (let turn = 0; turn < 100; turn++) {
        while (out.trySend("x").ok) accepted++;
        yield* call(loopTurn);
      }
      return { accepted, buffered: out.stats().buffered };
    });
    // 2 in the channel, 1 in the pump's waiting write, 2 in the stream (its highWaterMark).
    assert.equal(result.accepted, 5);
    assert.equal(result.buffered, 2);
    for (const done of pending) done();
  });

  test("toWritable: a write error cancels the channel with it as the cause, and finish() throws it", async () => {
    const stream = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error("disk full"));
      },
    });
    const result = await run(function* () {
      const out = yield* toWritable<string>(stream);
      yield* out.send("a");
      let sendError: unknown;
      try {
        for (;;) yield* out.send("b");
      } catch (error) {
        sendError = error;
      }
      try {
        yield* out.finish();
      } catch (error) {
        return [sendError, error];
      }
    });
    assert.ok(result![0] instanceof ChannelClosed);
    assert.equal((result![1] as Error).message, "disk full");
  });

  test("bad arguments are TypeErrors", () => {
    assert.throws(() => fromReadable({} as never), /fromReadable\(readable, options\): readable must be a Node Readable stream/);
    assert.throws(() => toWritable(new Readable() as never), /toWritable\(writable, options\): writable must be a Node Writable stream/);
  });
});

