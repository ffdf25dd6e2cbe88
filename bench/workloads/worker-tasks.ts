/**
 * The module the worker benchmarks load on their threads: Strand's pool (as
 * `spawnOn` functions), piscina (its default export) and plain worker_threads
 * (`plainWorker`, when started as a thread's main module) share it, so every
 * system runs the same code.
 */
import { parentPort, workerData, isMainThread } from "node:worker_threads";
import type { Operation } from "../../src/index.js";
import type { SharedChannel } from "../../src/worker/index.js";

/** CPU-bound work: the naive Fibonacci. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** The smallest task: what a pool's per-task overhead is measured with. */
export function add(a: number, b: number): number {
  return a + b;
}

/** Sends `n` numbers (8 bytes each, in place), then closes. */
export function* sendNumbers(out: SharedChannel<number>, n: number): Operation<void> {
  for (let i = 0; i < n; i++) {
    if (!out.trySend(i).ok) yield* out.send(i);
  }
  out.close();
}

/** Receives numbers until closed; returns their sum. */
export function* sumNumbers(input: SharedChannel<number>): Operation<number> {
  let sum = 0;
  for (;;) {
    const next = input.tryReceive();
    if (next.ok) {
      sum += next.value;
      continue;
    }
    if (next.reason === "closed") return sum;
    const result = yield* input.receiveCatching();
    if (!result.ok) return sum;
    sum += result.value;
  }
}

/** Sends `n` messages of `size` bytes, every 32-bit word of message m written as (m + i). */
export function* sendBlocks(out: SharedChannel<Uint8Array>, n: number, size: number): Operation<void> {
  const message = new Uint8Array(size);
  const words = new Uint32Array(message.buffer);
  for (let m = 0; m < n; m++) {
    writeBlock(words, m);
    if (!out.trySend(message).ok) yield* out.send(message);
  }
  out.close();
}

/** As `sendBlocks`, but each message written straight into the channel's shared memory (`sendInPlace`): no copy. */
export function* sendBlocksInPlace(out: SharedChannel<Uint8Array>, n: number, size: number): Operation<void> {
  for (let m = 0; m < n; m++) {
    const write = (bytes: Uint8Array) => writeBlock(new Uint32Array(bytes.buffer, bytes.byteOffset, size >> 2), m);
    if (!out.trySendInPlace(size, write).ok) yield* out.sendInPlace(size, write);
  }
  out.close();
}

/** Checksums every message it receives in place (its 32-bit words), until closed. */
export function* checksumBlocks(input: SharedChannel<Uint8Array>): Operation<number> {
  let sum = 0;
  for (;;) {
    let next = input.tryReceive();
    if (!next.ok) {
      if (next.reason === "closed") return sum;
      const result = yield* input.receiveCatching();
      if (!result.ok) return sum;
      next = result;
    }
    const bytes = next.value;
    sum = sumBlock(new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2), sum);
  }
}

/** What the sum of `checksumBlocks` must be. */
export function expectedChecksum(n: number, size: number): number {
  let sum = 0;
  const words = size >> 2;
  for (let m = 0; m < n; m++) for (let i = 0; i < words; i++) sum = (sum + ((m + i) >>> 0)) | 0;
  return sum;
}

/** piscina's task function. */
export default function task({ fn, args }: { fn: "fib" | "add"; args: number[] }): number {
  return fn === "fib" ? fib(args[0]!) : add(args[0]!, args[1]!);
}

/**
 * The floor of the 64 KiB workload: the same loops on two plain threads, each
 * block written in place in a ring of SLOTS blocks on a SharedArrayBuffer, and
 * handed over by two counters (blocks written, blocks summed) with
 * `Atomics.wait`/`notify`. No channel can do less: what is left is the loops.
 */
export const FLOOR_SLOTS = 8;

function floorSend(ring: SharedArrayBuffer, n: number, size: number): void {
  const counters = new Int32Array(ring, 0, 2);
  for (let m = 0; m < n; m++) {
    while (m - Atomics.load(counters, 1) >= FLOOR_SLOTS) Atomics.wait(counters, 1, m - FLOOR_SLOTS);
    writeBlock(new Uint32Array(ring, 8 + (m % FLOOR_SLOTS) * size, size >> 2), m);
    Atomics.store(counters, 0, m + 1);
    Atomics.notify(counters, 0);
  }
}

function floorSum(ring: SharedArrayBuffer, n: number, size: number): number {
  const counters = new Int32Array(ring, 0, 2);
  let sum = 0;
  for (let m = 0; m < n; m++) {
    while (Atomics.load(counters, 0) <= m) Atomics.wait(counters, 0, m);
    sum = sumBlock(new Uint32Array(ring, 8 + (m % FLOOR_SLOTS) * size, size >> 2), sum);
    Atomics.store(counters, 1, m + 1);
    Atomics.notify(counters, 1);
  }
  return sum;
}

// The loops of every 64 KiB case, Strand's and the floor's: functions of their own, so that
// each is compiled for itself (inlined in a task's generator, V8 sometimes left a loop in
// baseline code after a deoptimization of the generator, and a run took 4× as long).
function writeBlock(words: Uint32Array, m: number): void {
  for (let i = 0; i < words.length; i++) words[i] = m + i;
}

function sumBlock(words: Uint32Array, sum: number): number {
  for (let i = 0; i < words.length; i++) sum = (sum + words[i]!) | 0;
  return sum;
}

type PlainJob = { floor: "send" | "sum"; ring: SharedArrayBuffer; n: number; size: number };

// A plain worker_threads worker: runs fib(n) for each message and posts the
// result; or, given a PlainJob, one side of the 64 KiB floor.
if (!isMainThread && (workerData as { plain?: boolean } | undefined)?.plain === true) {
  parentPort!.on("message", (job: number | PlainJob) => {
    if (typeof job === "number") parentPort!.postMessage(fib(job));
    else if (job.floor === "send") parentPort!.postMessage((floorSend(job.ring, job.n, job.size), 0));
    else parentPort!.postMessage(floorSum(job.ring, job.n, job.size));
  });
}
