/**
 * Workload 7, select: a loop that selects over 4 channels of which one is ready
 * — a data channel (capacity 64) fed by a producer, next to 3 channels that never
 * carry anything (think quit, reload, reconfigure). The data channel is listed
 * last, so a select that scans in order pays for the idle ones.
 * Effection and Effect have no select: their idiom is a race of 4 receives.
 */
import { check, sizes, type Case } from "../lib/case.js";
import { RawChannel, select as rawSelect } from "../lib/raw.js";
import { strand } from "../lib/strand.js";

const G = "select · 4 channels, one ready";
const CAPACITY = 64;
const sum = (n: number): number => (n * (n - 1)) / 2;

export const cases: Case[] = [
  {
    // pending until src/channel.ts and src/select.ts exist
    id: "select/strand/select",
    group: G,
    system: "strand",
    ref: 1,
    needs: ["channel", "select"],
    variant: "select(a.onReceive(), b.onReceive(), c.onReceive(), data.onReceive())",
    unit: "select",
    n: sizes(300_000, 3),
    async load() {
      const { run, spawn, channel, select } = await strand();
      return {
        async run(n) {
          const total = await run(function* () {
            const [a, b, c, data] = [channel<number>(CAPACITY), channel<number>(CAPACITY), channel<number>(CAPACITY), channel<number>(CAPACITY)];
            const producer = yield* spawn(function* () {
              for (let i = 0; i < n; i++) yield* data.send(i);
            });
            let total = 0;
            for (let i = 0; i < n; i++) total += yield* select(a.onReceive(), b.onReceive(), c.onReceive(), data.onReceive());
            yield* producer;
            return total;
          });
          check("sum", total, sum(n));
        },
      };
    },
  },
  {
    id: "select/raw/select",
    group: G,
    system: "raw",
    variant: "hand-rolled select over promise channels, await always",
    unit: "select",
    n: sizes(300_000, 3),
    async load() {
      return {
        async run(n) {
          const channels = [new RawChannel<number>(CAPACITY), new RawChannel<number>(CAPACITY), new RawChannel<number>(CAPACITY), new RawChannel<number>(CAPACITY)];
          const data = channels[3];
          const producer = (async () => {
            for (let i = 0; i < n; i++) await data.send(i);
          })();
          let total = 0;
          for (let i = 0; i < n; i++) total += (await rawSelect(channels)).value;
          await producer;
          check("sum", total, sum(n));
        },
      };
    },
  },
  {
    id: "select/effection/race",
    group: G,
    system: "effection",
    variant: "race([4 receives]) on channels hand-rolled on action()",
    unit: "select",
    n: sizes(1_000, 10),
    slow: true,
    async load() {
      const { run, spawn, race } = await import("effection");
      const { EffectionChannel } = await import("../lib/effection-extras.js");
      return {
        async run(n) {
          const total = await run(function* () {
            const channels = [0, 1, 2, 3].map(() => new EffectionChannel<number>(CAPACITY));
            const data = channels[3];
            const producer = yield* spawn(function* () {
              for (let i = 0; i < n; i++) yield* data.send(i);
            });
            let total = 0;
            for (let i = 0; i < n; i++) total += yield* race(channels.map((channel) => channel.receive()));
            yield* producer;
            return total;
          });
          check("sum", total, sum(n));
        },
      };
    },
  },
  {
    id: "select/effect/race-all",
    group: G,
    system: "effect",
    variant: "Effect.raceAll([4 × Queue.take])",
    unit: "select",
    n: sizes(10_000),
    async load() {
      const { Effect, Fiber, Queue } = await import("effect");
      return {
        async run(n) {
          const total = await Effect.runPromise(
            Effect.gen(function* () {
              const queues = [
                yield* Queue.bounded<number>(CAPACITY),
                yield* Queue.bounded<number>(CAPACITY),
                yield* Queue.bounded<number>(CAPACITY),
                yield* Queue.bounded<number>(CAPACITY),
              ];
              const data = queues[3];
              const producer = yield* Effect.forkChild(
                Effect.gen(function* () {
                  for (let i = 0; i < n; i++) yield* Queue.offer(data, i);
                }),
              );
              let total = 0;
              for (let i = 0; i < n; i++) total += yield* Effect.raceAll(queues.map((queue) => Queue.take(queue)));
              yield* Fiber.join(producer);
              return total;
            }),
          );
          check("sum", total, sum(n));
        },
      };
    },
  },
];
