// The wire format: frames survive any split of the byte stream into chunks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { seededRandom } from "../../src/testing/index.js";
import * as v8 from "node:v8";
import { BYTES, DATA, FrameReader, causeFrame, CLOSE, countFrame, ACK, dataFrames, dataHeader, elementFrame, joinFrames, readBytes, readCause, readCount, structuredFrame, whenWritten, type Frame } from "../../src/ipc/frames.js";

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

test("frames split in two at every byte boundary, and fed one byte at a time, come out whole", () => {
  const big = new Uint8Array(3_000).map((_, i) => (i * 31) & 0xff);
  const small = [structuredFrame(2), structuredFrame("x")];
  const pieces = [structuredFrame({ n: 1, text: "hello" }), dataHeader(big.length), big, structuredFrame(new Uint8Array(0)), countFrame(ACK, 3), joinFrames(small, small[0]!.length + small[1]!.length)];
  const stream = Buffer.concat(pieces);
  const check = (frames: Frame[], how: string) => {
    assert.equal(frames.length, 6, how);
    assert.deepEqual(v8.deserialize(frames[0]!.payload), { n: 1, text: "hello" }, how);
    assert.equal(frames[1]!.kind, DATA, how);
    assert.ok(Buffer.from(big).equals(frames[1]!.payload), how);
    assert.deepEqual(v8.deserialize(frames[2]!.payload), new Uint8Array(0), how);
    assert.equal(readCount(frames[3]!.payload), 3, how);
    assert.equal(v8.deserialize(frames[4]!.payload), 2, how);
    assert.equal(v8.deserialize(frames[5]!.payload), "x", how);
  };
  for (let cut = 0; cut <= stream.length; cut++) {
    const reader = new FrameReader();
    const frames: Frame[] = [];
    reader.push(Buffer.from(stream.subarray(0, cut)), frames);
    reader.push(Buffer.from(stream.subarray(cut)), frames);
    assert.equal(reader.partial, false, `cut at ${cut}`);
    check(frames, `cut at ${cut}`);
  }
  const reader = new FrameReader();
  const frames: Frame[] = [];
  for (let at = 0; at < stream.length; at++) reader.push(Buffer.from(stream.subarray(at, at + 1)), frames);
  assert.equal(reader.partial, false);
  check(frames, "one byte at a time");
});

test("a structured frame is the header followed by what v8.serialize writes", () => {
  const value = { list: [1, 2, 3], bytes: new Uint8Array([9, 8, 7]) };
  const frame = structuredFrame(value);
  const payload = v8.serialize(value);
  assert.equal(frame.readUInt32BE(0), payload.length);
  assert.equal(frame[4], DATA);
  assert.ok(frame.subarray(5).equals(payload));
});

test("a plain Uint8Array is a BYTES frame of its bytes; a Buffer, another view or an object is a structured frame", () => {
  const bytes = new Uint8Array([0, 9, 8, 7, 0]).subarray(1, 4);
  const frame = elementFrame(bytes);
  assert.equal(frame.readUInt32BE(0), 3);
  assert.equal(frame[4], BYTES);
  assert.deepEqual([...frame.subarray(5)], [9, 8, 7]);
  assert.deepEqual(readBytes(frame.subarray(5)), new Uint8Array([9, 8, 7]));
  for (const value of [Buffer.from([1]), new Uint16Array([1]), { bytes }]) {
    assert.ok(elementFrame(value).equals(structuredFrame(value)), `${Object.prototype.toString.call(value)}`);
  }
});

test("a large Uint8Array's frame, asked for pooled, is reused memory, taken again only after its write has completed", () => {
  const filled = (size: number, byte: number) => new Uint8Array(size).fill(byte);
  const first = elementFrame(filled(64 * 1024, 1), true);
  const second = elementFrame(filled(64 * 1024, 2), true); // the first is not written yet: other memory
  assert.notEqual(second.buffer, first.buffer);
  const written = whenWritten(first);
  assert.equal(typeof written, "function");
  written!();
  assert.equal(whenWritten(first), undefined, "a frame goes back to the pool once");
  const third = elementFrame(filled(60 * 1024, 3), true); // about the same size: the first frame's memory, now its bytes
  assert.equal(third.buffer, first.buffer);
  assert.equal(third.readUInt32BE(0), 60 * 1024);
  assert.equal(third[4], BYTES);
  assert.ok(third.subarray(5).every((byte) => byte === 3));
  assert.equal(third.length, 5 + 60 * 1024);
  whenWritten(third)!();
  const small = elementFrame(filled(16 * 1024, 4), true); // a quarter of the spare: fresh memory, the spare is dropped
  assert.notEqual(small.buffer, first.buffer);
  assert.equal(whenWritten(elementFrame(filled(100, 5), true)), undefined, "small frames are not pooled");
  assert.equal(whenWritten(elementFrame({ big: filled(64 * 1024, 6) }, true)), undefined, "nor structured ones");
  assert.equal(whenWritten(elementFrame(filled(64 * 1024, 7))), undefined, "nor frames not asked to be");
  const twice = whenWritten(second)!;
  twice();
  twice(); // a callback run twice gives the memory back once
  assert.notEqual(elementFrame(filled(64 * 1024, 8), true).buffer, elementFrame(filled(64 * 1024, 9), true).buffer);
  whenWritten(small)!();
});
