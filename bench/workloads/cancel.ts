/**
 * Workload 9, cancellation: spawn tasks (3·10⁴ per iteration; the issue says 10⁵,
 * the cost per task is the same and the suite stays short) that each park in a receive on an
 * empty channel, then cancel them one by one, waiting for each teardown.
 * Until Strand has channels its reference case parks in `suspend()` instead.
 */
import { sizes, type Case } from "../lib/case.js";
import { RawChannel } from "../lib/raw.js";
import { strand } from "../lib/strand.js";

const G = "cancel · tasks parked in a receive";

function strandCase(parking: "receive" | "suspend"): Case {
  return {
    id: `cancel/strand/${parking}`,
    group: G,
    system: "strand",
    ref: parking === "receive" ? 1 : 2,
    needs: parking === "receive" ? ["channel"] : undefined,
    variant:
      parking === "receive"
        ? "spawn; child parks in channel(0).receive(); yield* task.cancel()"
        : "spawn; child parks in suspend() (stand-in until channels); yield* task.cancel()",
    unit: "task",
    n: sizes(30_000),
    async load() {
      const { run, spawn, suspend, yieldNow, channel } = await strand();
      type Task = import("../../src/index.js").Task<void>;
      return {
        async run(n) {
          await run(function* () {
            const empty = parking === "receive" ? channel<number>(0) : undefined;
            const child =
              empty !== undefined
                ? function* () {
                    yield* empty.receive();
                  }
                : function* () {
                    yield* suspend();
                  };
            const tasks: Task[] = new Array(n);
            for (let i = 0; i < n; i++) tasks[i] = yield* spawn(child);
            yield* yieldNow(); // every child starts and parks
            for (let i = 0; i < n; i++) yield* tasks[i].cancel();
          });
        },
      };
    },
  };
}

export const cases: Case[] = [
  strandCase("receive"),
  strandCase("suspend"),
  {
    id: "cancel/raw/abort-signal",
    group: G,
    system: "raw",
    variant: "async fn awaits channel(0).receive(signal); controller.abort(), await it",
    unit: "task",
    n: sizes(10_000),
    async load() {
      return {
        async run(n) {
          const empty = new RawChannel<number>(0);
          const controllers: AbortController[] = new Array(n);
          const tasks: Promise<void>[] = new Array(n);
          for (let i = 0; i < n; i++) {
            const controller = (controllers[i] = new AbortController());
            tasks[i] = (async () => {
              try {
                await empty.receive(controller.signal);
              } catch {
                // cancelled
              }
            })();
          }
          for (let i = 0; i < n; i++) {
            controllers[i].abort();
            await tasks[i];
          }
        },
      };
    },
  },
  {
    id: "cancel/effect/interrupt",
    group: G,
    system: "effect",
    variant: "forkChild(Queue.take(empty)); Fiber.interrupt loop",
    unit: "task",
    n: sizes(30_000),
    async load() {
      const { Effect, Fiber, Queue } = await import("effect");
      type F = import("effect").Fiber.Fiber<number>;
      return {
        async run(n) {
          await Effect.runPromise(
            Effect.gen(function* () {
              const empty = yield* Queue.bounded<number>(1);
              const fibers: F[] = new Array(n);
              for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(Queue.take(empty));
              yield* Effect.yieldNow; // every fiber starts and parks
              for (let i = 0; i < n; i++) yield* Fiber.interrupt(fibers[i]);
            }),
          );
        },
      };
    },
  },
  {
    id: "cancel/effection/halt",
    group: G,
    system: "effection",
    variant: "spawn; park in receive on action() channel; yield* task.halt()",
    unit: "task",
    n: sizes(3_000),
    slow: true,
    async load() {
      const { run, spawn } = await import("effection");
      const { EffectionChannel } = await import("../lib/effection-extras.js");
      type T = import("effection").Task<void>;
      return {
        async run(n) {
          await run(function* () {
            const empty = new EffectionChannel<number>(0);
            const child = function* () {
              yield* empty.receive();
            };
            const tasks: T[] = new Array(n);
            for (let i = 0; i < n; i++) tasks[i] = yield* spawn(child);
            for (let i = 0; i < n; i++) yield* tasks[i].halt();
          });
        },
      };
    },
  },
];
