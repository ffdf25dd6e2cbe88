/**
 * Actors: a task that owns a mailbox (a channel) and handles its messages one
 * at a time, with a request/reply helper (`ask`).
 *
 * The actor is a child task of whoever started it, so its failure and
 * cancellation follow the task tree: a handler error fails the actor, and so
 * its parent (unless under `supervisor`); cancelling the parent cancels it.
 *
 * Actor lifecycle:
 *
 * | state     | mailbox                    | what happens                                         |
 * |-----------|----------------------------|------------------------------------------------------|
 * | RUNNING   | open                       | messages are handled in order, one at a time         |
 * | CLOSING   | closed (`close()`)          | queued messages (and senders already waiting) are    |
 * |           |                            | still handled; new sends throw `ChannelClosed`       |
 * | ENDED     | cancelled                  | the task ended (completed, failed or cancelled)       |
 *
 * RUNNING ──close()──▶ CLOSING ──mailbox drained──▶ ENDED;  RUNNING/CLOSING ──failure or cancel──▶ ENDED.
 *
 * Reply states (`ReplyImpl.status`): PENDING → RESOLVED | REJECTED (by the
 * handler, or with `ActorStopped` when the actor ends first) | ABANDONED (the
 * asker was cancelled; a later resolve returns false and is dropped).
 *
 * Invariants:
 * 1. Every reply of an ask that has not returned is in `pending`; when the actor
 *    ends — however, even before its first step — the mailbox is cancelled
 *    (queued messages go to `onUndelivered`) and every pending reply is
 *    rejected with `ActorStopped`. No ask hangs on a dead actor.
 * 2. A reply settles at most once; `resolve`/`reject` say whether theirs counted.
 * 3. A handler may keep a reply and settle it later (from another message): the
 *    reply stays pending until then, or until the actor ends.
 * 4. A reply settled for an asker that is cancelled before it ran is dropped:
 *    it is an answer, not a resource, so there is nothing to give back.
 */
import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { Link, LinkedList } from "./core/list.js";
import { operation } from "./core/operation.js";
import { AFTER, AT_ONCE, PARK, Trap, type Begun } from "./core/trap.js";
import { requireCurrent } from "./core/runtime.js";
import { addCleanup, ended, type Task, type TaskRecord } from "./core/task.js";
import { addJoiner, type Joiner } from "./core/join.js";
import { failure } from "./core/lifecycle.js";
import { channel, checkCapacity, type Capacity, type Channel, type ChannelStats, type SendResult } from "./channel/channel.js";
import { ChannelClosed } from "./errors.js";
import { spawnRecord } from "./spawn.js";
import type { Operation } from "./types.js";
import { checkFunction, checkName, checkOptions, isOperation } from "./validate.js";

// Reply states.
const PENDING = 0;
const RESOLVED = 1;
const REJECTED = 2;
const ABANDONED = 3;

/**
 * The one-shot answer to an `ask`, carried in the message: the handler calls
 * `resolve(value)` or `reject(error)` exactly once (now, or later). Each returns
 * false if the reply was already settled, or its asker stopped waiting.
 */
export interface Reply<R> {
  readonly resolve: (value: R) => boolean;
  readonly reject: (error: unknown) => boolean;
  /** True once resolved, rejected, or abandoned by its asker. */
  readonly settled: boolean;
}

/** Thrown by `ask` when the actor cannot answer: it ended, or its mailbox is closed. */
export class ActorStopped extends Error {
  override readonly name = "ActorStopped";
  constructor(
    /** The actor's name. */
    readonly actor: string,
    message: string,
    cause?: unknown,
  ) {
    super(`actor "${actor}" ${message}`, cause === undefined ? undefined : { cause });
  }
}

export interface ActorOptions<M> {
  /** The mailbox's capacity, as for `channel()`: 0 (the default: a send waits for the actor), n, "unlimited", "conflated". */
  capacity?: Capacity;
  /** Names the actor's task and mailbox. Defaults to the handler's name, or "actor". */
  name?: string;
  /** Called once for each message sent but never handled (left in the mailbox when the actor ended). */
  onUndelivered?: (message: M) => void;
}

/** A snapshot of an actor's counters. */
export interface ActorStats {
  name: string;
  /** Messages handled to the end. */
  processed: number;
  /** Asks waiting for their reply. */
  pendingAsks: number;
  mailbox: ChannelStats;
}

/** Messages of `M` that carry a `reply`: the ones `ask` can send. */
export type AskMessage<M> = Extract<M, { reply: Reply<any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
type ReplyValue<X> = X extends { reply: Reply<infer R> } ? R : never;
/** The reply type of the message variant of `M` that `X` (a message made for `ask`) is. */
export type AskResult<M, X> = ReplyValue<Extract<M, Omit<X, "reply">>>;

/** The handle of a running actor: see `actor()`. */
export interface Actor<M> {
  readonly name: string;
  /** The actor's task: join it (`yield* a.task`) to wait for the actor to end. */
  readonly task: Task<void>;
  /** Sends a message, waiting while the mailbox is full. Throws `ChannelClosed` once the actor is closed or ended. */
  send(message: M): Operation<void>;
  /** Sends without waiting: `{ ok: true }`, or why not (`"full"`, `"closed"`). */
  trySend(message: M): SendResult;
  /**
   * Request/reply: `make(reply)` builds the message around a fresh one-shot
   * `reply`; `ask` sends it and waits for the handler to settle the reply.
   * The result type is the reply type of the message's variant in `M`. Throws
   * what the handler rejects with, or `ActorStopped` if the actor ends (or is
   * closed) before replying.
   *
   * ```ts
   * type Message = { kind: "add"; n: number } | { kind: "get"; reply: Reply<number> };
   * const total = yield* counter.ask((reply) => ({ kind: "get", reply })); // number
   * ```
   */
  ask<X extends AskMessage<M>>(make: (reply: Reply<any>) => X): Operation<AskResult<M, X>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Stops taking messages: the actor handles what is queued, then ends. False if already closed. */
  close(): boolean;
  stats(): ActorStats;
}

class ReplyImpl<R> extends Link implements Reply<R> {
  status = PENDING;
  outcome: unknown = undefined;
  /** The asker's wait, once it parks for the answer. */
  waiting: ReplyWait | null = null;

  constructor(private readonly owner: ActorImpl<unknown>) {
    super();
  }

  readonly resolve = (value: R): boolean => this.settle(RESOLVED, value);
  readonly reject = (error: unknown): boolean => this.settle(REJECTED, error);

  get settled(): boolean {
    return this.status !== PENDING;
  }

  settle(status: number, value: unknown): boolean {
    if (this.status !== PENDING) return false;
    this.status = status;
    this.outcome = value;
    this.owner.pending.remove(this as ReplyImpl<unknown>);
    this.waiting?.wake();
    return true;
  }

  describe(): string {
    return `reply from actor "${this.owner.name}"`;
  }

  abandon(): void {
    if (this.status === PENDING) this.status = ABANDONED;
    this.owner.pending.remove(this as ReplyImpl<unknown>);
  }
}

/** The asker's wait for its reply: parks unless the handler has answered already. */
class ReplyWait extends Trap<unknown> {
  protected get what(): string {
    return "actor.ask()";
  }
  constructor(private readonly reply: ReplyImpl<unknown>) {
    super(AFTER); // waiting for an answer takes nothing
  }
  protected begin(): Begun {
    if (this.reply.status !== PENDING) return AT_ONCE;
    this.reply.waiting = this;
    return PARK;
  }
  protected result(): unknown {
    if (this.reply.status === REJECTED) throw this.reply.outcome;
    return this.reply.outcome;
  }
  protected again(): ReplyWait {
    return new ReplyWait(this.reply);
  }
  override describe(): string {
    return this.reply.describe();
  }
  /** The asker was cancelled: the answer, if one comes, is dropped. */
  abort(): Abort {
    this.reply.abandon();
    return WITHDRAWN;
  }
}

class ActorImpl<M> extends Link implements Actor<M>, Joiner {
  task!: TaskRecord<void>;
  readonly pending = new LinkedList<ReplyImpl<unknown>>();
  processed = 0;

  constructor(
    readonly name: string,
    readonly mailbox: Channel<M>,
  ) {
    super();
  }

  send(message: M): Operation<void> {
    return this.mailbox.send(message);
  }

  trySend(message: M): SendResult {
    return this.mailbox.trySend(message);
  }

  ask<X extends AskMessage<M>>(make: (reply: Reply<any>) => X): Operation<AskResult<M, X>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    checkFunction("actor.ask(make)", "make", make);
    return operation(asking<M, X>, this, make);
  }

  close(): boolean {
    return this.mailbox.close();
  }

  stats(): ActorStats {
    return { name: this.name, processed: this.processed, pendingAsks: this.pending.size, mailbox: this.mailbox.stats() };
  }

  /** Why an ask cannot be answered now. */
  stopped(cause?: unknown): ActorStopped {
    const task = this.task;
    if (task === undefined || !ended(task)) return new ActorStopped(this.name, "is closed: it takes no new messages", cause);
    const state = task.state;
    if (state === "failed") return new ActorStopped(this.name, "failed before replying", failure(task));
    return new ActorStopped(this.name, state === "cancelled" ? "was cancelled before replying" : "ended before replying", cause);
  }

  /**
   * The actor's task ended (invariant 1). Its mailbox was cancelled by the
   * task's last cleanup, inside the task, so a throwing onUndelivered failed the
   * task like any other error of it; this cancel only matters for a task that
   * had ended before the cleanup was registered (then the error goes to the
   * spawning operation).
   */
  ended(): void {
    this.mailbox.cancel();
    const error = this.stopped();
    for (let reply = this.pending.shift(); reply !== null; reply = this.pending.shift()) reply.settle(REJECTED, error);
  }
}

/** `actor.ask(make)`. */
function* asking<M, X extends AskMessage<M>>(actor: ActorImpl<M>, make: (reply: Reply<any>) => X): Iterator<Instruction, AskResult<M, X>, unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
  requireCurrent("actor.ask()");
  const reply = new ReplyImpl<unknown>(actor as ActorImpl<unknown>);
  actor.pending.push(reply);
  try {
    const message = make(reply);
    try {
      yield* actor.mailbox.send(message as unknown as M);
    } catch (error) {
      if (error instanceof ChannelClosed) throw actor.stopped(error);
      throw error;
    }
    return (yield* new ReplyWait(reply)) as AskResult<M, X>;
  } finally {
    reply.abandon();
  }
}

function isThenable(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * Starts an actor: a child task that receives messages from its mailbox and
 * handles them one at a time with `handler` (a function, or a generator
 * function whose operation is awaited before the next message).
 *
 * ```ts
 * type Message = { kind: "add"; n: number } | { kind: "get"; reply: Reply<number> };
 * let total = 0;
 * const counter = yield* actor((message: Message) => {
 *   if (message.kind === "add") total += message.n;
 *   else message.reply.resolve(total);
 * });
 * yield* counter.send({ kind: "add", n: 2 });
 * const sum = yield* counter.ask((reply) => ({ kind: "get", reply })); // 2
 * counter.close();
 * ```
 */
export function actor<M>(handler: (message: M) => void | Operation<unknown>, options?: ActorOptions<M>): Operation<Actor<M>> {
  checkFunction("actor(handler)", "handler", handler);
  checkOptions("actor(handler, options)", options);
  checkName("actor(handler, options)", options?.name);
  const name = options?.name ?? (handler.name !== "" ? handler.name : "actor");
  const capacity = options?.capacity ?? 0;
  if (options !== undefined && "capacity" in options && options.capacity !== undefined) checkCapacity("actor(handler, options)", options.capacity);
  const onUndelivered = options?.onUndelivered;
  if (onUndelivered !== undefined) checkFunction("actor(handler, options)", "onUndelivered", onUndelivered);
  return operation(starting<M>, handler, name, { capacity, onUndelivered });
}

/** `actor(handler, options)`: starts the actor's task. */
function* starting<M>(
  handler: (message: M) => void | Operation<unknown>,
  name: string,
  { capacity, onUndelivered }: { capacity: Capacity; onUndelivered: ((message: M) => void) | undefined },
): Iterator<Instruction, Actor<M>, unknown> {
  requireCurrent("actor()");
  const mailbox = channel<M>(capacity, { name: `${name} mailbox`, ...(onUndelivered !== undefined ? { onUndelivered } : {}) });
  const impl = new ActorImpl<M>(name, mailbox);
  impl.task = yield* spawnRecord(operation(handling<M>, impl, handler), name);
  if (ended(impl.task)) impl.ended();
  else {
    // Messages left when the actor ends go to onUndelivered, inside its task.
    addCleanup(impl.task, () => void mailbox.cancel());
    addJoiner(impl.task, impl);
  }
  return impl as Actor<M>;
}

/** The actor's task: handles the mailbox's messages one at a time until it is closed and drained. */
function* handling<M>(impl: ActorImpl<M>, handler: (message: M) => void | Operation<unknown>): Iterator<Instruction, void, unknown> {
  const mailbox = impl.mailbox;
  const name = impl.name;
  for (;;) {
    const next = yield* mailbox.receiveCatching();
    if (!next.ok) return;
    const result = handler(next.value);
    if (isOperation(result)) yield* result as Operation<unknown>;
    else if (isThenable(result)) {
      throw new TypeError(`actor "${name}": the handler returned a promise; handlers are functions or generator functions (wrap async work in call())`);
    }
    impl.processed++;
  }
}
