/**
 * Workload 8, timers: n tasks each sleep 1 ms; the time is the wall time until
 * all are done (spawning included), per task. 10⁵ tasks on every system; Strand
 * also on its virtual clock (`runTest`: no wall time passes, timers fire in
 * order). Strand and raw timers also at 10⁴ and 10⁶ tasks (full runs): the timer heap is
 * O(log n) per timer, so the time per task may grow by at most log(10⁶)/log(10⁴)
 * = 1.5× across the range.
 */
import { check, sizes, type Case, type Sizes } from "../lib/case.js";
import { goCase } from "../lib/go.js";
import { strand, strandTesting } from "../lib/strand.js";

/** The main group runs 10⁵ tasks (10⁴ in --quick); the scaling groups, full runs only, 10⁴ and 10⁶. */
function group(tasks: number): string {
  return tasks === 100_000 ? "timers · tasks × sleep(1 ms)" : `timers scaling · ${tasks.toLocaleString("en-US")} tasks × sleep(1 ms)`;
}

const n = (tasks: number): Sizes => (tasks === 100_000 ? { full: tasks, quick: tasks / 10 } : { full: tasks, quick: tasks });

function strandCase(tasks: number, virtual: boolean): Case {
  return {
    id: `timers/strand/${virtual ? "virtual" : "real"}/${tasks}`,
    group: group(tasks),
    system: "strand",
    ref: virtual ? undefined : 1,
    variant: virtual ? "the same under runTest (virtual clock)" : "spawn(sleeper) + join loop; sleeper: yield* sleep(1)",
    unit: "task",
    n: n(tasks),
    full: tasks !== 100_000,
    slow: tasks > 100_000,
    iterations: tasks > 100_000 ? 2 : undefined,
    warmups: tasks < 100_000 ? 10 : undefined, // as many tasks as one 10⁵ iteration, so the JIT has caught up
    async load() {
      const { run, spawn, sleep } = await strand();
      const { runTest } = await strandTesting();
      type Task = import("../../src/index.js").Task<void>;
      const sleeper = function* () {
        yield* sleep(1);
      };
      function* sleepers(n: number): Generator<any, number, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
        const tasks: Task[] = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = yield* spawn(sleeper);
        let joined = 0;
        for (let i = 0; i < n; i++, joined++) yield* tasks[i];
        return joined;
      }
      return {
        async run(n) {
          check("joined", await (virtual ? runTest(() => sleepers(n)) : run(() => sleepers(n))), n);
        },
      };
    },
  };
}

function raw(tasks: number): Case {
  return {
    id: `timers/raw/set-timeout/${tasks}`,
    group: group(tasks),
    system: "raw",
    variant: "Promise.all over async fns awaiting setTimeout(resolve, 1)",
    unit: "task",
    n: n(tasks),
    full: tasks !== 100_000,
    slow: tasks > 100_000,
    iterations: tasks > 100_000 ? 2 : undefined,
    warmups: tasks < 100_000 ? 10 : undefined, // as many tasks as one 10⁵ iteration, so the JIT has caught up
    async load() {
      const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
      return {
        async run(n) {
          const tasks: Promise<void>[] = new Array(n);
          for (let i = 0; i < n; i++) {
            tasks[i] = (async () => {
              await sleep(1);
            })();
          }
          check("joined", (await Promise.all(tasks)).length, n);
        },
      };
    },
  };
}

export const cases: Case[] = [
  strandCase(100_000, false),
  strandCase(100_000, true),
  raw(100_000),
  {
    id: "timers/effect/sleep/100000",
    group: group(100_000),
    system: "effect",
    variant: 'forkChild(Effect.sleep("1 millis")) + Fiber.join loop',
    unit: "task",
    n: n(100_000),
    async load() {
      const { Effect, Fiber } = await import("effect");
      type F = import("effect").Fiber.Fiber<void>;
      return {
        async run(n) {
          const joined = await Effect.runPromise(
            Effect.gen(function* () {
              const child = Effect.sleep("1 millis");
              const fibers: F[] = new Array(n);
              for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(child);
              let joined = 0;
              for (let i = 0; i < n; i++, joined++) yield* Fiber.join(fibers[i]);
              return joined;
            }),
          );
          check("joined", joined, n);
        },
      };
    },
  },
  {
    id: "timers/effection/sleep/100000",
    group: group(100_000),
    system: "effection",
    variant: "spawn(sleeper) + join loop; sleeper: yield* sleep(1)",
    unit: "task",
    n: sizes(10_000, 10),
    slow: true,
    async load() {
      const { run, spawn, sleep } = await import("effection");
      type T = import("effection").Task<void>;
      return {
        async run(n) {
          const sleeper = function* () {
            yield* sleep(1);
          };
          const joined = await run(function* () {
            const tasks: T[] = new Array(n);
            for (let i = 0; i < n; i++) tasks[i] = yield* spawn(sleeper);
            let joined = 0;
            for (let i = 0; i < n; i++, joined++) yield* tasks[i];
            return joined;
          });
          check("joined", joined, n);
        },
      };
    },
  },
  goCase({
    id: "timers/go/sleep/100000",
    group: group(100_000),
    workload: "timers",
    variant: "goroutines × time.Sleep(1 ms) + WaitGroup, GOMAXPROCS=1",
    unit: "task",
    n: n(100_000),
  }),
  strandCase(10_000, false),
  raw(10_000),
  strandCase(1_000_000, false),
  raw(1_000_000),
];
