// The wire format: frames survive any split of the byte stream into chunks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { seededRandom } from "../../src/testing/index.js";
import { DATA, FrameReader, causeFrame, CLOSE, countFrame, ACK, dataFrames, readCause, readCount, type Frame } from "../../src/ipc/frames.js";

test("frames survive every way of splitting the stream (seeded; the seed is printed)", () => {
  const seed = Date.now() % 1_000_000;
  console.log(`frames split test seed: ${seed}`);
  const random = seededRandom(seed);
  for (let round = 0; round < 200; round++) {
    const payloads = Array.from({ length: 1 + Math.floor(random() * 6) }, () => {
      const bytes = new Uint8Array(Math.floor(random() * (random() < 0.2 ? 70_000 : 40)));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      return bytes;
    });
    const stream = Buffer.concat([dataFrames(payloads), countFrame(ACK, 7), causeFrame(CLOSE, new Error("bye"))]);
    const reader = new FrameReader();
    const frames: Frame[] = [];
    for (let at = 0; at < stream.length; ) {
      const size = 1 + Math.floor(random() * (random() < 0.5 ? 8 : 20_000));
      reader.push(Buffer.from(stream.subarray(at, at + size)), frames);
      at += size;
    }
    assert.equal(reader.partial, false, `seed ${seed}`);
    assert.equal(frames.length, payloads.length + 2, `seed ${seed}`);
    payloads.forEach((payload, i) => {
      assert.equal(frames[i]!.kind, DATA);
      assert.ok(Buffer.from(payload).equals(frames[i]!.payload), `seed ${seed}, round ${round}, frame ${i}`);
    });
    assert.equal(readCount(frames.at(-2)!.payload), 7);
    assert.equal((readCause(frames.at(-1)!.payload) as Error).message, "bye");
  }
});

test("a frame longer than the limit is refused: the other end is not speaking this protocol", () => {
  const reader = new FrameReader();
  assert.throws(() => reader.push(Buffer.from("GET / HTTP/1.1\r\n"), []), /larger than the limit/);
});
