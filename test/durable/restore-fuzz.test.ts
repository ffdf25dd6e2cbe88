/**
 * restoreCoroutine on hostile bytes: truncated, bit-flipped and random inputs
 * derived from a real snapshot (frames, closures, class instances, shared
 * objects) give a SnapshotError and nothing else — no other exception, no hang,
 * and no code of the program runs while decoding. 10⁵ inputs with a fixed seed
 * (printed on failure); STRAND_STRESS=1 runs ten times as many.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadBoth } from "./differential.js";
import { seededRandom } from "../../src/testing/index.js";
import { Coroutine } from "../../src/coroutine.js";
import { restore, restoreCoroutine, snapshot, snapshotCoroutine, SnapshotError } from "../../src/durable/index.js";
import { crc32 } from "../../src/durable/checksum.js";
import { runTest } from "../../src/testing/index.js";
import { spawn, sleep } from "../../src/index.js";
import { pathToFileURL, fileURLToPath } from "node:url";

const SEED = 20261127;
const COUNT = process.env.STRAND_STRESS === "1" ? 1_000_000 : 100_000;

describe("restoreCoroutine on corrupted input", () => {
  it(`gives only SnapshotError for ${COUNT} truncated, bit-flipped and random inputs (seed ${SEED})`, async () => {
    const { compiled } = await loadBoth(`"use durable";
      export const calls = { n: 0 };
      export class Point { constructor(x, y) { calls.n++; this.x = x; this.y = y; } get sum() { calls.n++; return this.x + this.y; } }
      function* inner(points) { const shared = { points }; for (const p of points) { const got = yield p; shared.last = got; } return shared; }
      export function* main() {
        const points = [new Point(1, 2), new Point(3, 4)];
        let total = 0n;
        const add = (n) => { calls.n++; total += BigInt(n); return total; };
        const result = yield* inner([...points, points[0]]);
        add(yield [result, add, new Date(0), new Map([[points[0], "a"]]), /re/g, -0]);
        return total;
      }`);
    const calls = compiled.calls as { n: number };
    const c = new Coroutine(compiled.main as () => Generator<unknown, unknown, unknown>);
    c.next();
    c.send(5);
    const valid = snapshotCoroutine(c as Coroutine<unknown, unknown, unknown>);
    assert.ok(restoreCoroutine(valid) instanceof Coroutine);
    const before = calls.n;

    const random = seededRandom(SEED);
    const int = (n: number): number => Math.floor(random() * n);
    let accepted = 0;
    for (let i = 0; i < COUNT; i++) {
      let input: Uint8Array;
      const kind = i % 4;
      if (kind === 0) input = valid.subarray(0, int(valid.length));
      else if (kind === 1) {
        input = valid.slice();
        for (let flips = 1 + int(3); flips > 0; flips--) input[int(input.length)]! ^= 1 << int(8);
      } else if (kind === 2) {
        input = valid.slice();
        for (let bytes = 1 + int(4); bytes > 0; bytes--) input[int(input.length)] = int(256);
      } else {
        input = new Uint8Array(int(2 * valid.length));
        for (let j = 0; j < input.length; j++) input[j] = int(256);
      }
      try {
        restoreCoroutine(input);
        accepted++; // a mutation that left the bytes valid (e.g. a flip undone by another)
      } catch (error) {
        if (!(error instanceof SnapshotError)) {
          assert.fail(`seed ${SEED}, input ${i} (kind ${kind}): ${String(error)}\n${(error as Error).stack}`);
        }
      }
    }
    assert.equal(calls.n, before, "no code of the program ran while decoding");
    assert.ok(accepted < COUNT / 1000, `${accepted} corrupted inputs were accepted`);
  });
});

describe("restore(bytes) of a task tree on corrupted input", () => {
  // The checksum refuses flipped bits before decoding (above); here the body is
  // altered and the checksum recomputed, so the decoder, the core's revivers and
  // restore's checks meet malformed trees: they may accept one (the bytes are then
  // a valid tree, whatever it does next), or refuse it with SnapshotError, nothing
  // else — and a resume point the code does not have is an error, not a hang.
  const TREES = process.env.STRAND_STRESS === "1" ? 20_000 : 2_000;
  it(`gives only SnapshotError for ${TREES} altered task-tree snapshots with fixed checksums (seed ${SEED})`, async () => {
    const strand = pathToFileURL(fileURLToPath(new URL("../../src/index.ts", import.meta.url))).href;
    const { compiled } = await loadBoth(`"use durable";
      import { channel, spawn, sleep, selectBiased, onTimeout } from ${JSON.stringify(strand)};
      function* produce(out, n) { for (let i = 0; i < n; i++) { yield* out.send({ i, tag: "x" + i }); yield* sleep(3); } out.close(); }
      export function* tree() {
        const ch = channel(2);
        yield* spawn(() => produce(ch, 6), { name: "producer" });
        const got = [];
        for (;;) {
          const next = yield* selectBiased(ch.onReceiveCatching(), onTimeout(2, () => null));
          if (next === null) continue;
          if (!next.ok) return got;
          got.push(next.value.i);
        }
      }`);
    let valid!: Uint8Array;
    await runTest(function* () {
      const task = yield* spawn(compiled.tree as never, { name: "tree" });
      yield* sleep(7);
      valid = yield* snapshot(task);
      yield* task.cancel();
    });
    const random = seededRandom(SEED);
    const int = (n: number): number => Math.floor(random() * n);
    let accepted = 0;
    for (let i = 0; i < TREES; i++) {
      const input = valid.slice();
      for (let bytes = 1 + int(4); bytes > 0; bytes--) input[Math.floor(input.length / 4) + int(input.length - 4 - Math.floor(input.length / 4))] = int(256);
      new DataView(input.buffer).setUint32(input.length - 4, crc32(input, 0, input.length - 4), true);
      let restored = false;
      try {
        await runTest(function* () {
          const task = yield* restore(input);
          restored = true;
          try {
            yield* task.cancel();
          } catch {
            // An accepted tree's teardown ran its (altered) code: whatever it threw is that code's.
          }
        });
      } catch (error) {
        if (!restored && !(error instanceof SnapshotError)) assert.fail(`seed ${SEED}, input ${i}: restore threw ${String(error)}\n${(error as Error).stack}`);
      }
      if (restored) accepted++;
    }
    assert.ok(accepted < TREES, "some altered snapshots were refused");
  });
});
