/**
 * The model-based test of shared channels, with real threads: random programs
 * of 1–3 producers and 1–3 consumers, each on a pool worker or on the main
 * thread, sending and receiving elements of every encoding (or, for codec
 * "number", numbers through the lock-free ring) in every way
 * (send, trySend loops, onSend in a select with a timeout; receiveCatching,
 * tryReceive polls, onReceiveCatching with a timeout) through one shared
 * channel of random capacity and slab size, ended by a close once the
 * producers are done or by a cancel part-way. Checked against a ledger:
 *
 * 1. Every element a producer had accepted (the sends before it saw the
 *    channel closed) is received exactly once or handed to onUndelivered (in
 *    the cancelling thread) exactly once; nothing else arrives, nothing
 *    arrives damaged.
 * 2. Each consumer gets each producer's elements in the order they were sent.
 * 3. A close loses nothing (onUndelivered stays empty).
 * 4. At the end, stats() agree: sent, received, undelivered, nothing buffered,
 *    no waiter left.
 *
 * Seeded: a failure names the fast-check seed (STRAND_SHARED_MODEL_SEED).
 */
import fc from "fast-check";
import { sleep, spawn, type Operation, type Task } from "../../src/index.js";
import { sharedChannel, spawnOn, type Pool } from "../../src/worker/index.js";
import { identify, modelConsumer, modelProducer } from "./fixtures/model-tasks.js";

export const MODEL_TASKS = new URL("./fixtures/model-tasks.ts", import.meta.url);

export interface SharedProgram {
  /** "structured": elements of every kind; "number": the lock-free ring, numbers only. */
  codec: "structured" | "number";
  capacity: number;
  bytes: number;
  producers: { count: number; onWorker: boolean; seed: number }[];
  consumers: { onWorker: boolean; seed: number }[];
  /** Close once every producer is done, or cancel once this many elements were received. */
  end: { kind: "close" } | { kind: "cancel"; afterReceived: number };
}

export function programs(maxCount: number, codec: SharedProgram["codec"] = "structured"): fc.Arbitrary<SharedProgram> {
  return fc.record({
    codec: fc.constant(codec),
    capacity: fc.integer({ min: 1, max: 8 }),
    bytes: fc.constantFrom(1_024, 4_096, 65_536),
    producers: fc.array(fc.record({ count: fc.integer({ min: 0, max: maxCount }), onWorker: fc.boolean(), seed: fc.integer() }), { minLength: 1, maxLength: 3 }),
    consumers: fc.array(fc.record({ onWorker: fc.boolean(), seed: fc.integer() }), { minLength: 1, maxLength: 3 }),
    end: fc.oneof(fc.constant({ kind: "close" as const }), fc.record({ kind: fc.constant("cancel" as const), afterReceived: fc.integer({ min: 0, max: maxCount }) })),
  });
}

/** Runs one program on `pool`; returns the ledger's violations (none: the books balance). */
export function* execute(pool: Pool, program: SharedProgram): Operation<string[]> {
  const violations: string[] = [];
  const undelivered: [number, number][] = [];
  const onUndelivered = (value: unknown) => void undelivered.push(identify(value));
  const numbers = program.codec === "number";
  const ch = numbers ? sharedChannel<unknown>(program.capacity, { codec: "number", onUndelivered }) : sharedChannel<unknown>(program.capacity, { bytes: program.bytes, onUndelivered });
  const producers: Task<number>[] = [];
  for (const [p, { count, onWorker, seed }] of program.producers.entries()) {
    producers.push(onWorker ? yield* spawnOn<number>(pool, "modelProducer", [ch, p, count, seed, numbers]) : yield* spawn(() => modelProducer(ch, p, count, seed, numbers)));
  }
  const consumers: Task<[number, number][]>[] = [];
  for (const { onWorker, seed } of program.consumers) {
    consumers.push(onWorker ? yield* spawnOn<[number, number][]>(pool, "modelConsumer", [ch, seed]) : yield* spawn(() => modelConsumer(ch, seed)));
  }
  const { end } = program;
  if (end.kind === "close") {
    for (const producer of producers) yield* producer;
    ch.close();
  } else {
    const total = program.producers.reduce((n, producer) => n + producer.count, 0);
    while (ch.stats().received < Math.min(end.afterReceived, total) && producers.some((task) => task.state !== "completed")) yield* sleep(1);
    ch.cancel();
  }
  const accepted: number[] = [];
  for (const producer of producers) accepted.push(yield* producer);
  const received: [number, number][][] = [];
  for (const consumer of consumers) received.push(yield* consumer);

  // 1. Exactly once.
  const seen = new Map<string, number>();
  const note = (p: number, s: number, how: string) => {
    const key = `${p}:${s}`;
    if (p >= accepted.length || s >= accepted[p]!) violations.push(`${how} ${key}, which was never accepted (producer ${p} accepted ${accepted[p]})`);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  };
  received.forEach((got, c) => got.forEach(([p, s]) => note(p, s, `consumer ${c} received`)));
  for (const [p, s] of undelivered) note(p, s, "onUndelivered got");
  accepted.forEach((count, p) => {
    for (let s = 0; s < count; s++) {
      const times = seen.get(`${p}:${s}`) ?? 0;
      if (times !== 1) violations.push(`element ${p}:${s} arrived ${times} times`);
    }
  });
  // 2. Per consumer, per producer, in order.
  received.forEach((got, c) => {
    const last = new Map<number, number>();
    for (const [p, s] of got) {
      if ((last.get(p) ?? -1) >= s) violations.push(`consumer ${c} got ${p}:${s} after ${p}:${last.get(p)}`);
      last.set(p, s);
    }
  });
  // 3. A close loses nothing.
  if (end.kind === "close" && undelivered.length > 0) violations.push(`a close handed ${undelivered.length} elements to onUndelivered`);
  // 4. The counters.
  const stats = ch.stats();
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const expect = (what: string, actual: number, expected: number) => {
    if (actual !== expected) violations.push(`stats ${what} is ${actual}, the ledger says ${expected}: ${JSON.stringify(stats)}`);
  };
  expect("sent", stats.sent, sum(accepted));
  expect("received", stats.received, sum(received.map((got) => got.length)));
  expect("undelivered", stats.undelivered, undelivered.length);
  expect("buffered", stats.buffered, 0);
  expect("waitingSenders", stats.waitingSenders, 0);
  expect("waitingReceivers", stats.waitingReceivers, 0);
  return violations;
}
