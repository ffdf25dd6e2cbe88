/**
 * Workload 5, producer/consumer: one producer sends 10⁶ numbers through a
 * buffered channel (capacity 64, then 1,024) to one consumer.
 * Effection's built-in channels are unbounded, so its case is the bounded
 * channel hand-rolled on `action()`; Effect's is `Queue.bounded`.
 */
import { check, sizes, type Case } from "../lib/case.js";
import { RawChannel } from "../lib/raw.js";
import { goCase } from "../lib/go.js";
import { strand } from "../lib/strand.js";

const sum = (n: number): number => (n * (n - 1)) / 2;

/** The group of one capacity. */
export const groupOf = (capacity: number): string => `producer→consumer · capacity ${capacity.toLocaleString("en-US")}`;

function cases(capacity: number): Case[] {
  const group = groupOf(capacity);
  return [
    {
      // pending until src/channel.ts exists
      id: `prodcons/strand/channel/${capacity}`,
      group,
      system: "strand",
      ref: 1,
      needs: ["channel"],
      variant: `channel(${capacity}), spawn + send/receive`,
      unit: "message",
      n: sizes(1_000_000),
      async load() {
        const { run, spawn, channel } = await strand();
        return {
          async run(n) {
            const total = await run(function* () {
              const numbers = channel<number>(capacity);
              const producer = yield* spawn(function* () {
                for (let i = 0; i < n; i++) yield* numbers.send(i);
              });
              let total = 0;
              for (let i = 0; i < n; i++) total += yield* numbers.receive();
              yield* producer;
              return total;
            });
            check("sum", total, sum(n));
          },
        };
      },
    },
    {
      id: `prodcons/raw/coroutines/${capacity}`,
      group,
      system: "raw",
      variant: `generator coroutines, channel(${capacity}), on a minimal scheduler`,
      unit: "message",
      n: sizes(1_000_000),
      async load() {
        const { RawScheduler, RawCoChannel } = await import("../lib/raw-coroutines.js");
        return {
          run(n) {
            const scheduler = new RawScheduler();
            const total = scheduler.run(function* () {
              const numbers = new RawCoChannel<number>(scheduler, capacity);
              const producer = scheduler.spawn(function* () {
                for (let i = 0; i < n; i++) yield* numbers.send(i);
              });
              let total = 0;
              for (let i = 0; i < n; i++) total += yield* numbers.receive();
              yield* scheduler.join(producer);
              return total;
            });
            check("sum", total, sum(n));
          },
        };
      },
    },
    {
      id: `prodcons/raw/await-always/${capacity}`,
      group,
      system: "raw",
      variant: `promise channel(${capacity}), await every send/receive`,
      unit: "message",
      n: sizes(1_000_000),
      async load() {
        return {
          async run(n) {
            const numbers = new RawChannel<number>(capacity);
            const producer = (async () => {
              for (let i = 0; i < n; i++) await numbers.send(i);
            })();
            let total = 0;
            for (let i = 0; i < n; i++) total += await numbers.receive();
            await producer;
            check("sum", total, sum(n));
          },
        };
      },
    },
    {
      id: `prodcons/raw/fast-path/${capacity}`,
      group,
      system: "raw",
      variant: `promise channel(${capacity}), await only a returned promise`,
      unit: "message",
      n: sizes(1_000_000),
      async load() {
        return {
          async run(n) {
            const numbers = new RawChannel<number>(capacity);
            const producer = (async () => {
              for (let i = 0; i < n; i++) {
                const wait = numbers.send(i);
                if (wait !== undefined) await wait;
              }
            })();
            let total = 0;
            for (let i = 0; i < n; i++) {
              const value = numbers.receive();
              total += value instanceof Promise ? await value : value;
            }
            await producer;
            check("sum", total, sum(n));
          },
        };
      },
    },
    {
      id: `prodcons/effection/action-chan/${capacity}`,
      group,
      system: "effection",
      variant: `channel(${capacity}) hand-rolled on action()`,
      unit: "message",
      n: sizes(1_000_000),
      async load() {
        const { run, spawn } = await import("effection");
        const { EffectionChannel } = await import("../lib/effection-extras.js");
        return {
          async run(n) {
            const total = await run(function* () {
              const numbers = new EffectionChannel<number>(capacity);
              const producer = yield* spawn(function* () {
                for (let i = 0; i < n; i++) yield* numbers.send(i);
              });
              let total = 0;
              for (let i = 0; i < n; i++) total += yield* numbers.receive();
              yield* producer;
              return total;
            });
            check("sum", total, sum(n));
          },
        };
      },
    },
    {
      id: `prodcons/effect/queue/${capacity}`,
      group,
      system: "effect",
      variant: `Queue.bounded(${capacity}), forkChild + offer/take`,
      unit: "message",
      n: sizes(100_000, 4),
      async load() {
        const { Effect, Fiber, Queue } = await import("effect");
        return {
          async run(n) {
            const total = await Effect.runPromise(
              Effect.gen(function* () {
                const numbers = yield* Queue.bounded<number>(capacity);
                const producer = yield* Effect.forkChild(
                  Effect.gen(function* () {
                    for (let i = 0; i < n; i++) yield* Queue.offer(numbers, i);
                  }),
                );
                let total = 0;
                for (let i = 0; i < n; i++) total += yield* Queue.take(numbers);
                yield* Fiber.join(producer);
                return total;
              }),
            );
            check("sum", total, sum(n));
          },
        };
      },
    },
    goCase({
      id: `prodcons/go/chan/${capacity}`,
      group,
      workload: `prodcons${capacity}`,
      variant: `chan(${capacity}), a producer goroutine, GOMAXPROCS=1`,
      unit: "message",
      n: sizes(1_000_000),
    }),
  ];
}

const all: Case[] = [...cases(64), ...cases(1024)];
export { all as cases };
