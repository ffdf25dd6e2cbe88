/**
 * Workload 6, fan-in: 1,000 producers each send their share of 10⁶ messages
 * into one channel of capacity 64, drained by one consumer.
 */
import { check, sizes, type Case } from "../lib/case.js";
import { RawChannel } from "../lib/raw.js";
import { goCase } from "../lib/go.js";
import { strand } from "../lib/strand.js";

export const PRODUCERS = 1_000;
export const CAPACITY = 64;
export const G = `fan-in · ${PRODUCERS.toLocaleString("en-US")} producers → 1 consumer, capacity ${CAPACITY}`;

export const cases: Case[] = [
  {
    // pending until src/channel.ts exists
    id: "fanin/strand/channel",
    group: G,
    system: "strand",
    ref: 1,
    needs: ["channel"],
    variant: `channel(${CAPACITY}), ${PRODUCERS} spawned producers`,
    unit: "message",
    n: sizes(1_000_000),
    async load() {
      const { run, spawn, channel } = await strand();
      return {
        async run(n) {
          const each = n / PRODUCERS;
          const total = await run(function* () {
            const messages = channel<number>(CAPACITY);
            const producer = function* () {
              for (let i = 0; i < each; i++) yield* messages.send(1);
            };
            for (let p = 0; p < PRODUCERS; p++) yield* spawn(producer);
            let total = 0;
            for (let i = 0; i < n; i++) total += yield* messages.receive();
            return total; // the producers are children: run waits for them
          });
          check("messages", total, n);
        },
      };
    },
  },
  {
    id: "fanin/raw/coroutines",
    group: G,
    system: "raw",
    variant: `generator coroutines, channel(${CAPACITY}), ${PRODUCERS} producers, on a minimal scheduler`,
    unit: "message",
    n: sizes(1_000_000),
    async load() {
      const { RawScheduler, RawCoChannel } = await import("../lib/raw-coroutines.js");
      return {
        run(n) {
          const each = n / PRODUCERS;
          const scheduler = new RawScheduler();
          const total = scheduler.run(function* () {
            const messages = new RawCoChannel<number>(scheduler, CAPACITY);
            const producer = function* () {
              for (let i = 0; i < each; i++) yield* messages.send(1);
            };
            const producers = [];
            for (let p = 0; p < PRODUCERS; p++) producers.push(scheduler.spawn(producer));
            let total = 0;
            for (let i = 0; i < n; i++) total += yield* messages.receive();
            for (const p of producers) yield* scheduler.join(p);
            return total;
          });
          check("messages", total, n);
        },
      };
    },
  },
  {
    id: "fanin/raw/await-always",
    group: G,
    system: "raw",
    variant: `promise channel(${CAPACITY}), await every send/receive`,
    unit: "message",
    n: sizes(1_000_000),
    async load() {
      return {
        async run(n) {
          const each = n / PRODUCERS;
          const messages = new RawChannel<number>(CAPACITY);
          const producer = async () => {
            for (let i = 0; i < each; i++) await messages.send(1);
          };
          const producers: Promise<void>[] = [];
          for (let p = 0; p < PRODUCERS; p++) producers.push(producer());
          let total = 0;
          for (let i = 0; i < n; i++) total += await messages.receive();
          await Promise.all(producers);
          check("messages", total, n);
        },
      };
    },
  },
  {
    id: "fanin/raw/fast-path",
    group: G,
    system: "raw",
    variant: `promise channel(${CAPACITY}), await only a returned promise`,
    unit: "message",
    n: sizes(1_000_000),
    async load() {
      return {
        async run(n) {
          const each = n / PRODUCERS;
          const messages = new RawChannel<number>(CAPACITY);
          const producer = async () => {
            for (let i = 0; i < each; i++) {
              const wait = messages.send(1);
              if (wait !== undefined) await wait;
            }
          };
          const producers: Promise<void>[] = [];
          for (let p = 0; p < PRODUCERS; p++) producers.push(producer());
          let total = 0;
          for (let i = 0; i < n; i++) {
            const value = messages.receive();
            total += value instanceof Promise ? await value : value;
          }
          await Promise.all(producers);
          check("messages", total, n);
        },
      };
    },
  },
  {
    id: "fanin/effection/action-chan",
    group: G,
    system: "effection",
    variant: `channel(${CAPACITY}) hand-rolled on action()`,
    unit: "message",
    n: sizes(1_000_000, 50),
    async load() {
      const { run, spawn } = await import("effection");
      const { EffectionChannel } = await import("../lib/effection-extras.js");
      return {
        async run(n) {
          const each = n / PRODUCERS;
          const total = await run(function* () {
            const messages = new EffectionChannel<number>(CAPACITY);
            const producer = function* () {
              for (let i = 0; i < each; i++) yield* messages.send(1);
            };
            const producers = [];
            for (let p = 0; p < PRODUCERS; p++) producers.push(yield* spawn(producer));
            let total = 0;
            for (let i = 0; i < n; i++) total += yield* messages.receive();
            for (const producer of producers) yield* producer;
            return total;
          });
          check("messages", total, n);
        },
      };
    },
  },
  {
    id: "fanin/effect/queue",
    group: G,
    system: "effect",
    variant: `Queue.bounded(${CAPACITY}), ${PRODUCERS} forkChild producers`,
    unit: "message",
    n: sizes(1_000_000, 50),
    slow: true,
    async load() {
      const { Effect, Fiber, Queue } = await import("effect");
      return {
        async run(n) {
          const each = n / PRODUCERS;
          const total = await Effect.runPromise(
            Effect.gen(function* () {
              const messages = yield* Queue.bounded<number>(CAPACITY);
              const producer = Effect.gen(function* () {
                for (let i = 0; i < each; i++) yield* Queue.offer(messages, 1);
              });
              const producers = [];
              for (let p = 0; p < PRODUCERS; p++) producers.push(yield* Effect.forkChild(producer));
              let total = 0;
              for (let i = 0; i < n; i++) total += yield* Queue.take(messages);
              for (const fiber of producers) yield* Fiber.join(fiber);
              return total;
            }),
          );
          check("messages", total, n);
        },
      };
    },
  },
  goCase({
    id: "fanin/go/chan",
    group: G,
    workload: "fanin",
    variant: `chan(${CAPACITY}), ${PRODUCERS} goroutines, GOMAXPROCS=1`,
    unit: "message",
    n: sizes(1_000_000),
  }),
];
