/**
 * The timer heap: a binary min-heap of deadlines, O(log n) to add, remove and
 * pop. Equal deadlines fire in the order they were added (`seq`).
 *
 * Invariant: `entry.heapIndex` is the entry's index in `heap`, or -1 when the
 * entry is not in the heap.
 */
export interface TimerEntry {
  deadline: number;
  seq: number;
  heapIndex: number;
  /** Called once when the deadline has passed and the entry left the heap. */
  fire(): void;
}

export class TimerHeap {
  private heap: TimerEntry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The deadlines of the timers set, soonest first (for leak reports). */
  deadlines(): number[] {
    return this.heap.map((entry) => entry.deadline).sort((a, b) => a - b);
  }

  peek(): TimerEntry | undefined {
    return this.heap[0];
  }

  add(entry: TimerEntry, deadline: number): void {
    entry.deadline = deadline;
    entry.seq = this.seq++;
    entry.heapIndex = this.heap.length;
    this.heap.push(entry);
    this.up(entry.heapIndex);
  }

  /** Removes `entry` if it is in the heap; returns whether it was. */
  remove(entry: TimerEntry): boolean {
    const index = entry.heapIndex;
    if (index < 0) return false;
    const last = this.heap.pop()!;
    entry.heapIndex = -1;
    if (last !== entry) {
      this.heap[index] = last;
      last.heapIndex = index;
      this.down(index);
      this.up(last.heapIndex);
    }
    return true;
  }

  pop(): TimerEntry | undefined {
    const top = this.heap[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private up(index: number): void {
    const heap = this.heap;
    const entry = heap[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (!this.less(entry, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const entry = heap[index];
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.less(heap[right], heap[left]) ? right : left;
      if (!this.less(heap[child], entry)) break;
      heap[index] = heap[child];
      heap[index].heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}
