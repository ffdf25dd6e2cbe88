/**
 * Workload 4, spawn/join: 10⁵ children spawned, then joined one by one.
 * - idle: children do nothing.
 * - parked: every child waits on one shared gate, opened once all exist, so the
 *   memory figure is the cost of a live suspended task. Strand's gate is a task
 *   the children join (a Latch/Event from strand/sync would do as well).
 *
 * Memory (untimed probe run, post-GC heapUsed deltas per task):
 * - live: after the spawn loop, while the caller holds every handle;
 * - retained: after joining every child and dropping the handles — what the
 *   runtime itself keeps per finished task (should be 0).
 */
import { check, heapUsed, sizes, type Bench, type Case } from "../lib/case.js";
import { goCase } from "../lib/go.js";
import { strand } from "../lib/strand.js";

export const IDLE = "spawn+join · idle children";
const PARKED = "spawn+join · children parked on a gate";

type Memory = Record<string, number>;

/** The probe's figures, per task. */
function perTask(n: number, base: number, live: number, retained: number): Memory {
  return { liveBytesPerTask: (live - base) / n, retainedBytesPerTask: (retained - base) / n };
}

/** A bench whose timed runs skip the heap measurements the probe takes. */
function bench(once: (n: number, probe: boolean) => PromiseLike<Memory | number>): Bench {
  return {
    async run(n) {
      check("children joined", await once(n, false), n);
    },
    async probe(n) {
      return (await once(n, true)) as Memory;
    },
  };
}

function strandCase(parked: boolean): Case {
  return {
    id: `spawn/strand/${parked ? "parked" : "idle"}`,
    group: parked ? PARKED : IDLE,
    system: "strand",
    ref: 1,
    variant: parked ? "spawn + join loop; children join a gate task" : "spawn + join loop; children function* () {}",
    unit: "task",
    n: sizes(100_000),
    async load() {
      const { run, spawn, action, yieldNow } = await strand();
      type Task = import("../../src/index.js").Task<void>;
      type Operation = import("../../src/index.js").Operation<void>;
      return bench((n, probe) =>
        run(function* () {
          let open!: () => void;
          let child: () => Operation = function* () {};
          if (parked) {
            const gate = yield* spawn(function* gate() {
              yield* action<void>((resolve) => {
                open = resolve;
              });
            });
            yield* yieldNow(); // the gate starts and parks
            child = function* () {
              yield* gate;
            };
          }
          const base = probe ? heapUsed() : 0;
          let tasks: Task[] = new Array(n);
          for (let i = 0; i < n; i++) tasks[i] = yield* spawn(child);
          if (parked) yield* yieldNow(); // the last children start and park too
          const live = probe ? heapUsed() : 0;
          if (parked) open();
          let joined = 0;
          for (let i = 0; i < n; i++, joined++) yield* tasks[i];
          tasks = [];
          return probe ? perTask(n, base, live, heapUsed()) : joined;
        }),
      );
    },
  };
}

function raw(parked: boolean): Case {
  return {
    id: `spawn/raw/${parked ? "parked" : "idle"}`,
    group: parked ? PARKED : IDLE,
    system: "raw",
    variant: parked ? "Promise.all over async fns awaiting a gate promise" : "Promise.all over async () => {}",
    unit: "task",
    n: sizes(100_000),
    async load() {
      return bench(async (n, probe) => {
        let open!: () => void;
        const gate = new Promise<void>((resolve) => (open = resolve));
        const child = parked
          ? async () => {
              await gate;
            }
          : async () => {};
        const base = probe ? heapUsed() : 0;
        let tasks: Promise<void>[] = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = child();
        const live = probe ? heapUsed() : 0;
        open();
        const joined = (await Promise.all(tasks)).length;
        tasks = [];
        return probe ? perTask(n, base, live, heapUsed()) : joined;
      });
    },
  };
}

/** Idle children as generator coroutines on a minimal scheduler (bench/lib/raw-coroutines.ts), joined in turn. */
const rawCoroutines: Case = {
  id: "spawn/raw/coroutines/idle",
  group: IDLE,
  system: "raw",
  variant: "generator coroutines on a minimal scheduler; spawn + join loop; children function* () {}",
  unit: "task",
  n: sizes(100_000),
  async load() {
    const { RawScheduler } = await import("../lib/raw-coroutines.js");
    return {
      async run(n) {
        const scheduler = new RawScheduler();
        const joined = scheduler.run(function* () {
          const child = function* () {};
          let tasks = new Array(n);
          for (let i = 0; i < n; i++) tasks[i] = scheduler.spawn(child);
          let joined = 0;
          for (let i = 0; i < n; i++, joined++) yield* scheduler.join(tasks[i]);
          tasks = [];
          return joined;
        });
        check("children joined", joined, n);
      },
    };
  },
};

function effect(parked: boolean): Case {
  return {
    id: `spawn/effect/${parked ? "parked" : "idle"}`,
    group: parked ? PARKED : IDLE,
    system: "effect",
    variant: parked ? "forkChild + Fiber.join loop; children Deferred.await(gate)" : "forkChild(Effect.void) + Fiber.join loop",
    unit: "task",
    n: sizes(30_000, 6),
    async load() {
      const { Effect, Fiber, Deferred } = await import("effect");
      type F = import("effect").Fiber.Fiber<void>;
      return bench((n, probe) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const gate = yield* Deferred.make<void>();
            const child = parked ? Deferred.await(gate) : Effect.void;
            const base = probe ? heapUsed() : 0;
            let fibers: F[] = new Array(n);
            for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(child);
            if (parked) yield* Effect.yieldNow;
            const live = probe ? heapUsed() : 0;
            yield* Deferred.succeed(gate, undefined);
            let joined = 0;
            for (let i = 0; i < n; i++, joined++) yield* Fiber.join(fibers[i]);
            fibers = [];
            return probe ? perTask(n, base, live, heapUsed()) : joined;
          }),
        ),
      );
    },
  };
}

function effection(parked: boolean): Case {
  return {
    id: `spawn/effection/${parked ? "parked" : "idle"}`,
    group: parked ? PARKED : IDLE,
    system: "effection",
    variant: parked ? "spawn + join loop; children await withResolvers() gate" : "spawn + join loop; children function* () {}",
    unit: "task",
    n: sizes(10_000, 20),
    slow: true,
    async load() {
      const { run, spawn, withResolvers } = await import("effection");
      type T = import("effection").Task<void>;
      return bench((n, probe) =>
        run(function* () {
          const gate = withResolvers<void>();
          const child = parked
            ? function* () {
                yield* gate.operation;
              }
            : function* () {};
          const base = probe ? heapUsed() : 0;
          let tasks: T[] = new Array(n);
          for (let i = 0; i < n; i++) tasks[i] = yield* spawn(child);
          const live = probe ? heapUsed() : 0;
          gate.resolve();
          let joined = 0;
          for (let i = 0; i < n; i++, joined++) yield* tasks[i];
          tasks = [];
          return probe ? perTask(n, base, live, heapUsed()) : joined;
        }),
      );
    },
  };
}

/**
 * The same idle workload written with the child's body inline in the loop,
 * `spawn(function* () {})`: each spawn then calls a freshly created generator
 * function, which V8 11 makes expensive (each one gets its own prototype object
 * and initial map). Shown so the cost of that style is visible; it is not
 * Strand's to fix, and it applies to every generator-based library.
 */
const inline: Case = {
  id: "spawn/strand/idle-inline",
  group: IDLE,
  system: "strand",
  variant: "the same with spawn(function* () {}) inline in the loop",
  unit: "task",
  n: sizes(100_000),
  full: true,
  async load() {
    const { run, spawn } = await strand();
    type Task = import("../../src/index.js").Task<void>;
    return bench((n, probe) =>
      run(function* () {
        const base = probe ? heapUsed() : 0;
        let tasks: Task[] = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = yield* spawn(function* () {});
        const live = probe ? heapUsed() : 0;
        let joined = 0;
        for (let i = 0; i < n; i++, joined++) yield* tasks[i];
        tasks = [];
        return probe ? perTask(n, base, live, heapUsed()) : joined;
      }),
    );
  },
};

/**
 * Go: goroutines joined by a WaitGroup, on one thread. Its memory probe counts
 * heap and goroutine stacks (HeapAlloc + StackInuse after GC); idle goroutines
 * that already ran to completion are not counted, so only the parked figure
 * compares with a task's.
 */
function go(parked: boolean): Case {
  return goCase({
    id: `spawn/go/${parked ? "parked" : "idle"}`,
    group: parked ? PARKED : IDLE,
    workload: parked ? "spawn-blocked" : "spawn",
    variant: parked ? "goroutines parked on a closed-later chan + WaitGroup, GOMAXPROCS=1" : "go func() { wg.Done() }() + WaitGroup, GOMAXPROCS=1",
    unit: "task",
    n: sizes(100_000),
    memory: (probe, n) => ({ liveBytesPerTask: (probe.liveBytesAllParked ?? probe.liveBytesAfterSpawnLoop) / n }),
  });
}

export const cases: Case[] = [false, true].flatMap((parked) => [strandCase(parked), ...(parked ? [] : [inline]), raw(parked), ...(parked ? [] : [rawCoroutines]), effect(parked), effection(parked), go(parked)]);
