// Model-based tests of the core's two data structures against simple references
// (STYLE.md: "a model-based test against a simple reference for every concurrent
// data structure"): the timer heap against a sorted array, and the ready queue
// against a list scanned for the best entry. Random operation sequences come from
// fast-check with a fixed seed (override with STRAND_SEED=n); a failure prints
// the seed and the shrunk sequence that reproduces it.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { TimerHeap, type TimerEntry } from "../../src/core/timers.js";
import { ReadyQueue } from "../../src/core/queue.js";
import type { TaskRecord as Task } from "../../src/core/task.js";

const seed = process.env.STRAND_SEED !== undefined ? Number(process.env.STRAND_SEED) : 20_240_601;
const runs = { seed, numRuns: 200 };

// ---------------------------------------------------------------------------
// Timer heap

type TimerOp =
  | { op: "add"; entry: number; deadline: number }
  | { op: "remove"; entry: number }
  | { op: "pop" }
  | { op: "peek" };

const ENTRIES = 40;

const timerOp: fc.Arbitrary<TimerOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      entry: fc.nat(ENTRIES - 1),
      // few distinct deadlines, so ties (FIFO order) are common; some fractions
      deadline: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.double({ min: 0, max: 12, noNaN: true })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("remove" as const), entry: fc.nat(ENTRIES - 1) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("pop" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("peek" as const) }) },
);

interface Entry extends TimerEntry {
  name: number;
}

function makeEntry(name: number): Entry {
  return { name, deadline: 0, seq: 0, heapIndex: -1, fire() {} };
}

/** The reference: entries in (deadline, insertion order) order, kept sorted. */
class SortedTimers {
  private items: { name: number; deadline: number; order: number }[] = [];
  private order = 0;
  has(name: number): boolean {
    return this.items.some((item) => item.name === name);
  }
  add(name: number, deadline: number): void {
    const item = { name, deadline, order: this.order++ };
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].deadline > deadline) i--;
    this.items.splice(i, 0, item);
  }
  remove(name: number): boolean {
    const i = this.items.findIndex((item) => item.name === name);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
  pop(): number | undefined {
    return this.items.shift()?.name;
  }
  peek(): number | undefined {
    return this.items[0]?.name;
  }
  get size(): number {
    return this.items.length;
  }
}

describe("TimerHeap against a sorted array", () => {
  test("every operation sequence gives the same answers", () => {
    fc.assert(
      fc.property(fc.array(timerOp, { maxLength: 400, size: "max" }), (ops) => {
        const heap = new TimerHeap();
        const model = new SortedTimers();
        const entries = Array.from({ length: ENTRIES }, (_, i) => makeEntry(i));
        for (const step of ops) {
          switch (step.op) {
            case "add": {
              // An entry is in at most one place: re-adding means remove first (as the runtime does).
              if (model.has(step.entry)) break;
              heap.add(entries[step.entry], step.deadline);
              model.add(step.entry, step.deadline);
              break;
            }
            case "remove":
              assert.equal(heap.remove(entries[step.entry]), model.remove(step.entry));
              break;
            case "pop":
              assert.equal((heap.pop() as Entry | undefined)?.name, model.pop());
              break;
            case "peek":
              assert.equal((heap.peek() as Entry | undefined)?.name, model.peek());
              break;
          }
          assert.equal(heap.size, model.size);
          for (const entry of entries) {
            assert.equal(entry.heapIndex >= 0, model.has(entry.name), `heapIndex of entry ${entry.name}`);
          }
        }
        // Draining gives everything left, in order.
        const drained: number[] = [];
        for (let entry = heap.pop() as Entry | undefined; entry !== undefined; entry = heap.pop() as Entry | undefined) {
          drained.push(entry.name);
          assert.equal(entry.heapIndex, -1);
        }
        const expected: number[] = [];
        for (let name = model.pop(); name !== undefined; name = model.pop()) expected.push(name);
        assert.deepEqual(drained, expected);
      }),
      runs,
    );
  });

  test("equal deadlines pop in insertion order, also after removals from the middle", () => {
    const heap = new TimerHeap();
    const entries = Array.from({ length: 100 }, (_, i) => makeEntry(i));
    for (const entry of entries) heap.add(entry, 5);
    for (let i = 0; i < 100; i += 3) heap.remove(entries[i]);
    const order: number[] = [];
    for (let entry = heap.pop() as Entry | undefined; entry !== undefined; entry = heap.pop() as Entry | undefined) order.push(entry.name);
    assert.deepEqual(
      order,
      entries.map((entry) => entry.name).filter((i) => i % 3 !== 0),
    );
  });
});

// ---------------------------------------------------------------------------
// Ready queue

type QueueOp =
  | { op: "push"; task: number }
  | { op: "shift" }
  | { op: "remove"; task: number }
  | { op: "runFirst"; task: number }
  | { op: "isEmpty" };

const TASKS = 90; // more than a ring's initial 64 slots, so rings grow
const PRIORITIES = [0, 0, 0, 3, -2, 7];

const queueOp: fc.Arbitrary<QueueOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("push" as const), task: fc.nat(TASKS - 1) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("shift" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), task: fc.nat(TASKS - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("runFirst" as const), task: fc.nat(TASKS - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("isEmpty" as const) }) },
);

interface FakeTask {
  name: number;
  priority: number;
  queuedAt: number;
}

/**
 * The reference: a list of queued tasks with their push order; the next task is
 * the hand-off slot, else the highest priority's earliest push.
 */
class ListQueue {
  entries: { task: FakeTask; order: number }[] = [];
  runNext: FakeTask | null = null;
  private order = 0;

  queued(task: FakeTask): boolean {
    return this.entries.some((entry) => entry.task === task);
  }
  push(task: FakeTask): void {
    if (task === this.runNext) return;
    this.entries.push({ task, order: this.order++ });
  }
  shift(): FakeTask | undefined {
    if (this.runNext !== null) {
      const next = this.runNext;
      this.runNext = null;
      return next;
    }
    let best = -1;
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (
        best < 0 ||
        entry.task.priority > this.entries[best].task.priority ||
        (entry.task.priority === this.entries[best].task.priority && entry.order < this.entries[best].order)
      ) {
        best = i;
      }
    }
    if (best < 0) return undefined;
    return this.entries.splice(best, 1)[0].task;
  }
  remove(task: FakeTask): void {
    this.entries = this.entries.filter((entry) => entry.task !== task);
    if (this.runNext === task) this.runNext = null;
  }
  runFirst(task: FakeTask): void {
    const previous = this.runNext;
    this.remove(task);
    this.runNext = task;
    if (previous !== null && previous !== task) this.push(previous);
  }
  get size(): number {
    return this.entries.length + (this.runNext !== null ? 1 : 0);
  }
}

describe("ReadyQueue against a list", () => {
  test("every operation sequence gives the same answers", () => {
    fc.assert(
      fc.property(fc.array(queueOp, { maxLength: 600, size: "max" }), (ops) => {
        const queue = new ReadyQueue();
        const model = new ListQueue();
        const tasks: FakeTask[] = Array.from({ length: TASKS }, (_, i) => ({
          name: i,
          priority: PRIORITIES[i % PRIORITIES.length],
          queuedAt: -1,
        }));
        const asTask = (task: FakeTask) => task as unknown as Task<unknown>;
        const name = (task: Task<unknown> | FakeTask | undefined) => (task as FakeTask | undefined)?.name;
        for (const step of ops) {
          switch (step.op) {
            case "push": {
              const task = tasks[step.task];
              // The runtime pushes only tasks without a live entry (Runtime.schedule).
              if (model.queued(task)) break;
              queue.push(asTask(task));
              model.push(task);
              break;
            }
            case "shift":
              assert.equal(name(queue.shift()), name(model.shift()));
              break;
            case "remove":
              queue.remove(asTask(tasks[step.task]));
              model.remove(tasks[step.task]);
              break;
            case "runFirst": {
              // transfer() hands off only to a task that is queued.
              const task = tasks[step.task];
              if (!model.queued(task)) break;
              queue.runFirst(asTask(task));
              model.runFirst(task);
              break;
            }
            case "isEmpty": {
              const empty = queue.isEmpty();
              // Removal is lazy, so a queue holding only stale entries may say it is
              // not empty; it must never say empty while a task is queued.
              if (model.size > 0) assert.equal(empty, false, "isEmpty() while tasks are queued");
              break;
            }
          }
          assert.equal(queue.runNext === null ? undefined : name(queue.runNext), name(model.runNext ?? undefined));
          for (const task of tasks) {
            const live = task.queuedAt >= 0 || queue.runNext === asTask(task);
            assert.equal(live, model.queued(task) || model.runNext === task, `task ${task.name} has a live entry`);
          }
        }
        // Draining gives every queued task once, in the model's order, and leaves it empty.
        const drained: (number | undefined)[] = [];
        for (let task = queue.shift(); task !== undefined; task = queue.shift()) drained.push(name(task));
        const expected: (number | undefined)[] = [];
        for (let task = model.shift(); task !== undefined; task = model.shift()) expected.push(name(task));
        assert.deepEqual(drained, expected);
        assert.equal(queue.isEmpty(), true, "empty once drained");
        for (const task of tasks) assert.equal(task.queuedAt, -1);
      }),
      runs,
    );
  });
});
