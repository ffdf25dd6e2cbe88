// Model-based tests (STYLE.md) of Mutex and Semaphore against a simple
// sequential reference: a FIFO queue of requests and a count of free permits
// (a mutex is the one-permit case). Random mixes of lock/acquire (by new
// worker tasks), unlock/release, tryLock/tryAcquire, misuse, task cancellation
// (of waiting, just-granted and holding workers — in the same step as a grant
// too) and scheduling steps; each kind also with its workers waiting through
// the select clause (onLock / onAcquire) instead of the plain operation. After every command the implementation must agree
// with the reference:
//   - mutual exclusion / permit conservation: free + held by workers + held by
//     the driver = permits, and the real `available`/`locked` matches;
//   - FIFO grant order: a worker resuming from lock()/acquire() is exactly one
//     the reference granted, and nobody granted is left waiting after a settle;
//   - no trace: waiting counts match, and end at zero; stats agree.
// Random sequences come from fast-check with a fixed seed (override with
// STRAND_SEED=n); a failure prints the seed and the shrunk command list.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { select, spawn, sleep, suspend, yieldNow, type Task } from "../../src/index.js";
import { Mutex, Semaphore } from "../../src/sync/index.js";
import { runTest } from "../../src/testing/index.js";

const seed = process.env.STRAND_SEED !== undefined ? Number(process.env.STRAND_SEED) : 20_240_603;
const runs = { seed, numRuns: Number(process.env.STRAND_RUNS ?? 150) };

type Command =
  | { op: "spawn"; n: number } // a worker that acquires n permits (locks) and holds them
  | { op: "release"; pick: number } // the driver releases on behalf of a holding worker
  | { op: "try"; n: number } // the driver's tryAcquire(n) / tryLock()
  | { op: "releaseOwn" } // the driver releases what it holds
  | { op: "cancel"; pick: number } // cancel a worker, without waiting for its teardown
  | { op: "cancelGranted"; pick: number } // cancel a worker granted its permits that has not run yet
  | { op: "misuse" } // unlock()/release() with nothing held: must throw and change nothing
  | { op: "yield" } // let every ready task run once
  | { op: "settle" }; // let everything run until all are blocked

function commands(maxN: number): fc.Arbitrary<Command[]> {
  const n = fc.integer({ min: 1, max: maxN });
  return fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.record({ op: fc.constant("spawn" as const), n }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat(20) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("try" as const), n }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("releaseOwn" as const) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant("cancel" as const), pick: fc.nat(20) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("cancelGranted" as const), pick: fc.nat(20) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("misuse" as const) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("yield" as const) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("settle" as const) }) },
    ),
    { minLength: 10, maxLength: 60 },
  );
}

/** What the model drives: a mutex is a one-permit lock. */
interface Lock {
  permits: number;
  maxRequest: number;
  acquire(n: number): ReturnType<Semaphore["acquire"]>;
  tryAcquire(n: number): boolean;
  release(n: number): void;
  available(): number;
  waiting(): number;
  cancelledWaiters(): number;
  handedBack(): number;
  balance(): number; // acquired - released, from stats
}

/** How a worker waits for the lock: the plain operation, or the select clause (one clause: the same FIFO, give-back and stats). */
type Via = "operation" | "select";

function mutexLock(via: Via = "operation"): Lock {
  const mutex = new Mutex();
  return {
    permits: 1,
    maxRequest: 1,
    acquire: () => (via === "operation" ? mutex.lock() : select(mutex.onLock())),
    tryAcquire: () => mutex.tryLock(),
    release: () => mutex.unlock(),
    available: () => (mutex.locked ? 0 : 1),
    waiting: () => mutex.stats().waiting,
    cancelledWaiters: () => mutex.stats().cancelledWaiters,
    handedBack: () => mutex.stats().handedBack,
    balance: () => mutex.stats().acquired - mutex.stats().released,
  };
}

function semaphoreLock(permits: number, via: Via = "operation"): Lock {
  const semaphore = new Semaphore(permits);
  return {
    permits,
    maxRequest: permits,
    acquire: (n) => (via === "operation" ? semaphore.acquire(n) : select(semaphore.onAcquire(n))),
    tryAcquire: (n) => semaphore.tryAcquire(n),
    release: (n) => semaphore.release(n),
    available: () => semaphore.available,
    waiting: () => semaphore.stats().waiting,
    cancelledWaiters: () => semaphore.stats().cancelledWaiters,
    handedBack: () => semaphore.stats().returned,
    balance: () => semaphore.stats().acquired - semaphore.stats().released,
  };
}

type WorkerState = "pending" | "waiting" | "granted" | "holding" | "released" | "cancelled";

interface Worker {
  id: number;
  n: number;
  state: WorkerState;
  task: Task<unknown>;
}

/** The reference: free permits and a FIFO queue of requests, granted head first while they fit. */
class Reference {
  free: number;
  readonly queue: Worker[] = [];
  driverHeld = 0;
  cancelledWaiters = 0;
  handedBack = 0;
  constructor(readonly permits: number) {
    this.free = permits;
  }
  request(worker: Worker): void {
    if (this.queue.length === 0 && this.free >= worker.n) {
      this.free -= worker.n;
      worker.state = "granted";
    } else {
      this.queue.push(worker);
      worker.state = "waiting";
    }
  }
  give(n: number): void {
    this.free += n;
    this.grant();
  }
  grant(): void {
    while (this.queue.length > 0 && this.queue[0].n <= this.free) {
      const head = this.queue.shift()!;
      this.free -= head.n;
      head.state = "granted";
    }
  }
  cancelWaiting(worker: Worker): void {
    this.queue.splice(this.queue.indexOf(worker), 1);
    this.cancelledWaiters++;
    this.grant();
  }
}

function* check(lock: Lock, ref: Reference, workers: Worker[], where: string) {
  const held = workers.filter((w) => w.state === "granted" || w.state === "holding").reduce((sum, w) => sum + w.n, 0);
  assert.equal(ref.free + held + ref.driverHeld, ref.permits, `${where}: the reference conserves permits`);
  assert.equal(lock.available(), ref.free, `${where}: free permits`);
  assert.equal(lock.waiting(), ref.queue.length, `${where}: waiters`);
  assert.equal(lock.balance(), ref.permits - ref.free, `${where}: acquired - released in stats`);
  assert.ok(workers.filter((w) => w.state === "holding").length <= ref.permits, `${where}: exclusion`);
}

function* model(lock: Lock, script: Command[]) {
  const ref = new Reference(lock.permits);
  const workers: Worker[] = [];
  const live = () => workers.filter((w) => w.state !== "cancelled" && w.task.state !== "cancelled" && w.task.state !== "completed");

  for (const [i, command] of script.entries()) {
    const where = `command ${i} ${JSON.stringify(command)}`;
    switch (command.op) {
      case "spawn": {
        const worker: Worker = { id: workers.length, n: Math.min(command.n, lock.maxRequest), state: "pending", task: undefined! };
        workers.push(worker);
        worker.task = yield* spawn(function* () {
          assert.equal(worker.state, "pending");
          ref.request(worker); // the reference sees the request when the real one is made
          yield* lock.acquire(worker.n);
          assert.equal(worker.state, "granted", `worker ${worker.id} got permits the reference did not grant it (FIFO)`);
          worker.state = "holding";
          try {
            yield* suspend();
          } finally {
            if (worker.state === "holding") {
              worker.state = "cancelled";
              ref.give(worker.n);
              lock.release(worker.n);
            }
          }
        });
        break;
      }
      case "release": {
        const holding = workers.filter((w) => w.state === "holding");
        if (holding.length === 0) break;
        const worker = holding[command.pick % holding.length];
        worker.state = "released";
        ref.give(worker.n);
        lock.release(worker.n);
        break;
      }
      case "try": {
        const n = Math.min(command.n, lock.maxRequest);
        const expected = ref.queue.length === 0 && ref.free >= n;
        assert.equal(lock.tryAcquire(n), expected, `${where}: tryAcquire`);
        if (expected) {
          ref.free -= n;
          ref.driverHeld += n;
        }
        break;
      }
      case "releaseOwn": {
        if (ref.driverHeld === 0) break;
        const n = ref.driverHeld;
        ref.driverHeld = 0;
        ref.give(n);
        lock.release(n);
        break;
      }
      case "cancel":
      case "cancelGranted": {
        const candidates = command.op === "cancel" ? live() : workers.filter((w) => w.state === "granted");
        if (candidates.length === 0) break;
        const worker = candidates[command.pick % candidates.length];
        switch (worker.state) {
          case "pending": // never ran: never asked
            worker.state = "cancelled";
            break;
          case "waiting":
            worker.state = "cancelled";
            ref.cancelWaiting(worker);
            break;
          case "granted": // granted but not run: prompt cancellation gives the permits back now
            worker.state = "cancelled";
            ref.handedBack += lock.permits === 1 ? 1 : worker.n;
            ref.give(worker.n);
            break;
          default: // holding: its finally releases when its teardown runs; released: nothing held
            break;
        }
        worker.task.cancel();
        break;
      }
      case "misuse": {
        if (ref.free !== ref.permits) break;
        assert.throws(() => lock.release(1), Error);
        break;
      }
      case "yield":
        yield* yieldNow();
        break;
      case "settle":
        yield* sleep(1);
        assert.deepEqual(
          workers.filter((w) => w.state === "granted").map((w) => w.id),
          [],
          `${where}: every granted worker has run`,
        );
        break;
    }
    yield* check(lock, ref, workers, where);
  }

  // The end: every worker cancelled; nothing waits; only the driver's permits are out.
  for (const worker of workers) {
    if (worker.state === "waiting") ref.cancelWaiting(worker);
    else if (worker.state === "granted") {
      ref.handedBack += lock.permits === 1 ? 1 : worker.n;
      ref.give(worker.n);
    }
    if (worker.state !== "holding") worker.state = "cancelled";
    yield* worker.task.cancel();
  }
  yield* sleep(1);
  yield* check(lock, ref, workers, "after cancelling every worker");
  assert.equal(lock.waiting(), 0, "no waiter left behind");
  assert.equal(lock.available(), lock.permits - ref.driverHeld);
  assert.equal(lock.cancelledWaiters(), ref.cancelledWaiters, "cancelled waiters in stats");
  assert.equal(lock.handedBack(), ref.handedBack, "given-back grants in stats");
  if (ref.driverHeld > 0) lock.release(ref.driverHeld);
  assert.equal(lock.available(), lock.permits);
}

describe("model-based: Mutex and Semaphore against a FIFO reference", () => {
  for (const via of ["operation", "select"] as const) {
    const how = via === "select" ? " through select(onLock/onAcquire)" : "";
    test(`Mutex${how} (fast-check seed ${seed})`, async () => {
      await fc.assert(
        fc.asyncProperty(commands(1), fc.integer({ min: 1, max: 1 << 30 }), (script, runtimeSeed) =>
          runTest(() => model(mutexLock(via), script), { seed: runtimeSeed }),
        ),
        runs,
      );
    });

    for (const permits of [1, 3, 5]) {
      test(`Semaphore(${permits})${how} (fast-check seed ${seed})`, async () => {
        await fc.assert(
          fc.asyncProperty(commands(permits), fc.integer({ min: 1, max: 1 << 30 }), (script, runtimeSeed) =>
            runTest(() => model(semaphoreLock(permits, via), script), { seed: runtimeSeed }),
          ),
          runs,
        );
      });
    }
  }
});
