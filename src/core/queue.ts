/**
 * The ready queue: tasks that can run, in priority order, FIFO within a priority.
 *
 * Each priority level is a ring buffer with ever-growing head and tail positions.
 * Removal is lazy: a task remembers the position of its live entry
 * (`task.queuedAt`, -1 when it has none), and `dequeue` skips entries whose
 * position no longer matches. So a task has at most one live entry, removing it
 * is O(1), and nothing is allocated per enqueue once a ring has grown.
 *
 * `runNext` is a one-task slot served before every level: the direct hand-off
 * used by `transfer` (Go's `runnext`).
 */
import type { TaskRecord } from "./task.js";

/** @internal One priority level: a ring of tasks; an entry is live while its task's `queuedAt` is its position. */
export class Ring {
  items: (TaskRecord<unknown> | undefined)[] = new Array(64);
  mask = 63;
  head = 0;
  tail = 0;

  constructor(readonly priority: number) {}

  push(task: TaskRecord<unknown>): void {
    if (this.tail - this.head > this.mask) this.grow();
    task.queuedAt = this.tail;
    this.items[this.tail & this.mask] = task;
    this.tail++;
  }

  shift(): TaskRecord<unknown> | undefined {
    while (this.head < this.tail) {
      const position = this.head++;
      const slot = position & this.mask;
      const task = this.items[slot];
      this.items[slot] = undefined;
      if (task !== undefined && task.queuedAt === position) {
        task.queuedAt = -1;
        return task;
      }
    }
    return undefined;
  }

  private grow(): void {
    const size = this.mask + 1;
    const items: (TaskRecord<unknown> | undefined)[] = new Array(size * 2);
    for (let position = this.head; position < this.tail; position++) {
      items[position & (size * 2 - 1)] = this.items[position & this.mask];
    }
    this.items = items;
    this.mask = size * 2 - 1;
  }
}

export class ReadyQueue {
  /** @internal Levels in descending priority; level 0 exists from the start (read by core/watch.ts). */
  readonly levels: Ring[] = [new Ring(0)];
  runNext: TaskRecord<unknown> | null = null;

  push(task: TaskRecord<unknown>): void {
    if (task === this.runNext) return;
    const levels = this.levels;
    if (levels.length === 1 && task.priority === 0) levels[0].push(task);
    else this.level(task.priority).push(task);
  }

  shift(): TaskRecord<unknown> | undefined {
    const next = this.runNext;
    if (next !== null) {
      this.runNext = null;
      return next;
    }
    const levels = this.levels;
    for (let i = 0; i < levels.length; i++) {
      const task = levels[i].shift();
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Moves a queued task to the front: it runs next (a direct hand-off). */
  runFirst(task: TaskRecord<unknown>): void {
    const previous = this.runNext;
    this.remove(task);
    this.runNext = task;
    if (previous !== null && previous !== task) this.push(previous);
  }

  /** Drops the task's live entry, if it has one. */
  remove(task: TaskRecord<unknown>): void {
    task.queuedAt = -1;
    if (this.runNext === task) this.runNext = null;
  }

  isEmpty(): boolean {
    if (this.runNext !== null) return false;
    for (const level of this.levels) if (level.tail > level.head) return false;
    return true;
  }

  private level(priority: number): Ring {
    const levels = this.levels;
    let i = 0;
    while (i < levels.length && levels[i].priority > priority) i++;
    if (i < levels.length && levels[i].priority === priority) return levels[i];
    const ring = new Ring(priority);
    levels.splice(i, 0, ring);
    return ring;
  }
}
