/**
 * Workload 1, resume: how fast a suspended coroutine is resumed.
 * - "coroutine": Strand's scheduler-free `Coroutine` (send/next/recv, the Go
 *   seed's API) against a plain generator's `gen.next(v)` — kcoro's "resumes
 *   per second" figure.
 * - "task": a task resumed through each runtime's run loop, for context: Strand
 *   `yieldNow()`, an async function's `await`, Effect's `yieldNow`, and
 *   Effection's cheapest resumption (an `action` that resolves at once; it has
 *   no yield-to-scheduler operation).
 */
import { check, sizes, type Case } from "../lib/case.js";
import { strand } from "../lib/strand.js";

const CO = "resume · coroutine (send/next)";
const TASK = "resume · task via run loop";

export const cases: Case[] = [
  {
    id: "resume/strand/coroutine",
    group: CO,
    system: "strand",
    ref: 1,
    variant: "Coroutine: send(v), next(), recv()",
    unit: "resume",
    n: sizes(10_000_000, 10),
    async load() {
      const { Coroutine } = await strand();
      return {
        run(n) {
          const counter = new Coroutine<number, number>(function* () {
            let x = 0;
            for (;;) x = (yield x)! + 1;
          });
          counter.next();
          let sum = 0;
          for (let i = 0; i < n; i++) {
            counter.send(i);
            counter.next();
            sum += counter.recv();
          }
          check("sum", sum, (n * (n + 1)) / 2);
        },
      };
    },
  },
  {
    id: "resume/raw/gen-next",
    group: CO,
    system: "raw",
    variant: "generator: gen.next(v)",
    unit: "resume",
    n: sizes(10_000_000, 10),
    async load() {
      return {
        run(n) {
          function* counter(): Generator<number, never, number> {
            let x = 0;
            for (;;) x = (yield x) + 1;
          }
          const it = counter();
          it.next(0);
          let sum = 0;
          for (let i = 0; i < n; i++) sum += it.next(i).value;
          check("sum", sum, (n * (n + 1)) / 2);
        },
      };
    },
  },

  {
    id: "resume/strand/yield-now",
    group: TASK,
    system: "strand",
    ref: 1,
    variant: "one task: yield* yieldNow()",
    unit: "resume",
    n: sizes(1_000_000),
    async load() {
      const { run, yieldNow } = await strand();
      return {
        async run(n) {
          const count = await run(function* () {
            let i = 0;
            for (; i < n; i++) yield* yieldNow();
            return i;
          });
          check("resumes", count, n);
        },
      };
    },
  },
  {
    id: "resume/raw/await",
    group: TASK,
    system: "raw",
    variant: "async fn: s += await i",
    unit: "resume",
    n: sizes(1_000_000),
    async load() {
      return {
        async run(n) {
          let sum = 0;
          for (let i = 0; i < n; i++) sum += await i;
          check("sum", sum, (n * (n - 1)) / 2);
        },
      };
    },
  },
  {
    id: "resume/effect/yield-now",
    group: TASK,
    system: "effect",
    variant: "Effect.gen: yield* Effect.yieldNow",
    unit: "resume",
    n: sizes(20_000),
    async load() {
      const { Effect } = await import("effect");
      return {
        async run(n) {
          const count = await Effect.runPromise(
            Effect.gen(function* () {
              let i = 0;
              for (; i < n; i++) yield* Effect.yieldNow;
              return i;
            }),
          );
          check("resumes", count, n);
        },
      };
    },
  },
  {
    id: "resume/effection/action",
    group: TASK,
    system: "effection",
    variant: "yield* action(resolve at once)",
    unit: "resume",
    n: sizes(100_000),
    async load() {
      const { run, action } = await import("effection");
      return {
        async run(n) {
          const sum = await run(function* () {
            let sum = 0;
            for (let i = 0; i < n; i++) {
              sum += yield* action<number>((resolve) => {
                resolve(i);
                return () => {};
              });
            }
            return sum;
          });
          check("sum", sum, (n * (n - 1)) / 2);
        },
      };
    },
  },
];
