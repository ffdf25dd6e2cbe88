/**
 * Issue 10's everyday operations:
 * - forEach with concurrency 8 over 10⁵ items whose body suspends once, against
 *   p-map (promises; the body awaits once) and Effect's
 *   `forEach({ concurrency: 8 })` (the body yields once).
 * - broadcast to 100 subscribers: ns per delivered element (one element to one
 *   subscriber), against a plain buffered channel's send + receive
 *   (prodcons/strand/channel/64, the bar's reference).
 */
import { check, sizes, type Case } from "../lib/case.js";
import { strand } from "../lib/strand.js";

const FOREACH = "forEach · concurrency 8, body suspends once";
const SUBSCRIBERS = 100;
const sum = (n: number): number => (n * (n - 1)) / 2;
const items = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export const cases: Case[] = [
  {
    id: "foreach/strand/concurrency-8",
    group: FOREACH,
    system: "strand",
    ref: 1,
    variant: "forEach(items, function* () { yield* yieldNow() }, { concurrency: 8 })",
    unit: "item",
    n: sizes(100_000),
    async load() {
      const { run, forEach, yieldNow } = await strand();
      return {
        async run(n) {
          const input = items(n);
          let total = 0;
          await run(function* () {
            yield* forEach(
              input,
              function* (item) {
                yield* yieldNow();
                total += item;
              },
              { concurrency: 8 },
            );
          });
          check("sum", total, sum(n));
        },
      };
    },
  },
  {
    id: "foreach/raw/p-map",
    group: FOREACH,
    system: "raw",
    variant: "pMap(items, async (item) => { await null }, { concurrency: 8 })",
    unit: "item",
    n: sizes(100_000),
    async load() {
      const { default: pMap } = await import("p-map");
      return {
        async run(n) {
          const input = items(n);
          let total = 0;
          await pMap(
            input,
            async (item) => {
              await null;
              total += item;
            },
            { concurrency: 8 },
          );
          check("sum", total, sum(n));
        },
      };
    },
  },
  {
    id: "foreach/effect/concurrency-8",
    group: FOREACH,
    system: "effect",
    variant: "Effect.forEach(items, body yielding once, { concurrency: 8, discard: true })",
    unit: "item",
    n: sizes(100_000, 10),
    async load() {
      const { Effect } = await import("effect");
      return {
        async run(n) {
          const input = items(n);
          let total = 0;
          await Effect.runPromise(
            Effect.forEach(
              input,
              (item) =>
                Effect.gen(function* () {
                  yield* Effect.yieldNow;
                  total += item;
                }),
              { concurrency: 8, discard: true },
            ),
          );
          check("sum", total, sum(n));
        },
      };
    },
  },
  {
    id: "broadcast/strand/100",
    group: `broadcast · ${SUBSCRIBERS} subscribers, capacity 64`,
    system: "strand",
    ref: 1,
    needs: ["channel"],
    variant: `broadcast(64): send, ${SUBSCRIBERS} tasks each receive()`,
    unit: "delivery",
    n: sizes(1_000_000),
    note: "per delivered element (one element to one subscriber); the bar compares it with producer→consumer · capacity 64",
    async load() {
      const { run, spawn, broadcast, yieldNow } = await strand();
      return {
        async run(n) {
          const elements = Math.max(1, Math.round(n / SUBSCRIBERS));
          const total = await run(function* () {
            const prices = broadcast<number>({ capacity: 64 });
            const readers = [];
            for (let s = 0; s < SUBSCRIBERS; s++) {
              readers.push(
                yield* spawn(function* () {
                  const feed = yield* prices.subscribe();
                  let seen = 0;
                  for (let i = 0; i < elements; i++) seen += yield* feed.receive();
                  return seen;
                }),
              );
            }
            yield* yieldNow(); // every reader subscribes
            for (let i = 0; i < elements; i++) yield* prices.send(i);
            let total = 0;
            for (const reader of readers) total += yield* reader;
            return total;
          });
          check("sum", total, SUBSCRIBERS * sum(elements));
        },
      };
    },
  },
];
