/**
 * The "raw" baseline: what a careful user hand-rolls on promises and async
 * functions when there is no runtime — a Go-like channel (rendezvous or bounded,
 * with a select and an abortable receive) and a mutex. Written for these
 * benchmarks; small, but correct: no element is lost or delivered twice, a
 * select that completes leaves no waiter behind, an aborted receive takes nothing.
 *
 * `send`/`receive`/`lock` return a plain value when they can complete at once and
 * a promise otherwise; idiomatic callers simply `await` either (the "await
 * always" variants), the "fast path" variants await only a returned promise.
 */

/** A growable ring-buffer FIFO. */
export class Fifo<T> {
  private items: (T | undefined)[] = new Array(16);
  private mask = 15;
  private head = 0;
  length = 0;

  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  private grow(): void {
    const items: (T | undefined)[] = new Array((this.mask + 1) * 2);
    for (let i = 0; i < this.length; i++) items[i] = this.items[(this.head + i) & this.mask];
    this.items = items;
    this.head = 0;
    this.mask = items.length - 1;
  }
}

/** A parked receive, or a parked select (one waiter, one node per channel). */
class Waiter {
  done = false;
  nodes: WaitNode[] | null = null;
  constructor(
    readonly resolve: (value: any) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
    readonly reject: (error: unknown) => void,
  ) {}
}

/** A waiter's entry in one channel's receiver list (intrusive, so removal is O(1)). */
class WaitNode {
  prev: WaitNode | null = null;
  next: WaitNode | null = null;
  list: WaitList | null = null;
  constructor(
    readonly waiter: Waiter,
    readonly index: number,
  ) {}
}

class WaitList {
  head: WaitNode | null = null;
  tail: WaitNode | null = null;

  push(node: WaitNode): void {
    node.list = this;
    node.prev = this.tail;
    if (this.tail === null) this.head = node;
    else this.tail.next = node;
    this.tail = node;
  }

  remove(node: WaitNode): void {
    if (node.list !== this) return;
    if (node.prev === null) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === null) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = node.list = null;
  }

  shift(): WaitNode | null {
    const node = this.head;
    if (node !== null) this.remove(node);
    return node;
  }
}

const EMPTY: unique symbol = Symbol("empty");

/** What `select` returns: which channel answered, and its element. */
export interface Selected<T> {
  index: number;
  value: T;
}

export class RawChannel<T> {
  private readonly buffer = new Fifo<T>();
  private readonly senders = new Fifo<{ value: T; resolve: () => void }>();
  private readonly receivers = new WaitList();

  /** 0 is a rendezvous: a send completes only when a receiver takes the element. */
  constructor(readonly capacity = 0) {}

  send(value: T): void | Promise<void> {
    for (let node = this.receivers.shift(); node !== null; node = this.receivers.shift()) {
      const waiter = node.waiter;
      if (waiter.done) continue;
      deliver(node, value);
      return;
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
      return;
    }
    return new Promise<void>((resolve) => this.senders.push({ value, resolve }));
  }

  /** Takes an element if one is there, without waiting. */
  poll(): T | typeof EMPTY {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift()!;
      const sender = this.senders.shift();
      if (sender !== undefined) {
        this.buffer.push(sender.value);
        sender.resolve();
      }
      return value;
    }
    const sender = this.senders.shift();
    if (sender !== undefined) {
      sender.resolve();
      return sender.value;
    }
    return EMPTY;
  }

  /** Receives, waiting if need be; an aborted `signal` rejects the wait with its reason and takes nothing. */
  receive(signal?: AbortSignal): T | Promise<T> {
    const value = this.poll();
    if (value !== EMPTY) return value;
    return new Promise<T>((resolve, reject) => {
      const waiter = new Waiter(resolve, reject);
      const node = new WaitNode(waiter, -1);
      this.receivers.push(node);
      signal?.addEventListener(
        "abort",
        () => {
          if (waiter.done) return;
          waiter.done = true;
          this.receivers.remove(node);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** @internal select's registration */
  enqueue(node: WaitNode): void {
    this.receivers.push(node);
  }
}

function deliver(node: WaitNode, value: unknown): void {
  const waiter = node.waiter;
  waiter.done = true;
  if (waiter.nodes === null) {
    waiter.resolve(value);
    return;
  }
  // A select: withdraw its entries from the other channels.
  for (const other of waiter.nodes) if (other !== node) other.list?.remove(other);
  waiter.resolve({ index: node.index, value });
}

/**
 * Receives from whichever channel has an element first (Go's `select` over
 * receives). Ready channels are tried from a random start, so none is favoured.
 */
export function select<T>(channels: readonly RawChannel<T>[]): Selected<T> | Promise<Selected<T>> {
  const count = channels.length;
  const start = (Math.random() * count) | 0;
  for (let k = 0; k < count; k++) {
    const index = (start + k) % count;
    const value = channels[index].poll();
    if (value !== EMPTY) return { index, value };
  }
  return new Promise<Selected<T>>((resolve, reject) => {
    const waiter = new Waiter(resolve, reject);
    const nodes: WaitNode[] = new Array(count);
    for (let index = 0; index < count; index++) {
      nodes[index] = new WaitNode(waiter, index);
      channels[index].enqueue(nodes[index]);
    }
    waiter.nodes = nodes;
  });
}

/** A FIFO mutex: `unlock` hands the lock straight to the next waiter. */
export class RawMutex {
  private locked = false;
  private readonly waiters = new Fifo<() => void>();

  lock(): void | Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return;
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  unlock(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.locked = false;
  }
}
