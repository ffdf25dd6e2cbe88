/**
 * Workload 10, mutex: 100 tasks contend for one mutex, 10⁵ acquisitions in all.
 * The critical section reads a counter, yields to the scheduler once (without a
 * suspension point inside, cooperative tasks never contend), and writes it back
 * plus one: the final count proves mutual exclusion.
 * The yield is each system's own: Strand `yieldNow()`, raw `await null`,
 * Effect `Effect.yieldNow`, Effection `until(Promise.resolve())` (it has no
 * yield operation, and `sleep(0)` is a 1 ms host timer).
 */
import { check, sizes, type Case } from "../lib/case.js";
import { RawMutex } from "../lib/raw.js";
import { strand, strandSync } from "../lib/strand.js";

export const TASKS = 100;
export const G = `mutex · ${TASKS} tasks contending`;

export const cases: Case[] = [
  {
    // pending until src/sync has a Mutex
    id: "mutex/strand/with-lock",
    group: G,
    system: "strand",
    ref: 1,
    needs: ["mutex"],
    variant: "new Mutex(); mutex.withLock(critical): read, yieldNow(), write",
    unit: "acquisition",
    n: sizes(100_000),
    async load() {
      const { run, spawn, yieldNow } = await strand();
      const { Mutex } = await strandSync();
      return {
        async run(n) {
          const each = n / TASKS;
          let counter = 0;
          await run(function* () {
            const mutex = new Mutex();
            const critical = function* () {
              const seen = counter;
              yield* yieldNow();
              counter = seen + 1;
            };
            for (let t = 0; t < TASKS; t++) {
              yield* spawn(function* () {
                for (let i = 0; i < each; i++) yield* mutex.withLock(critical);
              });
            } // run() returns once its children are done
          });
          check("count", counter, n);
        },
      };
    },
  },
  {
    id: "mutex/raw/promise-mutex",
    group: G,
    system: "raw",
    variant: "hand-rolled promise mutex; await lock(), await null, unlock()",
    unit: "acquisition",
    n: sizes(100_000),
    async load() {
      return {
        async run(n) {
          const each = n / TASKS;
          const mutex = new RawMutex();
          let counter = 0;
          const worker = async () => {
            for (let i = 0; i < each; i++) {
              await mutex.lock();
              try {
                const seen = counter;
                await null;
                counter = seen + 1;
              } finally {
                mutex.unlock();
              }
            }
          };
          const workers: Promise<void>[] = [];
          for (let t = 0; t < TASKS; t++) workers.push(worker());
          await Promise.all(workers);
          check("count", counter, n);
        },
      };
    },
  },
  {
    id: "mutex/effect/semaphore",
    group: G,
    system: "effect",
    variant: "Semaphore.make(1).withPermits(1)(...) around Effect.yieldNow",
    unit: "acquisition",
    n: sizes(10_000, 5),
    async load() {
      const { Effect, Fiber, Semaphore } = await import("effect");
      return {
        async run(n) {
          const each = n / TASKS;
          let counter = 0;
          await Effect.runPromise(
            Effect.gen(function* () {
              const mutex = yield* Semaphore.make(1);
              const critical = mutex.withPermits(1)(
                Effect.gen(function* () {
                  const seen = counter;
                  yield* Effect.yieldNow;
                  counter = seen + 1;
                }),
              );
              const worker = Effect.gen(function* () {
                for (let i = 0; i < each; i++) yield* critical;
              });
              const fibers = [];
              for (let t = 0; t < TASKS; t++) fibers.push(yield* Effect.forkChild(worker));
              for (const fiber of fibers) yield* Fiber.join(fiber);
            }),
          );
          check("count", counter, n);
        },
      };
    },
  },
  {
    id: "mutex/effection/action-mutex",
    group: G,
    system: "effection",
    variant: "mutex hand-rolled on action(); until(Promise.resolve()) inside",
    unit: "acquisition",
    n: sizes(20_000),
    async load() {
      const { run, spawn, until } = await import("effection");
      const { EffectionMutex } = await import("../lib/effection-extras.js");
      return {
        async run(n) {
          const each = n / TASKS;
          let counter = 0;
          await run(function* () {
            const mutex = new EffectionMutex();
            const tasks = [];
            for (let t = 0; t < TASKS; t++) {
              tasks.push(
                yield* spawn(function* () {
                  for (let i = 0; i < each; i++) {
                    yield* mutex.lock();
                    try {
                      const seen = counter;
                      yield* until(Promise.resolve());
                      counter = seen + 1;
                    } finally {
                      mutex.unlock();
                    }
                  }
                }),
              );
            }
            for (const task of tasks) yield* task;
          });
          check("count", counter, n);
        },
      };
    },
  },
];
