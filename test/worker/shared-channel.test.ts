// sharedChannel: the channel API over shared memory, in one thread and across real worker threads.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChannelClosed, type ChannelStats, onTimeout, run, select, sleep, spawn, timeout, TimeoutError } from "../../src/index.js";
import { attachChannel, createPool, sharedChannel, spawnOn } from "../../src/worker/index.js";
import { element, identify, random } from "./fixtures/model-tasks.js";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);

/** The stats of an open channel nobody waits on, with these counts. */
function openStats(ch: { name: string }, counts: { capacity: number; sent: number; received: number; buffered: number }): ChannelStats {
  return { name: ch.name, ...counts, waitingSenders: 0, waitingReceivers: 0, cancelledWaiters: 0, dropped: 0, undelivered: 0, closed: false, cancelled: false };
}

describe("sharedChannel in one thread", () => {
  test("buffers up to capacity, in order; trySend says full, tryReceive says empty", () => {
    const ch = sharedChannel<number>(3);
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" });
    for (const n of [1, 2, 3]) assert.deepEqual(ch.trySend(n), { ok: true });
    assert.deepEqual(ch.trySend(4), { ok: false, reason: "full" });
    assert.deepEqual([ch.tryReceive(), ch.tryReceive()], [
      { ok: true, value: 1 },
      { ok: true, value: 2 },
    ]);
    assert.deepEqual(ch.trySend(5), { ok: true });
    assert.deepEqual(ch.stats(), openStats(ch, { capacity: 3, sent: 4, received: 2, buffered: 2 }));
  });

  test("elements of every kind arrive equal: small values in place, bytes copied, objects cloned", () => {
    const ch = sharedChannel<unknown>(16);
    const values = [0, -1.5, NaN, Infinity, "", "héllo ✓", true, false, null, undefined, new Uint8Array([1, 2, 3]), { a: [1, { b: "c" }] }, new Map([[1, new Set([2])]]), new Date(5), 2n ** 70n];
    for (const value of values) assert.deepEqual(ch.trySend(value), { ok: true });
    for (const value of values) assert.deepEqual(ch.tryReceive(), { ok: true, value });
  });

  test("the byte budget bounds the buffer too, and an element larger than the slab is refused", () => {
    const ch = sharedChannel<Uint8Array>(100, { bytes: 256 });
    assert.deepEqual(ch.trySend(new Uint8Array(100)), { ok: true });
    assert.deepEqual(ch.trySend(new Uint8Array(100)), { ok: true });
    assert.deepEqual(ch.trySend(new Uint8Array(100)), { ok: false, reason: "full" });
    assert.throws(() => ch.trySend(new Uint8Array(300)), /takes 312 bytes, more than the channel's slab of 256/);
    ch.tryReceive();
    assert.deepEqual(ch.trySend(new Uint8Array(100)), { ok: true }); // wraps around the slab's end
    assert.equal((ch.tryReceive() as { value: Uint8Array }).value.length, 100);
    assert.equal((ch.tryReceive() as { value: Uint8Array }).value.length, 100);
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" });
  });

  test('codec "bytes": a received view reads the slab in place and stays valid until the next receive', () => {
    const ch = sharedChannel<Uint8Array>(2, { codec: "bytes", bytes: 64 });
    ch.trySend(new Uint8Array(24).fill(7));
    ch.trySend(new Uint8Array(24).fill(8));
    const first = (ch.tryReceive() as { value: Uint8Array }).value;
    assert.equal(first.buffer, ch.handle.buffer); // no copy
    // Held: its space is not reused, so a third send does not fit yet.
    assert.deepEqual(ch.trySend(new Uint8Array(24).fill(9)), { ok: false, reason: "full" });
    assert.deepEqual([...first], new Array(24).fill(7));
    const second = (ch.tryReceive() as { value: Uint8Array }).value; // lets go of the first
    assert.deepEqual([...second], new Array(24).fill(8));
    assert.deepEqual(ch.trySend(new Uint8Array(24).fill(9)), { ok: true });
    ch.release();
    assert.throws(() => ch.trySend("text" as never), (error: unknown) => error instanceof TypeError && /: value must be a Uint8Array \(a channel with codec "bytes" sends Uint8Arrays\)/.test(error.message));
  });

  test("a custom codec encodes and decodes; the other end attaches with the same codec", () => {
    const codec = { encode: (p: { x: number }) => new Uint8Array([p.x]), decode: (b: Uint8Array) => ({ x: b[0]! }) };
    const ch = sharedChannel<{ x: number }>(2, { codec });
    ch.trySend({ x: 42 });
    assert.throws(() => attachChannel(ch.handle), /uses a custom codec; pass the same one/);
    const other = attachChannel(ch.handle, { codec });
    assert.deepEqual(other.tryReceive(), { ok: true, value: { x: 42 } });
  });

  test("close: sends are refused, the buffer drains, then receivers see closed", async () => {
    const ch = sharedChannel<number>(4);
    ch.trySend(1);
    assert.equal(ch.close(), true);
    assert.equal(ch.close(), false);
    assert.deepEqual(ch.trySend(2), { ok: false, reason: "closed" });
    assert.equal(ch.isClosedForSend, true);
    assert.equal(ch.isClosedForReceive, false);
    await run(function* () {
      assert.equal(yield* ch.receive(), 1);
      assert.deepEqual(yield* ch.receiveCatching(), { ok: false, reason: "closed" });
    });
    await assert.rejects(async () => await run(() => ch.receive()), ChannelClosed);
    await assert.rejects(async () => await run(() => ch.send(3)), ChannelClosed);
  });

  test("cancel drops the buffer to onUndelivered in the cancelling thread, exactly once", () => {
    const dropped: unknown[] = [];
    const ch = sharedChannel<unknown>(4, { onUndelivered: (x) => dropped.push(x) });
    ch.trySend(1);
    ch.trySend({ two: 2 });
    assert.equal(ch.cancel(), true);
    assert.equal(ch.cancel(), false);
    assert.deepEqual(dropped, [1, { two: 2 }]);
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "closed" });
    assert.equal(ch.stats().undelivered, 2);
    assert.equal(ch.stats().cancelled, true);
  });

  test("waits park without blocking: a receive wakes on a send from outside the run, a send on space", async () => {
    const ch = sharedChannel<number>(1);
    const out = await run(function* () {
      setTimeout(() => ch.trySend(7), 5);
      const got = yield* ch.receive();
      ch.trySend(1);
      const sender = yield* spawn(() => ch.send(2)); // waits for room
      yield* sleep(5);
      assert.equal(ch.stats().waitingSenders, 1);
      assert.equal(yield* ch.receive(), 1);
      yield* sender;
      return [got, yield* ch.receive()];
    });
    assert.deepEqual(out, [7, 2]);
  });

  for (const codec of ["structured", "number"] as const) {
    test(`codec "${codec}": a parked receiver costs one notification, however many sends arrive before it runs`, async () => {
      const ch = codec === "number" ? sharedChannel<number>(8, { codec }) : sharedChannel<number>(8);
      // White-box: the header's DATA_EPOCH (word 2) and DATA_WAITERS (word 4), see shared-channel.ts.
      const header = new Int32Array(ch.handle.buffer, 0, 16);
      const got = await run(function* () {
        const receiver = yield* spawn(() => ch.receive());
        yield* sleep(1);
        assert.equal(Atomics.load(header, 4), 1, "the parked receiver is counted");
        const epoch = Atomics.load(header, 2);
        for (const n of [1, 2, 3]) ch.trySend(n);
        assert.equal(Atomics.load(header, 2), epoch + 1, "the first send took the count and notified; the others did not");
        assert.equal(Atomics.load(header, 4), 0);
        return yield* receiver;
      });
      assert.equal(got, 1);
    });
  }

  test("select: onReceive / onSend clauses and a timeout; a cancelled wait leaves nothing behind", async () => {
    const a = sharedChannel<string>(1);
    const b = sharedChannel<string>(1);
    const out = await run(function* () {
      const first = yield* select(a.onReceive((x) => `a:${x}`), onTimeout(5, () => "timeout"));
      b.trySend("x");
      const second = yield* select(a.onReceive((x) => `a:${x}`), b.onReceive((x) => `b:${x}`));
      a.trySend("full");
      const third = yield* select(a.onSend("more", () => "sent"), onTimeout(5, () => "timeout"));
      const stats = a.stats();
      try {
        yield* timeout(5, () => b.receive());
      } catch (error) {
        assert.ok(error instanceof TimeoutError);
      }
      return { first, second, third, stats, after: b.stats() };
    });
    assert.equal(out.first, "timeout");
    assert.equal(out.second, "b:x");
    assert.equal(out.third, "timeout");
    assert.equal(out.after.waitingReceivers, 0);
    assert.equal(out.after.buffered, 0);
  });

  test("each and for-await iterate until closed", async () => {
    const ch = sharedChannel<number>(8);
    for (const n of [1, 2, 3]) ch.trySend(n);
    ch.close();
    const seen: number[] = [];
    await run(() => ch.each((n) => void seen.push(n)));
    const again = sharedChannel<number>(8);
    again.trySend(4);
    again.close();
    for await (const n of again) seen.push(n);
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });

  test("regression: the slab's end left unused (a PAD) is reused only once the reader has passed it (seeded, in order, undamaged)", () => {
    // Found by the model test: space reclaimed past the reader's position was overwritten under it.
    for (let seed = 0; seed < 50; seed++) {
      const rand = random(seed);
      const ch = sharedChannel<unknown>(4, { bytes: 1024 });
      const next = [0, 0];
      const expected: string[] = [];
      for (let step = 0; step < 2_000; step++) {
        if (rand() < 0.55) {
          const p = rand() < 0.5 ? 0 : 1;
          if (ch.trySend(element(p, next[p]!, Math.floor(rand() * 5))).ok) expected.push(`${p}:${next[p]!++}`);
        } else {
          const result = ch.tryReceive();
          if (result.ok) assert.equal(identify(result.value).join(":"), expected.shift(), `seed ${seed}, step ${step}`);
        }
      }
    }
  });

  test('codec "number": a lock-free ring of exactly `capacity` slots, in order over many laps, every number bit for bit', () => {
    const ch = sharedChannel<number>(3, { codec: "number" });
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" });
    for (const n of [1, 2, 3]) assert.deepEqual(ch.trySend(n), { ok: true });
    assert.deepEqual(ch.trySend(4), { ok: false, reason: "full" });
    assert.deepEqual(ch.tryReceive(), { ok: true, value: 1 });
    assert.deepEqual(ch.trySend(4), { ok: true });
    assert.deepEqual(ch.stats(), openStats(ch, { capacity: 3, sent: 4, received: 1, buffered: 3 }));
    for (const n of [2, 3, 4]) assert.deepEqual(ch.tryReceive(), { ok: true, value: n });
    // Seeded laps: a random number of sends, then of receives, checked against a queue.
    const rand = random(7);
    const model: number[] = [];
    const values = [0, -0, -1.5, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53];
    let next = 0;
    for (let round = 0; round < 3_000; round++) {
      for (let k = Math.floor(rand() * 4); k > 0; k--) {
        const value = rand() < 0.2 ? values[next++ % values.length]! : next++;
        const sent = ch.trySend(value);
        assert.equal(sent.ok, model.length < 3, `round ${round}: trySend with ${model.length} buffered`);
        if (sent.ok) model.push(value);
      }
      for (let k = Math.floor(rand() * 4); k > 0; k--) {
        const got = ch.tryReceive();
        if (model.length === 0) assert.deepEqual(got, { ok: false, reason: "empty" });
        else assert.ok(got.ok && Object.is(got.value, model.shift()), `round ${round}: received ${JSON.stringify(got)}`);
      }
    }
    assert.equal(ch.stats().buffered, model.length);
  });

  test('codec "number": positions wrap around their modulus without losing or reordering anything', () => {
    const ch = sharedChannel<number>(5, { codec: "number" });
    (ch as unknown as { restartBeforeWrap(n: number): void }).restartBeforeWrap(7);
    const got: number[] = [];
    for (let i = 0; i < 40; i += 4) {
      for (let k = i; k < i + 4; k++) assert.deepEqual(ch.trySend(k), { ok: true });
      for (let k = 0; k < 4; k++) got.push((ch.tryReceive() as { value: number }).value);
    }
    assert.deepEqual(got, Array.from({ length: 40 }, (_, i) => i));
    for (let k = 0; k < 5; k++) ch.trySend(k);
    assert.deepEqual(ch.trySend(5), { ok: false, reason: "full" });
    // The counts come from the positions and their laps: right across the wrap, and after a cancel's drops.
    assert.deepEqual(ch.stats(), openStats(ch, { capacity: 5, sent: 45, received: 40, buffered: 5 }));
    assert.deepEqual(ch.tryReceive(), { ok: true, value: 0 });
    ch.cancel();
    const stats = ch.stats();
    assert.deepEqual([stats.sent, stats.received, stats.undelivered, stats.buffered], [45, 41, 4, 0]);
  });

  test('codec "number": a send claimed but not yet published when the channel closes still arrives, and the channel reads closed only after it', () => {
    // White-box: a sender on another thread between its claim of a position (TAIL) and its
    // publication (the slot's sequence word) — a window no single thread can stop in — made
    // by hand on the ring's words (the layout NumberChannelImpl documents: TAIL at Int32 16,
    // slot 0's sequence word at Int32 48, its value at Float64 25).
    const ch = sharedChannel<number>(2, { codec: "number" });
    const ints = new Int32Array(ch.handle.buffer);
    assert.equal(Atomics.compareExchange(ints, 16, 0, 1), 0); // the claim of position 0
    ch.close();
    assert.deepEqual(ch.trySend(1), { ok: false, reason: "closed" });
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" }); // not "closed": one is on its way
    assert.equal(ch.isClosedForReceive, false);
    new Float64Array(ch.handle.buffer)[25] = 42;
    Atomics.store(ints, 48, 1); // published at position 0
    assert.deepEqual(ch.tryReceive(), { ok: true, value: 42 });
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "closed" });
    assert.equal(ch.isClosedForReceive, true);
  });

  test('codec "number": close drains then reports closed; cancel drops the buffer to onUndelivered once; both wake waiters', async () => {
    const closing = sharedChannel<number>(4, { codec: "number" });
    closing.trySend(1);
    closing.trySend(2);
    assert.equal(closing.close("done"), true);
    assert.equal(closing.close(), false);
    assert.equal(closing.isClosedForSend, true);
    assert.equal(closing.isClosedForReceive, false);
    assert.deepEqual(closing.trySend(3), { ok: false, reason: "closed", cause: "done" });
    assert.deepEqual([closing.tryReceive(), closing.tryReceive()], [
      { ok: true, value: 1 },
      { ok: true, value: 2 },
    ]);
    assert.deepEqual(closing.tryReceive(), { ok: false, reason: "closed", cause: "done" });
    assert.equal(closing.isClosedForReceive, true);

    const dropped: number[] = [];
    const cancelling = sharedChannel<number>(4, { codec: "number", onUndelivered: (n) => void dropped.push(n) });
    cancelling.trySend(5);
    cancelling.trySend(6);
    assert.equal(cancelling.cancel(), true);
    assert.equal(cancelling.cancel(), false);
    assert.deepEqual(dropped, [5, 6]);
    assert.deepEqual(cancelling.tryReceive(), { ok: false, reason: "closed" });
    const stats = cancelling.stats();
    assert.deepEqual([stats.sent, stats.received, stats.undelivered, stats.buffered, stats.cancelled], [2, 0, 2, 0, true]);

    const waking = sharedChannel<number>(1, { codec: "number" });
    const out = await run(function* () {
      setTimeout(() => waking.trySend(7), 5);
      const got = yield* waking.receive(); // parked until a send from outside the run
      waking.trySend(1);
      const sender = yield* spawn(() => waking.send(2)); // parked until there is room
      yield* sleep(5);
      assert.equal(waking.stats().waitingSenders, 1);
      assert.equal(yield* waking.receive(), 1);
      yield* sender;
      const receiver = yield* spawn(() => waking.receive());
      assert.equal(yield* receiver, 2);
      const last = yield* spawn(() => waking.receiveCatching());
      yield* sleep(1);
      waking.close();
      return [got, yield* last];
    });
    assert.deepEqual(out, [7, { ok: false, reason: "closed" }]);
    const blocked = sharedChannel<number>(1, { codec: "number" });
    await assert.rejects(async () =>
      run(function* () {
        blocked.trySend(1);
        const sender = yield* spawn(() => blocked.send(2));
        yield* sleep(1);
        blocked.cancel();
        yield* sender;
      }),
      (error: unknown) => error instanceof ChannelClosed && /is cancelled/.test(error.message),
    );
  });

  test('regression: codec "bytes": a receive wakes a sender waiting on the count, although the view it returns still holds its bytes', async () => {
    const ch = sharedChannel<Uint8Array>(1, { codec: "bytes" });
    const out = await run(function* () {
      ch.trySend(new Uint8Array([0]));
      const sender = yield* spawn(() => ch.send(new Uint8Array([1]))); // full by count: waits
      yield* sleep(5);
      const first = [...(ch.tryReceive() as { value: Uint8Array }).value]; // the count goes down; no byte is freed yet
      yield* sender; // before the fix nothing woke it, and the run never ended
      return [first, [...(ch.tryReceive() as { value: Uint8Array }).value]];
    });
    assert.deepEqual(out, [[0], [1]]);
  });

  test("sendInPlace: the element is written straight into the slab, published when write returns; no room, no write", () => {
    const ch = sharedChannel<Uint8Array>(2, { codec: "bytes", bytes: 64 });
    const views: Uint8Array[] = [];
    const write = (fill: number) => (bytes: Uint8Array) => {
      views.push(bytes);
      if (fill === 1) assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" }, "not published while it is written"); // a receiver waits for it
      bytes.fill(fill);
    };
    assert.deepEqual(ch.trySendInPlace(20, write(1)), { ok: true });
    assert.deepEqual(ch.trySendInPlace(20, write(2)), { ok: true });
    assert.equal(views[0]!.buffer, ch.handle.buffer); // the slab itself: no copy on this side
    assert.equal(views[0]!.length, 20);
    let called = false;
    assert.deepEqual(
      ch.trySendInPlace(4, () => void (called = true)),
      { ok: false, reason: "full" },
    );
    assert.equal(called, false, "write runs only once there is room");
    const first = (ch.tryReceive() as { value: Uint8Array }).value;
    assert.equal(first.byteOffset, views[0]!.byteOffset); // read where it was written
    assert.deepEqual([...first], new Array(20).fill(1));
    assert.deepEqual([...(ch.tryReceive() as { value: Uint8Array }).value], new Array(20).fill(2));
    assert.throws(() => ch.trySendInPlace(100, () => {}), /takes 112 bytes, more than the channel's slab of 64/);
    assert.deepEqual(ch.stats(), openStats(ch, { capacity: 2, sent: 2, received: 2, buffered: 0 }));
    // With the default codec the receiver gets a copy of what was written in place.
    const structured = sharedChannel<unknown>(3);
    structured.trySend("before");
    structured.trySendInPlace(3, (bytes) => bytes.set([7, 8, 9]));
    structured.trySend("after");
    assert.deepEqual([structured.tryReceive(), structured.tryReceive(), structured.tryReceive()], [
      { ok: true, value: "before" },
      { ok: true, value: new Uint8Array([7, 8, 9]) },
      { ok: true, value: "after" },
    ]);
  });

  test("sendInPlace: a write that throws sends nothing (the error is thrown there); the elements around it arrive, counts stay true", () => {
    const ch = sharedChannel<Uint8Array>(3, { codec: "bytes", bytes: 256 });
    ch.trySend(new Uint8Array([1]));
    const broken = new Error("the write failed");
    assert.throws(
      () =>
        ch.trySendInPlace(8, (bytes) => {
          bytes[0] = 99;
          throw broken;
        }),
      (error) => error === broken,
    );
    ch.trySend(new Uint8Array([3]));
    assert.deepEqual([...(ch.tryReceive() as { value: Uint8Array }).value], [1]);
    assert.deepEqual([...(ch.tryReceive() as { value: Uint8Array }).value], [3]); // the dropped record is passed
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" });
    ch.release();
    assert.deepEqual(ch.stats(), openStats(ch, { capacity: 3, sent: 2, received: 2, buffered: 0 }));
    // Its room is reusable: three sends fit again, around the slab.
    for (let i = 0; i < 3; i++) assert.deepEqual(ch.trySendInPlace(60, (bytes) => bytes.fill(i)), { ok: true });
    // A dropped one at the end of the buffer: a cancel passes it too, and hands only real elements to onUndelivered.
    const undelivered: number[] = [];
    const other = sharedChannel<Uint8Array>(3, { codec: "bytes", onUndelivered: (bytes) => void undelivered.push(bytes[0]!) });
    other.trySend(new Uint8Array([5]));
    assert.throws(() => other.trySendInPlace(4, () => assert.fail("the write failed")), /the write failed/);
    assert.throws(() => other.trySendInPlace(4, () => other.cancel()), /cancel\(\): called from inside a sendInPlace write of the same channel/);
    // Nested: the outer write is still under way when the inner one has ended.
    const nested = sharedChannel<Uint8Array>(2, { codec: "bytes" });
    assert.throws(() => nested.trySendInPlace(4, () => void (nested.trySendInPlace(4, () => {}), nested.cancel())), /called from inside a sendInPlace write/);
    other.cancel();
    assert.deepEqual(undelivered, [5]);
    assert.equal(other.stats().sent, 1);
  });

  test("sendInPlace waits for room, and a wait cancelled never writes; onSendInPlace writes only if it wins", async () => {
    const ch = sharedChannel<Uint8Array>(1, { codec: "bytes" });
    const writes: number[] = [];
    const out = await run(function* () {
      ch.trySend(new Uint8Array([0]));
      const waiting = yield* spawn(() => ch.sendInPlace(1, (bytes) => void writes.push((bytes[0] = 1))));
      yield* sleep(5);
      assert.equal(writes.length, 0, "no room yet: nothing written");
      const first = ch.tryReceive();
      yield* waiting;
      const second = ch.tryReceive();
      // A wait that times out writes nothing; a select whose other clause wins writes nothing.
      ch.trySend(new Uint8Array([2]));
      try {
        yield* timeout(5, () => ch.sendInPlace(1, () => void writes.push(-1)));
        assert.fail("the channel was full: the send should have timed out");
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
      }
      const chosen = yield* select(ch.onSendInPlace(1, () => void writes.push(-2), () => "sent"), onTimeout(5, () => "timed out"));
      ch.tryReceive();
      const won = yield* select(ch.onSendInPlace(1, (bytes) => void writes.push((bytes[0] = 3)), () => "sent"), onTimeout(5, () => "timed out"));
      return { first, second, chosen, won, third: ch.tryReceive() };
    });
    assert.equal((out.first as { value: Uint8Array }).value[0], 0);
    assert.equal((out.second as { value: Uint8Array }).value[0], 1);
    assert.equal(out.chosen, "timed out");
    assert.equal(out.won, "sent");
    assert.equal((out.third as { value: Uint8Array }).value[0], 3);
    assert.deepEqual(writes, [1, 3]);
  });

  test("bad arguments are TypeErrors naming the argument", () => {
    assert.throws(() => sharedChannel<unknown>(1, { codec: "number" }).trySendInPlace(8, () => {}), /only a channel with codec "bytes" or "structured" sends bytes in place; this one's codec is "number"/);
    assert.throws(() => sharedChannel<Uint8Array>(1, { codec: "bytes" }).trySendInPlace(-1, () => {}), /trySendInPlace\(length, write\): length must be an integer ≥ 0, got -1/);
    assert.throws(() => sharedChannel<Uint8Array>(1, { codec: "bytes" }).sendInPlace(1, "no" as never), /sendInPlace\(length, write\): write must be a function, got "no"/);
    assert.throws(() => sharedChannel<Uint8Array>(1, { codec: "bytes" }).onSendInPlace(1, () => {}, 5 as never), /onSendInPlace\(length, write, handler\): handler must be a function, got 5/);
    assert.throws(() => sharedChannel(0), /capacity must be a whole number of elements ≥ 1/);
    assert.throws(() => sharedChannel(1.5), /capacity/);
    assert.throws(() => sharedChannel(1, { codec: "json" as never }), /options\.codec must be/);
    assert.throws(() => sharedChannel(1, { bytes: 3 }), /options\.bytes must be/);
    assert.throws(() => sharedChannel(1, { onUndelivered: 1 as never }), /onUndelivered/);
    assert.throws(() => attachChannel({} as never), /handle must be a shared channel's handle/);
    assert.throws(() => sharedChannel(1, { codec: "number", bytes: 1024 }), /options\.bytes does not apply to codec "number"/);
    assert.throws(() => sharedChannel(2 ** 27, { codec: "number" }), /capacity must be at most 67108864 with codec "number"/);
    assert.throws(() => sharedChannel<unknown>(1, { codec: "number" }).trySend("1"), (error: unknown) => error instanceof TypeError && /: value must be a number \(a channel with codec "number" sends numbers\), got "1"/.test(error.message));
  });
});

describe("sharedChannel across worker threads", () => {
  test("a worker produces, the main thread consumes: every element once, in order, with back-pressure", async () => {
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      const ch = sharedChannel<number>(4);
      const producer = yield* spawnOn<number>(pool, "produce", [ch, 20_000]);
      let expected = 0;
      yield* ch.each((n) => {
        assert.equal(n, expected++);
      });
      return { received: expected, sent: yield* producer };
    });
    assert.deepEqual(out, { received: 20_000, sent: 20_000 });
  });

  test("a pipeline through two workers: main → doubler (w1) → doubler (w2) → main", async () => {
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 2 });
      const a = sharedChannel<number>(16);
      const b = sharedChannel<number>(16);
      const c = sharedChannel<number>(16);
      yield* spawnOn(pool, "doubler", [a, b]);
      yield* spawnOn(pool, "doubler", [b, c]);
      yield* spawn(function* () {
        for (let i = 0; i < 5_000; i++) yield* a.send(i);
        a.close();
      });
      let sum = 0;
      let n = 0;
      yield* c.each((x) => {
        sum += x;
        n++;
      });
      return { n, sum };
    });
    assert.deepEqual(out, { n: 5_000, sum: 4 * ((5_000 * 4_999) / 2) });
  });

  /** `sender` (a task of the fixture module) sends 200 blocks of 4 KiB to a worker that sums them in place: it must get every byte. */
  async function bytesBetweenWorkers(sender: "sendBytes" | "sendBytesInPlace"): Promise<void> {
    const n = 200;
    const size = 4_096;
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 2 });
      const ch = sharedChannel<Uint8Array>(8, { codec: "bytes", bytes: 8 * (size + 8) });
      yield* spawnOn(pool, sender, [ch, n, size]);
      return yield* yield* spawnOn<{ messages: number; sum: number }>(pool, "sumBytes", [ch]);
    });
    let sum = 0;
    for (let m = 0; m < n; m++) for (let i = 0; i < size; i++) sum += (m + i) & 255;
    assert.deepEqual(out, { messages: n, sum });
  }

  test('bytes cross without a copy on the receiving side and checksum the same ("bytes" codec, views in place)', () => bytesBetweenWorkers("sendBytes"));

  test("sendInPlace across threads: a worker writes each message straight into the slab, another sums it in place; nothing is copied", () => bytesBetweenWorkers("sendBytesInPlace"));

  test("values of every kind round-trip through a worker", async () => {
    const values = [1.5, "two", null, undefined, true, new Uint8Array([3]), { four: [4] }, new Map([[5, 5]])];
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      const there = sharedChannel<unknown>(4);
      const back = sharedChannel<unknown>(4);
      yield* spawnOn(pool, "echo", [there, back]);
      yield* spawn(function* () {
        for (const value of values) yield* there.send(value);
        there.close();
      });
      const got: unknown[] = [];
      yield* back.each((value) => void got.push(value));
      return got;
    });
    assert.deepEqual(out, values);
  });

  test("cancelling a channel stops a sender blocked on another thread (ChannelClosed there); dropped elements go to onUndelivered here", async () => {
    const dropped: unknown[] = [];
    const out = await run(function* () {
      const pool = yield* createPool({ module: TASKS, size: 1 });
      const ch = sharedChannel<number>(2, { onUndelivered: (x) => dropped.push(x) });
      const sender = yield* spawnOn<string>(pool, "sendsUntilClosed", [ch]);
      assert.equal(yield* ch.receive(), 0);
      while (ch.stats().buffered < 2) yield* sleep(1);
      ch.cancel();
      return yield* sender;
    });
    assert.match(out, /^closed after \d+$/);
    assert.equal(dropped.length, 2);
  });

  test("a main-thread receive parked on a channel a worker never sends to can be cancelled, leaving no waiter", async () => {
    const ch = sharedChannel<number>(1);
    await run(function* () {
      const receiver = yield* spawn(() => ch.receive());
      yield* sleep(5);
      assert.equal(ch.stats().waitingReceivers, 1);
      yield* receiver.cancel();
      assert.equal(ch.stats().waitingReceivers, 0);
      assert.deepEqual(ch.trySend(1), { ok: true }); // nothing was taken by the cancelled receive
      assert.deepEqual(ch.tryReceive(), { ok: true, value: 1 });
    });
  });
});
