/**
 * Events as operations: `once` waits for one, `onEvent` is that wait as a
 * select clause, `on` is a stream of them as a channel. For Node's
 * EventEmitter and the web's EventTarget alike.
 *
 * Events are edge-triggered: one that fires while nobody listens is gone. So
 * a waiting `onEvent` clause listens only while its select waits, and takes
 * the event by winning its select (`choose`); a select that another clause
 * won leaves the event to the emitter's other listeners. An EventEmitter's
 * "error" event fails a wait for any other event (as Node's `events.once`).
 */
import { NOT_READY, type ClauseWait, type SelectClause, type Selector } from "../core/clause.js";
import type { Instruction } from "../core/instructions.js";
import { operation } from "../core/operation.js";
import { holdExternal, releaseExternal, requireCurrent } from "../core/runtime.js";
import { addCleanup, type TaskRecord } from "../core/task.js";
import { channel, channelSettings, type Capacity, type ChannelOptions, type ReceiveChannel } from "../channel/channel.js";
import type { Operation } from "../types.js";
import { checkOptions, show } from "../validate.js";
import { waitWithin, type WaitOptions } from "./wait.js";

/** Node's EventEmitter, as far as these functions use it. */
export interface EmitterLike {
  on(event: string | symbol, listener: (...args: any[]) => void): unknown;
  off(event: string | symbol, listener: (...args: any[]) => void): unknown;
}

/** The web's EventTarget, as far as these functions use it. */
export interface EventTargetLike {
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
}

export type EventSource = EmitterLike | EventTargetLike;

function isEmitter(source: EventSource): source is EmitterLike {
  return typeof (source as EmitterLike).on === "function" && typeof (source as EmitterLike).off === "function";
}

function checkSource(what: string, source: unknown, name: unknown): void {
  const s = source as Partial<EmitterLike & EventTargetLike> | null;
  const ok =
    typeof s === "object" && s !== null && ((typeof s.on === "function" && typeof s.off === "function") || (typeof s.addEventListener === "function" && typeof s.removeEventListener === "function"));
  if (!ok) throw new TypeError(`${what}: target must be an EventEmitter or an EventTarget, got ${show(source)}`);
  if (typeof name !== "string" && typeof name !== "symbol") throw new TypeError(`${what}: event must be a string or a symbol, got ${show(name)}`);
  if (typeof name === "symbol" && !isEmitter(source as EventSource)) throw new TypeError(`${what}: an EventTarget's event must be a string`);
}

/**
 * Listens for `name` (and, on an emitter, "error" unless that is the event):
 * `listener(value)` gets an emitter's first argument or the target's Event,
 * `failed(error)` an emitter's error. Returns the function that stops listening.
 */
function listen(source: EventSource, name: string | symbol, listener: (value: unknown) => void, failed: ((error: unknown) => void) | null): () => void {
  if (!isEmitter(source)) {
    source.addEventListener(name as string, listener);
    return () => source.removeEventListener(name as string, listener);
  }
  const emitted = (value: unknown) => listener(value);
  source.on(name, emitted);
  const errored = failed === null || name === "error" ? null : (error: unknown) => failed(error);
  if (errored !== null) source.on("error", errored);
  return () => {
    source.off(name, emitted);
    if (errored !== null) source.off("error", errored);
  };
}

function describeEvent(source: EventSource, name: string | symbol): string {
  return `event ${String(name)} of ${(source as object).constructor?.name ?? "an event source"}`;
}

class EventClause<V, R> implements SelectClause<R> {
  constructor(
    readonly source: EventSource,
    readonly name: string | symbol,
    readonly handler: ((value: V) => R) | undefined,
  ) {}
  describe(): string {
    return describeEvent(this.source, this.name);
  }
  attempt(): typeof NOT_READY {
    return NOT_READY; // an event that fired before is gone
  }
  enqueue(selector: Selector): ClauseWait<R> {
    return new EventWait<V, R>(this, selector, requireCurrent(this.describe()));
  }
}

// EventWait states.
const LISTENING = 0;
const FIRED = 1;
const FAILED = 2;
const LEFT = 3;

/** A waiting `onEvent`: listens until its select is decided; takes the event by winning it. */
class EventWait<V, R> implements ClauseWait<R> {
  private state = LISTENING;
  private value: unknown = undefined;
  private readonly stop: () => void;

  constructor(
    private readonly clause: EventClause<V, R>,
    private readonly selector: Selector,
    private readonly task: TaskRecord<unknown>,
  ) {
    holdExternal(task);
    this.stop = listen(
      clause.source,
      clause.name,
      (value) => this.fire(FIRED, value),
      (error) => this.fire(FAILED, error),
    );
  }

  private fire(state: number, value: unknown): void {
    if (this.state !== LISTENING || !this.selector.choose(this)) return;
    this.state = state;
    this.value = value;
    this.leave();
    this.selector.complete();
  }

  private leave(): void {
    this.stop();
    releaseExternal(this.task);
  }

  withdraw(): void {
    if (this.state !== LISTENING) return;
    this.state = LEFT;
    this.leave();
  }

  giveBack(): void {} // an event cannot be handed back: its other listeners had it already

  result(): R {
    if (this.state === FAILED) throw this.value;
    const handler = this.clause.handler;
    return handler === undefined ? (this.value as R) : handler(this.value as V);
  }
}

/**
 * Waits for the next `event` from an EventEmitter (returning its first
 * argument) or an EventTarget (returning the Event). On an emitter, an
 * "error" event first throws that error. `{ timeout }` throws
 * `TimeoutError` past the deadline.
 *
 * ```ts
 * const worker = new Worker(url);
 * const message = yield* once(worker, "message", { timeout: 5_000 });
 * ```
 */
export function once<V = any>(target: EventSource, event: string | symbol, options?: WaitOptions): Operation<V> {
  const what = "once(target, event, options)";
  checkSource(what, target, event);
  return waitWithin(what, new EventClause<V, V>(target, event, undefined), options);
}

/** A select clause that wins with the next `event`, as `once`; `handler(value)`'s result becomes the select's. */
export function onEvent<V = any, const R = V>(target: EventSource, event: string | symbol, handler?: (value: V) => R): SelectClause<R> {
  const what = "onEvent(target, event, handler)";
  checkSource(what, target, event);
  if (handler !== undefined && typeof handler !== "function") throw new TypeError(`${what}: handler must be a function, got ${show(handler)}`);
  return new EventClause<V, R>(target, event, handler);
}

export interface OnOptions<T> extends ChannelOptions<T> {
  /**
   * The channel's capacity, in events. Default "unlimited". An emitter cannot
   * be made to wait: with a bounded capacity, give `onOverflow: "drop-oldest"`
   * or `"drop-latest"`; under the default "suspend" policy, an event that
   * finds the channel full cancels it with an error saying the receiver fell behind.
   */
  capacity?: Capacity;
}

/**
 * A channel of every `event` from now on (an emitter's first argument, or the
 * target's Event). It stops listening when the current task ends, however it
 * ends, or when the receiver cancels the channel; an emitter's "error" closes
 * it with the error as its cause.
 *
 * ```ts
 * const lines = yield* on<string>(readline, "line");
 * for (let r; (r = yield* lines.receiveCatching()).ok; ) console.log(r.value);
 * ```
 */
export function on<V = any>(target: EventSource, event: string | symbol, options?: OnOptions<V>): Operation<ReceiveChannel<V>> {
  const what = "on(target, event, options)";
  checkSource(what, target, event);
  checkOptions(what, options);
  const capacity = options?.capacity ?? "unlimited";
  channelSettings(what, capacity, options);
  return operation(subscribing<V>, target, event, options);
}

// eslint-disable-next-line require-yield
function* subscribing<V>(target: EventSource, event: string | symbol, options: OnOptions<V> | undefined): Iterator<Instruction, ReceiveChannel<V>, unknown> {
  const me = requireCurrent("on()");
  const out = channel<V>(options?.capacity ?? "unlimited", options);
  let listening = true;
  const stop = () => {
    if (!listening) return;
    listening = false;
    unsubscribe();
    releaseExternal(me);
  };
  const unsubscribe = listen(
    target,
    event,
    (value) => {
      if (out.isClosedForSend) return stop(); // the receiver cancelled it
      const sent = out.trySend(value as V);
      if (!sent.ok) {
        out.cancel(new Error(`on(target, ${String(event)}): the channel is full and an emitter cannot wait; receive faster, or give onOverflow: "drop-oldest"`));
        stop();
      }
    },
    (error) => {
      out.close(error);
      stop();
    },
  );
  holdExternal(me); // the outside can still send it events
  addCleanup(me, () => {
    stop();
    out.close();
  });
  return out;
}
