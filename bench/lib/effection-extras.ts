/**
 * Effection 4 has no bounded channel and no mutex: its `createChannel` and
 * `createQueue` are unbounded (no back-pressure). These are what an Effection
 * user hand-rolls on the public `action()` to get Go-like semantics — the same
 * approach the peer baselines in the issue were measured with. Each operation
 * completes synchronously when it can, and parks with `action()` otherwise.
 *
 * Benchmark-grade: a waiter that is cancelled after it was handed an element or
 * the lock would lose it (none of the workloads cancels such a waiter).
 */
import { action, type Operation } from "effection";
import { Fifo } from "./raw.js";

interface Parked<T> {
  resolve: (value: T) => void;
  live: boolean;
}

/** A parked sender carries its element. */
interface ParkedSender<T> extends Parked<void> {
  value: T;
}

function take<P extends Parked<any>>(queue: Fifo<P>): P | undefined { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let parked = queue.shift(); parked !== undefined; parked = queue.shift()) {
    if (parked.live) {
      parked.live = false;
      return parked;
    }
  }
  return undefined;
}

function park<T>(queue: Fifo<Parked<T>>): Operation<T> {
  return action<T>((resolve) => {
    const parked: Parked<T> = { resolve, live: true };
    queue.push(parked);
    return () => {
      parked.live = false;
    };
  });
}

/** A Go-like channel: capacity 0 is a rendezvous. */
export class EffectionChannel<T> {
  private readonly buffer = new Fifo<T>();
  private readonly receivers = new Fifo<Parked<T>>();
  private readonly senders = new Fifo<ParkedSender<T>>();

  constructor(readonly capacity = 0) {}

  *send(value: T): Operation<void> {
    const receiver = take(this.receivers);
    if (receiver !== undefined) {
      receiver.resolve(value);
      return;
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
      return;
    }
    const senders = this.senders;
    yield* action<void>((resolve) => {
      const parked: ParkedSender<T> = { resolve, live: true, value };
      senders.push(parked);
      return () => {
        parked.live = false;
      };
    });
  }

  *receive(): Operation<T> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift()!;
      const sender = take(this.senders);
      if (sender !== undefined) {
        this.buffer.push(sender.value);
        sender.resolve();
      }
      return value;
    }
    const sender = take(this.senders);
    if (sender !== undefined) {
      sender.resolve();
      return sender.value;
    }
    return yield* park(this.receivers);
  }
}

/** A FIFO mutex; `unlock` hands the lock to the next waiter. */
export class EffectionMutex {
  private locked = false;
  private readonly waiters = new Fifo<Parked<void>>();

  *lock(): Operation<void> {
    if (!this.locked) {
      this.locked = true;
      return;
    }
    yield* park(this.waiters);
  }

  unlock(): void {
    const next = take(this.waiters);
    if (next !== undefined) next.resolve();
    else this.locked = false;
  }
}
