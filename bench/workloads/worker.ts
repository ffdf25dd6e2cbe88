/**
 * Issue 14's worker-thread workloads (the tasks they run: worker-tasks.ts):
 *
 * - bytes: 64 KiB messages through a shared channel from one pool worker to
 *   another, every 32-bit word written by the sender and summed by the
 *   receiver, against `memcpy` (`Uint8Array.set` of 64 KiB) on one thread, in
 *   the same run; the sender writes each block into its own buffer and sends
 *   it (copied into the slab), or writes it in the slab (`sendInPlace`, no
 *   copy); the floor: the same two loops on two plain threads, handing
 *   blocks over in place with no channel at all; and Go on two threads
 *   (bench/go `handoff64k`), what native loops and the two cores allow. Per
 *   message.
 * - numbers: 8-byte numbers one way through a shared channel between two pool
 *   workers: with codec "number" (the lock-free ring of fixed slots) and with
 *   the default codec (the locked slab every kind of element shares). Per
 *   message.
 * - spawn: the pool's overhead per task — `spawnOn` of a task that adds two
 *   numbers, all in flight at once, then joined — against piscina's `run()`
 *   of the same function. Per task; the pool's start is not timed.
 * - cpu: a batch of fib(27) tasks on a pool of 2 workers, against the same
 *   batch on one thread and on two plain `worker_threads` (half each, by
 *   `postMessage`). Per task. The pool, like the plain workers, is started
 *   once per process and serves every iteration; the threads' start is not
 *   timed.
 *
 * The worker cases need the compiled run (the default): under `--tsx`, the
 * plain workers and piscina's cannot load the TypeScript task module.
 */
import { Worker } from "node:worker_threads";
import { check, type Case } from "../lib/case.js";
import { goCase } from "../lib/go.js";
import { strand } from "../lib/strand.js";

const TASKS = new URL(import.meta.url.endsWith(".ts") ? "./worker-tasks.ts" : "./worker-tasks.js", import.meta.url);
const worker = () => import("../../src/worker/index.js");
const tasks = () => import("./worker-tasks.js");

const BLOCK = 65_536;
const FIB = 27;

const BYTES_GROUP = "worker · 64 KiB messages, written + checksummed, between two workers";
const NUMBERS_GROUP = "worker · 8-byte numbers one way between two workers";
const SPAWN_GROUP = "worker · pool overhead per task (a + b on the pool)";
const CPU_GROUP = `worker · CPU-bound batch, fib(${FIB}) per task, 2 cores`;

const bytes: Case[] = [
  bytesCase("sendBlocks"),
  bytesCase("sendBlocksInPlace"),
  {
    id: "worker/bytes/floor",
    group: BYTES_GROUP,
    system: "raw",
    variant: "the same loops on two plain worker_threads, blocks written in place in a shared ring, no channel",
    unit: "message",
    n: { full: 20_000, quick: 2_000 },
    async load() {
      const { expectedChecksum, FLOOR_SLOTS } = await tasks();
      const threads = [0, 1].map(() => new Worker(TASKS, { workerData: { plain: true } }));
      await Promise.all(threads.map((thread) => new Promise((resolve) => thread.once("online", resolve))));
      process.on("exit", () => threads.forEach((thread) => void thread.terminate()));
      for (const thread of threads) thread.unref();
      const ring = new SharedArrayBuffer(8 + FLOOR_SLOTS * BLOCK);
      return {
        async run(n) {
          new Int32Array(ring, 0, 2).fill(0);
          thread_ref(threads, true);
          const [, sum] = await Promise.all(
            (["send", "sum"] as const).map(
              (floor, t) =>
                new Promise<number>((resolve) => {
                  threads[t]!.once("message", resolve);
                  threads[t]!.postMessage({ floor, ring, n, size: BLOCK });
                }),
            ),
          );
          thread_ref(threads, false);
          check("checksum", sum, expectedChecksum(n, BLOCK));
        },
      };
    },
  },
  {
    id: "worker/bytes/memcpy",
    group: BYTES_GROUP,
    system: "raw",
    variant: "Uint8Array.set of 64 KiB on one thread, 16 MiB of targets",
    unit: "message",
    n: { full: 20_000, quick: 2_000 },
    async load() {
      const from = new Uint8Array(BLOCK).fill(7);
      const to = new Uint8Array(BLOCK * 256); // 16 MiB of targets: memory bandwidth, not a cache-hot copy
      return {
        run(n) {
          for (let i = 0; i < n; i++) to.set(from, (i & 255) * BLOCK);
          check("copied", to[((n - 1) & 255) * BLOCK + BLOCK - 1], 7);
        },
      };
    },
  },
  // What two threads can do natively: every byte written and summed in 8-byte words by two goroutines.
  goCase({
    id: "worker/bytes/go",
    group: BYTES_GROUP,
    workload: "handoff64k",
    variant: "two goroutines, a ring of 8 blocks, written and summed in 8-byte words, GOMAXPROCS=2",
    unit: "message",
    n: { full: 20_000, quick: 2_000 },
    threads: 2,
  }),
];

/** Strand's 64 KiB case: the sender writes each block into a buffer of its own and sends it (one copy, into the slab), or writes it in place in the slab (`sendInPlace`: no copy). */
function bytesCase(sender: "sendBlocks" | "sendBlocksInPlace"): Case {
  const inPlace = sender === "sendBlocksInPlace";
  return {
    id: inPlace ? "worker/bytes/strand-in-place" : "worker/bytes/strand",
    group: BYTES_GROUP,
    system: "strand",
    ref: inPlace ? undefined : 1,
    needs: ["worker"],
    variant: inPlace ? 'sharedChannel(8, codec "bytes"), sendInPlace: written in the slab, worker → worker' : 'sharedChannel(8, codec "bytes"), worker → worker',
    unit: "message",
    n: { full: 20_000, quick: 2_000 },
    async load() {
      const { sharedChannel } = await worker();
      const { expectedChecksum } = await tasks();
      return {
        selfTimed: true,
        async run(n) {
          const ch = () => sharedChannel<Uint8Array>(8, { codec: "bytes", bytes: 8 * (BLOCK + 8) });
          const { ns, sum } = await betweenTwoWorkers(ch, "checksumBlocks", sender, [n, BLOCK]);
          check("checksum", sum, expectedChecksum(n, BLOCK));
          return { ns };
        },
      };
    },
  };
}

/**
 * One run of a channel workload on a fresh pool of 2 (both workers warmed
 * first): `receive(ch)` on one worker, `send(ch, ...args)` on the other, timed
 * from the receiver's spawn until both have ended; the receiver's result is `sum`.
 */
async function betweenTwoWorkers(channel: () => unknown, receive: string, send: string, args: unknown[]): Promise<{ ns: number; sum: number }> {
  const { run } = await strand();
  const { createPool, spawnOn } = await worker();
  return run(function* () {
    const pool = yield* createPool({ module: TASKS, size: 2 });
    yield* yield* spawnOn(pool, "add", [1, 2]);
    yield* yield* spawnOn(pool, "add", [1, 2]);
    const ch = channel();
    const started = performance.now();
    const receiver = yield* spawnOn<number>(pool, receive, [ch]);
    const sender = yield* spawnOn(pool, send, [ch, ...args]);
    const sum = yield* receiver;
    yield* sender;
    return { ns: (performance.now() - started) * 1e6, sum };
  });
}

const numbers: Case[] = [numbersCase("number"), numbersCase("structured")];

function numbersCase(codec: "number" | "structured"): Case {
  return {
    id: codec === "number" ? "worker/numbers/strand-number" : "worker/numbers/strand",
    group: NUMBERS_GROUP,
    system: "strand",
    ref: codec === "number" ? 1 : undefined,
    needs: ["worker"],
    variant: codec === "number" ? 'sharedChannel(4096, { codec: "number" }) (lock-free ring), worker → worker' : "sharedChannel(4096) (default codec, locked slab), worker → worker",
    unit: "message",
    n: { full: 2_000_000, quick: 200_000 },
    async load() {
      const { sharedChannel } = await worker();
      return {
        selfTimed: true,
        async run(n) {
          const ch = () => (codec === "number" ? sharedChannel<number>(4096, { codec }) : sharedChannel<number>(4096));
          const { ns, sum } = await betweenTwoWorkers(ch, "sumNumbers", "sendNumbers", [n]);
          check("sum", sum, (n * (n - 1)) / 2);
          return { ns };
        },
      };
    },
  };
}

const spawn: Case[] = [
  {
    id: "worker/spawn/strand",
    group: SPAWN_GROUP,
    system: "strand",
    ref: 1,
    needs: ["worker"],
    variant: "createPool({ size: 2 }) + spawnOn, all in flight, joined",
    unit: "task",
    n: { full: 20_000, quick: 2_000 },
    async load() {
      const { run, all } = await strand();
      const { createPool, spawnOn } = await worker();
      return {
        selfTimed: true,
        async run(n) {
          const { ns, sum } = await run(function* () {
            const pool = yield* createPool({ module: TASKS, size: 2 });
            yield* yield* spawnOn(pool, "add", [1, 2]);
            const started = performance.now();
            const running = [];
            for (let i = 0; i < n; i++) running.push(yield* spawnOn<number>(pool, "add", [i, 1]));
            const results = yield* all(running);
            const ns = (performance.now() - started) * 1e6;
            return { ns, sum: results.reduce((a, b) => a + b, 0) };
          });
          check("sum", sum, (n * (n - 1)) / 2 + n);
          return { ns };
        },
      };
    },
  },
  {
    id: "worker/spawn/piscina",
    group: SPAWN_GROUP,
    system: "piscina",
    variant: "new Piscina({ threads: 2 }) + run(), all in flight, awaited",
    unit: "task",
    n: { full: 20_000, quick: 2_000 },
    async load() {
      const { Piscina } = await import("piscina");
      const pool = new Piscina({ filename: TASKS.href, minThreads: 2, maxThreads: 2 });
      await pool.run({ fn: "add", args: [1, 2] });
      return {
        async run(n) {
          const running: Promise<number>[] = [];
          for (let i = 0; i < n; i++) running.push(pool.run({ fn: "add", args: [i, 1] }));
          const results = await Promise.all(running);
          check("sum", results.reduce((a, b) => a + b, 0), (n * (n - 1)) / 2 + n);
        },
      };
    },
  },
];

const cpu: Case[] = [
  {
    id: "worker/cpu/strand",
    group: CPU_GROUP,
    system: "strand",
    ref: 1,
    needs: ["worker"],
    variant: "createPool({ size: 2 }) + spawnOn per task",
    unit: "task",
    n: { full: 32, quick: 8 },
    async load() {
      const { run, all, channel } = await strand();
      const { createPool, spawnOn } = await worker();
      const { fib } = await tasks();
      const expected = fib(FIB);
      // One pool serves every iteration of the process, as the two plain workers below do
      // (threads started once, their JIT warm from the iterations before): a run that
      // holds the pool takes each batch from a channel, until close() cancels it.
      type Batch = { n: number; done: (outcome: { ns: number; results: number[] }) => void };
      const batches = channel<Batch>(1);
      const service = run(function* () {
        const pool = yield* createPool({ module: TASKS, size: 2 });
        for (;;) {
          const { n, done } = yield* batches.receive();
          const started = performance.now();
          const running = [];
          for (let i = 0; i < n; i++) running.push(yield* spawnOn<number>(pool, "fib", [FIB]));
          const results = yield* all(running);
          done({ ns: (performance.now() - started) * 1e6, results });
        }
      });
      service.then(undefined, () => {}); // cancelled by close()
      return {
        selfTimed: true,
        async run(n) {
          const { ns, results } = await new Promise<{ ns: number; results: number[] }>((done) => {
            if (!batches.trySend({ n, done }).ok) throw new Error("the pool's run is not taking batches");
          });
          check("results", results.every((r) => r === expected) && results.length === n, true);
          return { ns };
        },
        async close() {
          await service.cancel().then(undefined, () => {});
        },
      };
    },
  },
  {
    id: "worker/cpu/one-thread",
    group: CPU_GROUP,
    system: "raw",
    variant: "the same batch on the main thread",
    unit: "task",
    n: { full: 32, quick: 8 },
    async load() {
      const { fib } = await tasks();
      const expected = fib(FIB);
      return {
        run(n) {
          let ok = 0;
          for (let i = 0; i < n; i++) if (fib(FIB) === expected) ok++;
          check("results", ok, n);
        },
      };
    },
  },
  {
    id: "worker/cpu/plain-workers",
    group: CPU_GROUP,
    system: "raw",
    variant: "two plain worker_threads, half the batch each (postMessage)",
    unit: "task",
    n: { full: 32, quick: 8 },
    async load() {
      const { fib } = await tasks();
      const expected = fib(FIB);
      const threads = [0, 1].map(() => new Worker(TASKS, { workerData: { plain: true } }));
      await Promise.all(threads.map((thread) => new Promise((resolve) => thread.once("online", resolve))));
      process.on("exit", () => threads.forEach((thread) => void thread.terminate()));
      for (const thread of threads) thread.unref();
      return {
        async run(n) {
          const halves = threads.map(
            (thread, t) =>
              new Promise<number>((resolve) => {
                const count = t === 0 ? Math.ceil(n / 2) : Math.floor(n / 2);
                let got = 0;
                let ok = 0;
                if (count === 0) return resolve(0);
                const onMessage = (result: number) => {
                  if (result === expected) ok++;
                  if (++got === count) {
                    thread.off("message", onMessage);
                    resolve(ok);
                  }
                };
                thread.on("message", onMessage);
                for (let i = 0; i < count; i++) thread.postMessage(FIB);
              }),
          );
          thread_ref(threads, true);
          const ok = (await Promise.all(halves)).reduce((a, b) => a + b, 0);
          thread_ref(threads, false);
          check("results", ok, n);
        },
      };
    },
  },
];

function thread_ref(threads: Worker[], on: boolean): void {
  for (const thread of threads) (on ? thread.ref() : thread.unref());
}

export const cases: Case[] = [...bytes, ...numbers, ...spawn, ...cpu];
