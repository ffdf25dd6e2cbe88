// The trap contract (src/core/trap.ts), pinned twice:
//
// 1. The machine itself, through a probe trap whose hooks log what the machine
//    asks of them: the budget rule (BEFORE yields before begin, AFTER after it,
//    FREE never), the phases, AGAIN, re-iteration, and the abort contract —
//    WITHDRAWN unwinds at once; FAILED (Trio's Abort.FAILED) keeps the task
//    parked until the trap completes, then the cancellation goes on.
// 2. Conformance: every primitive that can complete at once, the channel's
//    waiters (their own copy of the machine) included, keeps its declared
//    budget rule: cancelled at its budget yield, a BEFORE primitive has taken
//    nothing and an AFTER one has done its work; and every primitive that parks
//    leaves no registration behind when its task is cancelled.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { action, call, DeadlockError, resource, spawn, suspend, yieldNow, type Operation, type Task } from "../../src/index.js";
import { channel, select } from "../../src/channel/index.js";
import { Coordinator, Event, Latch, Mutex, Semaphore, WaitGroup, waitAll, waitAny } from "../../src/sync/index.js";
import { runTest } from "../../src/testing/index.js";
import { BUDGET, budgetSpent } from "../../src/core/runtime.js";
import { AFTER, AGAIN, AT_ONCE, BEFORE, FREE, PARK, Trap, type Begun, type BudgetRule } from "../../src/core/trap.js";
import { FAILED, WITHDRAWN, YIELD_NOW, type Abort } from "../../src/core/instructions.js";

// ---------------------------------------------------------------------------
// 1. The machine

interface ProbeOptions {
  rule: BudgetRule;
  /** What begin() returns, call after call (the last one repeats). */
  begins: Begun[];
  /** ready() for BEFORE. */
  ready?: boolean;
  /** What abort() reports. */
  abort?: Abort;
  /** result() returns AGAIN this many times first. */
  again?: number;
  /** begin() shields the trap when it parks. */
  shieldInBegin?: boolean;
}

/** A trap that logs every hook the machine calls. */
class Probe extends Trap<string> {
  readonly log: string[];
  private calls = 0;
  private agains: number;

  constructor(
    private readonly options: ProbeOptions,
    log: string[] = [],
  ) {
    super(options.rule);
    this.log = log;
    this.agains = options.again ?? 0;
  }
  protected get what(): string {
    return "probe()";
  }
  protected override ready(): boolean {
    this.log.push("ready");
    return this.options.ready ?? true;
  }
  protected begin(): Begun {
    const begins = this.options.begins;
    const outcome = begins[Math.min(this.calls++, begins.length - 1)];
    this.log.push(`begin:${outcome === AT_ONCE ? "at once" : "park"}`);
    if (outcome === PARK && this.options.shieldInBegin) this.shield();
    return outcome;
  }
  protected result(woken: unknown): string | typeof AGAIN {
    this.log.push(`result:${String(woken)}`);
    if (this.agains > 0) {
      this.agains--;
      return AGAIN;
    }
    return `done(${String(woken)})`;
  }
  protected again(): Probe {
    this.log.push("again");
    return new Probe(this.options, this.log);
  }
  protected override unwound(): void {
    this.log.push("unwound");
  }
  protected override forsake(): void {
    this.log.push("forsake");
  }
  abort(): Abort {
    this.log.push("abort");
    return this.options.abort === FAILED ? this.shield() : WITHDRAWN;
  }
}

/** Spends what is left of the running task's budget: its next immediate completion must yield. */
function spendBudget(): void {
  while (!budgetSpent()) {
    // spend
  }
}

/** Drives `trap` by hand inside a task: what each next() returned ("yield-now", "park", or "done:<value>"). */
function drive(trap: Probe, steps: number, spent: boolean): string[] {
  if (spent) spendBudget();
  const iterator = trap[Symbol.iterator]();
  const seen: string[] = [];
  for (let i = 0; i < steps; i++) {
    const result = iterator.next(i === 0 ? undefined : "woken");
    seen.push(result.done ? `done:${String(result.value)}` : result.value === YIELD_NOW ? "yield-now" : result.value === trap ? "park" : "?");
    if (result.done) break;
  }
  return seen;
}

describe("the trap machine", () => {
  describe("the budget rule", () => {
    const cases: [string, ProbeOptions, boolean, string[], string[]][] = [
      // name, options, budget spent, what next() returned, the hooks called
      ["BEFORE, budget left: begins at once", { rule: BEFORE, begins: [AT_ONCE] }, false, ["done:done(undefined)"], ["ready", "begin:at once", "result:undefined"]],
      ["BEFORE, budget spent: yields before begin", { rule: BEFORE, begins: [AT_ONCE] }, true, ["yield-now", "done:done(undefined)"], ["ready", "begin:at once", "result:undefined"]],
      ["BEFORE, budget spent, not ready: no yield (it would park)", { rule: BEFORE, begins: [PARK], ready: false }, true, ["park", "done:done(woken)"], ["ready", "begin:park", "result:woken"]],
      ["AFTER, budget left: begins and finishes", { rule: AFTER, begins: [AT_ONCE] }, false, ["done:done(undefined)"], ["begin:at once", "result:undefined"]],
      ["AFTER, budget spent: yields after begin", { rule: AFTER, begins: [AT_ONCE] }, true, ["yield-now", "done:done(undefined)"], ["begin:at once", "result:undefined"]],
      ["AFTER, budget spent, parking: no yield", { rule: AFTER, begins: [PARK] }, true, ["park", "done:done(woken)"], ["begin:park", "result:woken"]],
      ["FREE, budget spent: never yields for it", { rule: FREE, begins: [AT_ONCE] }, true, ["done:done(undefined)"], ["begin:at once", "result:undefined"]],
    ];
    for (const [name, options, spent, returned, hooks] of cases) {
      test(name, () =>
        runTest(function* () {
          const probe = new Probe(options);
          assert.deepEqual(drive(probe, 3, spent), returned);
          assert.deepEqual(probe.log, hooks);
        }));
    }

    test("unwound at the BEFORE budget yield: begin never ran", () =>
      runTest(function* () {
        const probe = new Probe({ rule: BEFORE, begins: [AT_ONCE] });
        assert.deepEqual(drive(probe, 1, true), ["yield-now"]);
        probe.return(undefined);
        assert.deepEqual(probe.log, ["ready", "unwound"]);
      }));

    test("unwound at the AFTER budget yield: begin ran, result never does", () =>
      runTest(function* () {
        const probe = new Probe({ rule: AFTER, begins: [AT_ONCE] });
        assert.deepEqual(drive(probe, 1, true), ["yield-now"]);
        probe.return(undefined);
        assert.deepEqual(probe.log, ["begin:at once", "unwound"]);
      }));
  });

  test("AGAIN from result() begins the trap again, budget rule included", () =>
    runTest(function* () {
      const probe = new Probe({ rule: BEFORE, begins: [PARK, AT_ONCE], again: 1 });
      assert.deepEqual(drive(probe, 3, false), ["park", "done:done(undefined)"]);
      assert.deepEqual(probe.log, ["ready", "begin:park", "result:woken", "ready", "begin:at once", "result:undefined"]);
    }));

  test("iterating a used trap iterates a fresh one (again())", () =>
    runTest(function* () {
      const probe = new Probe({ rule: FREE, begins: [AT_ONCE] });
      assert.equal(yield* probe, "done(undefined)");
      assert.equal(yield* probe, "done(undefined)");
      assert.deepEqual(probe.log, ["begin:at once", "result:undefined", "again", "begin:at once", "result:undefined"]);
    }));

  test("outside a task, next() throws a TypeError naming the trap", () => {
    assert.throws(() => new Probe({ rule: FREE, begins: [AT_ONCE] })[Symbol.iterator]().next(), /probe\(\) must be used inside a Strand task/);
  });

  describe("the abort contract", () => {
    test("WITHDRAWN: the cancelled task unwinds at once, and the trap never finishes", () =>
      runTest(function* () {
        const log: string[] = [];
        const probe = new Probe({ rule: FREE, begins: [PARK], abort: WITHDRAWN }, log);
        const task = yield* spawn(function* () {
          try {
            yield* probe;
            log.push("after the wait");
          } finally {
            log.push("finally");
          }
        });
        yield* yieldNow();
        yield* task.cancel();
        assert.deepEqual(log, ["begin:park", "abort", "finally"]);
        assert.equal(task.state, "cancelled");
      }));

    test("FAILED: the task stays parked (children torn down first) until the trap completes; then the cancellation goes on from the trap", () =>
      runTest(function* () {
        const log: string[] = [];
        const probe = new Probe({ rule: FREE, begins: [PARK], abort: FAILED }, log);
        const task = yield* spawn(function* () {
          yield* spawn(function* () {
            try {
              yield* suspend();
            } finally {
              log.push("child torn down");
            }
          });
          try {
            yield* probe;
            log.push("after the wait");
          } finally {
            log.push("finally");
          }
        });
        yield* yieldNow();
        yield* yieldNow(); // the child has started
        task.cancel();
        yield* yieldNow();
        yield* yieldNow();
        assert.deepEqual(log, ["begin:park", "abort", "child torn down"], "still parked: the wait could not be withdrawn");
        assert.equal(task.state, "cancelling");
        probe.wake("handed over");
        yield* task.cancel();
        assert.deepEqual(log, ["begin:park", "abort", "child torn down", "result:undefined", "finally"]);
        assert.equal(task.state, "cancelled");
      }));

    test("FAILED, woken before its children are gone: the unwinding waits for them", () =>
      runTest(function* () {
        const log: string[] = [];
        const probe = new Probe({ rule: FREE, begins: [PARK], abort: FAILED }, log);
        const release = new Event();
        const task = yield* spawn(function* () {
          yield* spawn(function* () {
            try {
              yield* suspend();
            } finally {
              yield* release.wait(); // a slow teardown
              log.push("child torn down");
            }
          });
          try {
            yield* probe;
          } finally {
            log.push("finally");
          }
        });
        yield* yieldNow();
        yield* yieldNow(); // the child has started
        task.cancel();
        yield* yieldNow();
        probe.wake();
        yield* yieldNow();
        assert.deepEqual(log, ["begin:park", "abort"], "the parent's body waits for its child");
        release.set();
        yield* task.cancel();
        assert.deepEqual(log, ["begin:park", "abort", "child torn down", "result:undefined", "finally"]);
      }));

    test("FAILED, already woken when cancelled: the trap finishes taking, and the task unwinds", () =>
      runTest(function* () {
        const log: string[] = [];
        const probe = new Probe({ rule: FREE, begins: [PARK], abort: FAILED }, log);
        const task = yield* spawn(function* () {
          try {
            yield* probe;
            log.push("after the wait");
          } finally {
            log.push("finally");
          }
        });
        yield* yieldNow();
        probe.wake("handed over"); // woken, but it has not run yet
        yield* task.cancel();
        assert.deepEqual(log, ["begin:park", "abort", "result:undefined", "finally"]);
      }));

    test("a trap shielded in begin (its caller is unwinding) resumes the unwinding when it completes: code after it in the finally does not run", () =>
      runTest(function* () {
        const log: string[] = [];
        const probe = new Probe({ rule: FREE, begins: [PARK], shieldInBegin: true }, log);
        function* inner(): Operation<void> {
          try {
            yield* suspend();
          } finally {
            yield* probe;
            log.push("after the shielded wait");
          }
        }
        const task = yield* spawn(function* () {
          yield* inner();
          log.push("after inner (must not run)");
        });
        yield* yieldNow();
        task.cancel();
        yield* yieldNow();
        assert.deepEqual(log, ["begin:park"]);
        probe.wake();
        yield* task.cancel();
        assert.deepEqual(log, ["begin:park", "result:undefined"]);
        assert.equal(task.state, "cancelled");
      }));

    test("a deadlock report ends a shielded wait: the trap forsakes its registration", async () => {
      const log: string[] = [];
      const probe = new Probe({ rule: FREE, begins: [PARK], abort: FAILED }, log);
      let task: Task<unknown> | undefined;
      await assert.rejects(
        runTest(function* () {
          yield* spawn(function* () {
            task = yield* spawn(function* () {
              yield* probe;
            });
            yield* yieldNow();
            task.cancel(); // FAILED: it stays parked, and nothing will ever wake it
            yield* suspend();
          });
          yield* yieldNow();
        }),
        DeadlockError,
      );
      assert.equal(task?.state, "failed");
      assert.deepEqual(log, ["begin:park", "abort", "forsake"], "abort was not asked twice");
    });
  });
});

// ---------------------------------------------------------------------------
// 2. Conformance of every primitive

interface Immediate {
  name: string;
  rule: "before" | "after";
  /**
   * Sets up a primitive that completes at once; `op` runs it once, and
   * `taken()` says whether that run did its work (took the lock, the
   * element, the permits; called the function; spawned the child).
   */
  make(): { op: () => Operation<unknown>; taken: () => boolean };
}

const immediates: Immediate[] = [
  {
    name: "mutex.lock()",
    rule: "before",
    make() {
      const mutex = new Mutex();
      return { op: () => mutex.lock(), taken: () => mutex.locked };
    },
  },
  {
    name: "semaphore.acquire(2)",
    rule: "before",
    make() {
      const semaphore = new Semaphore(3);
      return { op: () => semaphore.acquire(2), taken: () => semaphore.available === 1 };
    },
  },
  {
    name: "yield* notified handle",
    rule: "before",
    make() {
      const c = new Coordinator<number>();
      const handle = c.prepare();
      c.notify(1);
      return { op: () => handle, taken: () => handle.state === "consumed" };
    },
  },
  {
    name: "waitAll([notified, notified])",
    rule: "before",
    make() {
      const c = new Coordinator<number>();
      const handles = [c.prepare(), c.prepare()];
      c.notifyAll(1);
      return { op: () => waitAll(handles), taken: () => handles.every((handle) => handle.state === "consumed") };
    },
  },
  {
    name: "waitAny([notified])",
    rule: "before",
    make() {
      const c = new Coordinator<number>();
      const handle = c.prepare();
      c.notify(1);
      return { op: () => waitAny([handle]), taken: () => handle.state === "consumed" };
    },
  },
  {
    name: "channel send (the waiter's own machine)",
    rule: "before",
    make() {
      const ch = channel<number>(1);
      return { op: () => ch.send(1), taken: () => ch.stats().buffered === 1 };
    },
  },
  {
    name: "channel receive (the waiter's own machine)",
    rule: "before",
    make() {
      const ch = channel<number>(1);
      ch.trySend(1);
      return { op: () => ch.receive(), taken: () => ch.stats().buffered === 0 };
    },
  },
  {
    name: "select(onReceive)",
    rule: "before",
    make() {
      const ch = channel<number>(1);
      ch.trySend(1);
      return { op: () => select(ch.onReceive()), taken: () => ch.stats().buffered === 0 };
    },
  },
  {
    name: "call(fn)",
    rule: "after",
    make() {
      let called = false;
      return {
        op: () =>
          call(() => {
            called = true;
            return 1;
          }),
        taken: () => called,
      };
    },
  },
  {
    name: "action(resolve at once)",
    rule: "after",
    make() {
      let ran = false;
      return {
        op: () =>
          action<number>((resolve) => {
            ran = true;
            resolve(1);
          }),
        taken: () => ran,
      };
    },
  },
];

describe("every primitive keeps its budget rule", () => {
  for (const kind of immediates) {
    test(`${kind.name}: cancelled at its budget yield, it ${kind.rule === "before" ? "has taken nothing (BEFORE)" : "has done its work already (AFTER)"}`, () =>
      runTest(function* () {
        const { op, taken } = kind.make();
        const spare = new Event();
        spare.set();
        let reached = false;
        const task = yield* spawn(function* () {
          for (let i = 0; i < BUDGET - 1; i++) yield* spare.wait(); // immediate completions: the budget is spent now
          reached = true;
          yield* op(); // it completes at once, but must yield for the budget
          assert.fail("cancelled at the budget yield");
        });
        yield* yieldNow();
        assert.ok(reached);
        yield* task.cancel();
        assert.equal(taken(), kind.rule === "after");
      }));
  }

  test("spawn(...): cancelled at its budget yield, its child exists already (AFTER)", () =>
    runTest(function* () {
      const spare = new Event();
      spare.set();
      let children = -1;
      const task: Task<void> = yield* spawn(function* () {
        for (let i = 0; i < BUDGET - 1; i++) yield* spare.wait();
        yield* spawn(function* () {
          yield* suspend();
        });
        assert.fail("cancelled at the budget yield");
      });
      yield* yieldNow();
      children = task.children.length;
      yield* task.cancel();
      assert.equal(children, 1);
    }));
});

interface Parking {
  name: string;
  /** Sets up a primitive that must park; `waiting()` counts its registrations. */
  make(): { op: () => Operation<unknown>; waiting: () => number };
}

const parkings: Parking[] = [
  {
    name: "resource() set-up (its task is torn down with the caller)",
    make() {
      let settingUp = 0;
      return {
        op: () =>
          resource<void>(function* () {
            settingUp++;
            try {
              yield* suspend();
            } finally {
              settingUp--;
            }
          }),
        waiting: () => settingUp,
      };
    },
  },
  {
    name: "mutex.lock() (held)",
    make() {
      const mutex = new Mutex();
      mutex.tryLock();
      return { op: () => mutex.lock(), waiting: () => mutex.stats().waiting };
    },
  },
  {
    name: "semaphore.acquire() (none free)",
    make() {
      const semaphore = new Semaphore(1);
      semaphore.tryAcquire();
      return { op: () => semaphore.acquire(), waiting: () => semaphore.stats().waiting };
    },
  },
  {
    name: "coordinator.wait()",
    make() {
      const c = new Coordinator();
      return { op: () => c.wait(), waiting: () => c.waiting };
    },
  },
  {
    name: "yield* handle",
    make() {
      const c = new Coordinator();
      return { op: () => c.prepare(), waiting: () => c.waiting };
    },
  },
  {
    name: "waitAll / waitAny",
    make() {
      const c = new Coordinator();
      let flip = false;
      return { op: () => ((flip = !flip) ? waitAll([c.prepare(), c.prepare()]) : waitAny([c.prepare()])), waiting: () => c.waiting };
    },
  },
  {
    name: "latch.wait()",
    make() {
      const latch = new Latch(1);
      return { op: () => latch.wait(), waiting: () => latch.stats().waiting };
    },
  },
  {
    name: "event.wait()",
    make() {
      const event = new Event();
      return { op: () => event.wait(), waiting: () => event.stats().waiting };
    },
  },
  {
    name: "waitGroup.wait()",
    make() {
      const group = new WaitGroup();
      group.add(1);
      return { op: () => group.wait(), waiting: () => group.stats().waiting };
    },
  },
  {
    name: "channel receive (the waiter's own machine)",
    make() {
      const ch = channel<number>();
      return { op: () => ch.receive(), waiting: () => ch.stats().waitingReceivers };
    },
  },
  {
    name: "channel send (the waiter's own machine)",
    make() {
      const ch = channel<number>();
      return { op: () => ch.send(1), waiting: () => ch.stats().waitingSenders };
    },
  },
  {
    name: "select(onReceive, onReceive)",
    make() {
      const a = channel<number>();
      const b = channel<number>();
      return { op: () => select(a.onReceive(), b.onReceive()), waiting: () => a.stats().waitingReceivers + b.stats().waitingReceivers };
    },
  },
];

describe("every primitive that parks leaves no registration when its task is cancelled (abort WITHDRAWN)", () => {
  for (const kind of parkings) {
    test(kind.name, () =>
      runTest(function* () {
        const { op, waiting } = kind.make();
        const tasks: Task<unknown>[] = [];
        for (let i = 0; i < 2; i++) {
          tasks.push(
            yield* spawn(function* () {
              yield* op();
            }),
          );
        }
        yield* yieldNow();
        yield* yieldNow();
        assert.ok(waiting() > 0, "parked");
        for (const task of tasks) yield* task.cancel();
        assert.equal(waiting(), 0);
        for (const task of tasks) assert.equal(task.state, "cancelled");
      }));
  }
});
