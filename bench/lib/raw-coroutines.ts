/**
 * The "raw coroutines" baseline: the least a runtime whose tasks are generators
 * and whose operations are values composed with `yield*` (Strand's shape) can
 * cost on this engine. A ready queue drained by a loop, a task per generator,
 * one small object per send or receive (its own iterator, as Strand's are), a
 * channel with a ring buffer and FIFO waiters, and a join. Nothing else: no
 * cancellation, no task tree, no cooperative budget, no select, no errors
 * handled. Written for these benchmarks, to tell what a generator-based design
 * pays on V8 from what Strand's guarantees cost on top of it.
 */

/** What a parked operation yields to the loop. */
const PARK = Symbol("park");

/** The one iterator result every operation returns (read before the next is made). */
const RESULT: { done: boolean; value: unknown } = { done: false, value: undefined };

function done<T>(value: T): IteratorResult<typeof PARK, T> {
  RESULT.done = true;
  RESULT.value = value;
  return RESULT as IteratorResult<typeof PARK, T>;
}

function park<T>(): IteratorResult<typeof PARK, T> {
  RESULT.done = false;
  RESULT.value = PARK;
  return RESULT as IteratorResult<typeof PARK, T>;
}

type Body = () => Generator<unknown, unknown, unknown>;

export class RawTask {
  generator: Generator<unknown, unknown, unknown> | null = null;
  /** The value the task resumes with. */
  value: unknown = undefined;
  ended = false;
  result: unknown = undefined;
  joiner: RawTask | null = null;
  constructor(readonly body: Body) {}
}

export class RawScheduler {
  private queue: RawTask[] = [];
  private head = 0;
  current: RawTask | null = null;

  schedule(task: RawTask): void {
    this.queue.push(task);
  }

  spawn(body: Body): RawTask {
    const task = new RawTask(body);
    this.schedule(task);
    return task;
  }

  /** Runs `body` as the root task until nothing is ready; returns its result. */
  run<T>(body: () => Generator<unknown, T, unknown>): T {
    const root = this.spawn(body);
    const queue = this.queue;
    while (this.head < queue.length) {
      const task = queue[this.head++]!;
      const value = task.value;
      task.value = undefined;
      this.current = task;
      const generator = (task.generator ??= task.body());
      const step = generator.next(value);
      if (step.done) {
        task.ended = true;
        task.result = step.value;
        const joiner = task.joiner;
        if (joiner !== null) {
          joiner.value = step.value;
          this.schedule(joiner);
        }
      }
      if (this.head > 4096 && this.head * 2 > queue.length) {
        queue.splice(0, this.head);
        this.head = 0;
      }
    }
    this.queue = [];
    this.head = 0;
    if (!root.ended) throw new Error("raw coroutines: the root task never ended (deadlock)");
    return root.result as T;
  }

  /** `yield* join(task)`: waits for `task` to end. */
  join(task: RawTask): Join {
    return new Join(this, task);
  }
}

class Join implements Iterator<typeof PARK, unknown, unknown> {
  private parked = false;
  constructor(
    private readonly scheduler: RawScheduler,
    private readonly task: RawTask,
  ) {}
  [Symbol.iterator](): this {
    return this;
  }
  next(value?: unknown): IteratorResult<typeof PARK, unknown> {
    if (this.parked || this.task.ended) return done(this.parked ? value : this.task.result);
    this.parked = true;
    this.task.joiner = this.scheduler.current;
    return park();
  }
}

/** A channel of capacity ≥ 0 (0: rendezvous), FIFO on both sides. */
export class RawCoChannel<T> {
  private readonly buffer: (T | undefined)[];
  private head = 0;
  private count = 0;
  readonly senders: Send<T>[] = [];
  readonly receivers: Receive<T>[] = [];

  constructor(
    readonly scheduler: RawScheduler,
    readonly capacity: number,
  ) {
    this.buffer = new Array(Math.max(capacity, 1));
  }

  send(value: T): Send<T> {
    return new Send(this, value);
  }

  receive(): Receive<T> {
    return new Receive(this);
  }

  /** Hands `value` to a waiting receiver or the buffer; false if it must wait. */
  offer(value: T): boolean {
    const receiver = this.receivers.shift();
    if (receiver !== undefined) {
      receiver.task!.value = value;
      this.scheduler.schedule(receiver.task!);
      return true;
    }
    if (this.count < this.capacity) {
      this.buffer[(this.head + this.count++) % this.capacity] = value;
      return true;
    }
    return false;
  }

  /** Takes a value from the buffer (refilled from a waiting sender) or a waiting sender; `none` if it must wait. */
  poll(none: symbol): T | symbol {
    if (this.count > 0) {
      const value = this.buffer[this.head] as T;
      this.buffer[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      const sender = this.senders.shift();
      if (sender !== undefined) {
        this.buffer[(this.head + this.count++) % this.capacity] = sender.value;
        this.scheduler.schedule(sender.task!);
      }
      return value;
    }
    const sender = this.senders.shift();
    if (sender !== undefined) {
      this.scheduler.schedule(sender.task!);
      return sender.value;
    }
    return none;
  }
}

class Send<T> implements Iterator<typeof PARK, void, unknown> {
  task: RawTask | null = null;
  private parked = false;
  constructor(
    private readonly channel: RawCoChannel<T>,
    readonly value: T,
  ) {}
  [Symbol.iterator](): this {
    return this;
  }
  next(): IteratorResult<typeof PARK, void> {
    if (this.parked || this.channel.offer(this.value)) return done(undefined);
    this.parked = true;
    this.task = this.channel.scheduler.current;
    this.channel.senders.push(this);
    return park();
  }
}

const NONE = Symbol("none");

class Receive<T> implements Iterator<typeof PARK, T, unknown> {
  task: RawTask | null = null;
  private parked = false;
  constructor(private readonly channel: RawCoChannel<T>) {}
  [Symbol.iterator](): this {
    return this;
  }
  next(value?: unknown): IteratorResult<typeof PARK, T> {
    if (this.parked) return done(value as T);
    const got = this.channel.poll(NONE);
    if (got !== NONE) return done(got as T);
    this.parked = true;
    this.task = this.channel.scheduler.current;
    this.channel.receivers.push(this);
    return park();
  }
}

export type { Body as RawBody };
export { PARK as RAW_PARK };
