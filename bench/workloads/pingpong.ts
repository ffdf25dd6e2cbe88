/**
 * Workload 3, ping-pong: two tasks exchange a number over two rendezvous
 * channels, 10⁶ round trips (slow peers run fewer; the figure is per round trip).
 * The raw floors: two generators handed a value by a loop (no scheduler at all),
 * and two async functions resolving a fresh promise per hop.
 *
 * Observability's cost (issue 12): the same ping-pong with `track()` on (what
 * `serve()` and `exportMetrics()` turn on: probes and counters), and with a
 * monitor connected (`serve()` streaming a snapshot a second to a client that
 * reads it, in the same process). Probes off is the reference case itself;
 * compare it with the tree before the probes with `--baseline`.
 */
import { check, sizes, type Case } from "../lib/case.js";
import { RawChannel } from "../lib/raw.js";
import { goCase } from "../lib/go.js";
import { strand } from "../lib/strand.js";
import { request } from "node:http";

export const G = "ping-pong · rendezvous channels";

/**
 * Processes for the three cases the watching bar compares (≤ 1.15× with the
 * monitor connected): one process's time varies by ±5% with V8's choices, as
 * much as the bar's margin, so their medians take more processes than the
 * default 3.
 */
const WATCHING_PROCS = 7;

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const cases: Case[] = [
  {
    // pending until src/channel.ts exists
    id: "pingpong/strand/channel",
    group: G,
    system: "strand",
    ref: 1,
    needs: ["channel"],
    variant: "channel(0) ×2, spawn + send/receive",
    unit: "round trip",
    procs: WATCHING_PROCS,
    n: sizes(1_000_000),
    async load() {
      return { run: await strandPingPong() };
    },
  },
  {
    id: "pingpong/strand/tracked",
    group: G,
    system: "strand",
    needs: ["channel", "monitor"],
    variant: "the same with track() on (probes and counters)",
    unit: "round trip",
    procs: WATCHING_PROCS,
    n: sizes(1_000_000),
    async load() {
      const { track } = await import("../../src/observe/index.js");
      track(); // for the life of the process
      return { run: await strandPingPong() };
    },
  },
  {
    id: "pingpong/strand/monitored",
    group: G,
    system: "strand",
    needs: ["channel", "monitor"],
    variant: "the same with serve() streaming to a connected monitor",
    unit: "round trip",
    procs: WATCHING_PROCS,
    n: sizes(1_000_000),
    async load() {
      const { serve } = await import("../../src/observe/serve/index.js");
      const monitor = await serve({ port: 0 });
      // A client that reads every snapshot, as `strand monitor` does; the first one has arrived when load() returns.
      await new Promise<void>((resolve, reject) => {
        const req = request(`${monitor.url}api/events`, (response) => {
          response.once("data", () => resolve());
          response.resume();
          response.socket.unref();
        });
        req.on("error", reject);
        req.end();
      });
      return { run: await strandPingPong() };
    },
  },
  {
    id: "pingpong/raw/generators",
    group: G,
    system: "raw",
    variant: "2 generators handed off by a loop (no scheduler)",
    unit: "round trip",
    n: sizes(1_000_000),
    async load() {
      return {
        run(n) {
          function* player(step: number): Generator<number, never, number> {
            let v = yield 0;
            for (;;) v = yield v + step;
          }
          const ping = player(0);
          const pong = player(1);
          ping.next(0);
          pong.next(0);
          let v = 0;
          for (let i = 0; i < n; i++) v = pong.next(ping.next(v).value).value;
          check("last value", v, n);
        },
      };
    },
  },
  {
    id: "pingpong/raw/coroutines",
    group: G,
    system: "raw",
    variant: "2 generator coroutines, rendezvous channels ×2, on a minimal scheduler",
    unit: "round trip",
    n: sizes(1_000_000),
    async load() {
      const { RawScheduler, RawCoChannel } = await import("../lib/raw-coroutines.js");
      return {
        run(n) {
          const scheduler = new RawScheduler();
          const v = scheduler.run(function* () {
            const ping = new RawCoChannel<number>(scheduler, 0);
            const pong = new RawCoChannel<number>(scheduler, 0);
            const player = scheduler.spawn(function* () {
              for (let i = 0; i < n; i++) yield* pong.send((yield* ping.receive()) + 1);
            });
            let v = 0;
            for (let i = 0; i < n; i++) {
              yield* ping.send(v);
              v = yield* pong.receive();
            }
            yield* scheduler.join(player);
            return v;
          });
          check("last value", v, n);
        },
      };
    },
  },
  {
    id: "pingpong/raw/resolvers",
    group: G,
    system: "raw",
    variant: "2 async fns, a fresh promise per hop",
    unit: "round trip",
    n: sizes(1_000_000),
    async load() {
      return {
        async run(n) {
          let toPong = deferred<number>();
          let toPing = deferred<number>();
          const ponger = (async () => {
            for (let i = 0; i < n; i++) {
              const v = await toPong.promise;
              toPong = deferred<number>();
              const reply = toPing;
              toPing = deferred<number>();
              reply.resolve(v + 1);
            }
          })();
          let v = 0;
          for (let i = 0; i < n; i++) {
            const reply = toPing;
            toPong.resolve(v);
            v = await reply.promise;
          }
          await ponger;
          check("last value", v, n);
        },
      };
    },
  },
  {
    id: "pingpong/raw/chan",
    group: G,
    system: "raw",
    variant: "hand-rolled promise channel(0) ×2, await always",
    unit: "round trip",
    n: sizes(1_000_000),
    async load() {
      return {
        async run(n) {
          const ping = new RawChannel<number>(0);
          const pong = new RawChannel<number>(0);
          const ponger = (async () => {
            for (let i = 0; i < n; i++) await pong.send((await ping.receive()) + 1);
          })();
          let v = 0;
          for (let i = 0; i < n; i++) {
            await ping.send(v);
            v = await pong.receive();
          }
          await ponger;
          check("last value", v, n);
        },
      };
    },
  },
  {
    id: "pingpong/effection/channel",
    group: G,
    system: "effection",
    variant: "built-in createChannel() ×2 (unbounded)",
    unit: "round trip",
    n: sizes(30_000, 3),
    async load() {
      const { run, spawn, createChannel } = await import("effection");
      return {
        async run(n) {
          const last = await run(function* () {
            const ping = createChannel<number, void>();
            const pong = createChannel<number, void>();
            const pings = yield* ping; // subscribe before anything is sent
            const pongs = yield* pong;
            const ponger = yield* spawn(function* () {
              for (let i = 0; i < n; i++) {
                const next = yield* pings.next();
                yield* pong.send((next.value as number) + 1);
              }
            });
            let v = 0;
            for (let i = 0; i < n; i++) {
              yield* ping.send(v);
              v = (yield* pongs.next()).value as number;
            }
            yield* ponger;
            return v;
          });
          check("last value", last, n);
        },
      };
    },
  },
  {
    id: "pingpong/effection/action-chan",
    group: G,
    system: "effection",
    variant: "rendezvous channel hand-rolled on action() ×2",
    unit: "round trip",
    n: sizes(100_000),
    async load() {
      const { run, spawn } = await import("effection");
      const { EffectionChannel } = await import("../lib/effection-extras.js");
      return {
        async run(n) {
          const last = await run(function* () {
            const ping = new EffectionChannel<number>(0);
            const pong = new EffectionChannel<number>(0);
            const ponger = yield* spawn(function* () {
              for (let i = 0; i < n; i++) yield* pong.send((yield* ping.receive()) + 1);
            });
            let v = 0;
            for (let i = 0; i < n; i++) {
              yield* ping.send(v);
              v = yield* pong.receive();
            }
            yield* ponger;
            return v;
          });
          check("last value", last, n);
        },
      };
    },
  },
  {
    id: "pingpong/effect/queue",
    group: G,
    system: "effect",
    variant: "Queue.bounded(1) ×2 (no rendezvous queue), forkChild",
    unit: "round trip",
    n: sizes(30_000, 3),
    async load() {
      const { Effect, Fiber, Queue } = await import("effect");
      return {
        async run(n) {
          const last = await Effect.runPromise(
            Effect.gen(function* () {
              const ping = yield* Queue.bounded<number>(1);
              const pong = yield* Queue.bounded<number>(1);
              const ponger = yield* Effect.forkChild(
                Effect.gen(function* () {
                  for (let i = 0; i < n; i++) yield* Queue.offer(pong, (yield* Queue.take(ping)) + 1);
                }),
              );
              let v = 0;
              for (let i = 0; i < n; i++) {
                yield* Queue.offer(ping, v);
                v = yield* Queue.take(pong);
              }
              yield* Fiber.join(ponger);
              return v;
            }),
          );
          check("last value", last, n);
        },
      };
    },
  },
  {
    id: "pingpong/effect/deferred",
    group: G,
    system: "effect",
    variant: "a fresh Deferred per hop (Effect's fastest hand-off)",
    unit: "round trip",
    n: sizes(200_000),
    async load() {
      const { Effect, Fiber, Deferred } = await import("effect");
      return {
        async run(n) {
          const last = await Effect.runPromise(
            Effect.gen(function* () {
              const box = { toPong: yield* Deferred.make<number>(), toPing: yield* Deferred.make<number>() };
              const ponger = yield* Effect.forkChild(
                Effect.gen(function* () {
                  for (let i = 0; i < n; i++) {
                    const v = yield* Deferred.await(box.toPong);
                    box.toPong = yield* Deferred.make<number>();
                    const reply = box.toPing;
                    box.toPing = yield* Deferred.make<number>();
                    yield* Deferred.succeed(reply, v + 1);
                  }
                }),
              );
              let v = 0;
              for (let i = 0; i < n; i++) {
                const reply = box.toPing;
                yield* Deferred.succeed(box.toPong, v);
                v = yield* Deferred.await(reply);
              }
              yield* Fiber.join(ponger);
              return v;
            }),
          );
          check("last value", last, n);
        },
      };
    },
  },
  goCase({
    id: "pingpong/go/chan",
    group: G,
    workload: "pingpong",
    variant: "2 goroutines, unbuffered chan ×2, GOMAXPROCS=1",
    unit: "round trip",
    n: sizes(1_000_000),
  }),
];

/** Strand's ping-pong: two tasks, two rendezvous channels, n round trips. */
async function strandPingPong(): Promise<(n: number) => Promise<void>> {
  const { run, spawn, channel } = await strand();
  return async (n) => {
    const last = await run(function* () {
      const ping = channel<number>(0);
      const pong = channel<number>(0);
      const ponger = yield* spawn(function* () {
        for (let i = 0; i < n; i++) yield* pong.send((yield* ping.receive()) + 1);
      });
      let v = 0;
      for (let i = 0; i < n; i++) {
        yield* ping.send(v);
        v = yield* pong.receive();
      }
      yield* ponger;
      return v;
    });
    check("last value", last, n);
  };
}
