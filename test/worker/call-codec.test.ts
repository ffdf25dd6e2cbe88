// The inject queue's codec: every call arrives as structured clone would deliver it, through a real shared channel.
// A failure prints the fast-check seed; rerun with STRAND_CALL_CODEC_SEED=<seed>.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { callCodec } from "../../src/worker/call-codec.js";
import { sharedChannel } from "../../src/worker/index.js";
import type { Injected } from "../../src/worker/protocol.js";

const seed = Number(process.env.STRAND_CALL_CODEC_SEED ?? 0xca11);

/** `call` sent and received through a shared channel with the codec (so decode reads shared memory). */
function roundTrip(call: Injected): Injected {
  const ch = sharedChannel<Injected>(4, { codec: callCodec, bytes: 1 << 20 });
  assert.deepEqual(ch.trySend(call), { ok: true });
  const received = ch.tryReceive();
  assert.ok(received.ok);
  return received.value;
}

const primitive = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2),
  fc.string({ unit: "binary", maxLength: 300 }), // lone surrogates too; some past the field-by-field limit
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const cloned = fc.oneof(fc.object(), fc.date(), fc.bigInt(), fc.uint8Array({ maxLength: 20 }), fc.array(fc.integer()));
const calls = fc.record({
  id: fc.oneof(fc.nat(), fc.constant(2 ** 40 + 3)),
  fn: fc.string({ unit: "binary", maxLength: 300 }),
  args: fc.oneof(
    { weight: 4, arbitrary: fc.array(primitive, { maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(fc.oneof(primitive, cloned), { maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(fc.integer(), { minLength: 250, maxLength: 300 }) },
  ),
});

describe("the inject queue's codec", () => {
  test(`a call arrives as structured clone delivers it (fast-check seed ${seed})`, () => {
    fc.assert(
      fc.property(calls, (call) => {
        assert.deepStrictEqual(roundTrip(call), structuredClone(call));
      }),
      { seed, numRuns: 500 },
    );
  });

  test("numbers, short strings, booleans, null and undefined are written field by field; anything else is cloned", () => {
    const fields = (call: Injected) => callCodec.encode(call)[0] === 0;
    assert.equal(fields({ id: 1, fn: "fib", args: [27, -0, "héllo ✓", true, false, null, undefined] }), true);
    assert.equal(fields({ id: 1, fn: "f", args: [{ a: 1 }] }), false);
    assert.equal(fields({ id: 1, fn: "f", args: ["x".repeat(256)] }), false);
    assert.equal(fields({ id: 1, fn: "f".repeat(256), args: [] }), false);
    assert.equal(fields({ id: 1, fn: "f", args: new Array<number>(256).fill(1) }), false);
    // A hole is not undefined (structured clone keeps it): cloned.
    const holey: unknown[] = [1];
    holey[2] = 3;
    assert.equal(fields({ id: 1, fn: "f", args: holey }), false);
    assert.deepStrictEqual(roundTrip({ id: 1, fn: "f", args: holey }), structuredClone({ id: 1, fn: "f", args: holey }));
  });

  test("what structured clone cannot take in shared memory throws as it does (the pool then posts the call to a port)", () => {
    const call = { id: 1, fn: "f", args: [new SharedArrayBuffer(8)] };
    assert.throws(() => callCodec.encode(call), /SharedArrayBuffer/);
    assert.throws(() => callCodec.encode({ id: 1, fn: "f", args: [() => 1] }), /could not be cloned/);
  });

  test("a long call grows the buffer, a large clone passes whole, and a short call after them is still right", () => {
    const long = { id: 7, fn: "big", args: Array.from({ length: 200 }, (_, i) => String.fromCharCode(0x4e00 + i).repeat(200)) };
    assert.equal(callCodec.encode(long)[0], 0); // field by field: about 80 KB, past the buffer's first 512 bytes
    assert.deepStrictEqual(roundTrip(long), long);
    const clone = { id: 8, fn: "bytes", args: [new Uint8Array(100_000).fill(9)] };
    assert.deepStrictEqual(roundTrip(clone), structuredClone(clone));
    assert.deepStrictEqual(roundTrip({ id: 9, fn: "small", args: [1, "two"] }), { id: 9, fn: "small", args: [1, "two"] });
  });
});
