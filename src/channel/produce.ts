/**
 * `produce`, `consume` and `consumeEach` (kotlinx's `produce`, `consume`,
 * `consumeEach`): a channel owned by the task that feeds it, and a consumer
 * that tells the producer when it stops listening.
 *
 * The two ends' contract:
 * - The producer's end closes the channel: normally when its body returns,
 *   with the body's error as the cause when it fails (receivers see it as a
 *   `ChannelClosed` whose `cause` is the error; it is not reported again), and
 *   plainly when the producer is cancelled.
 * - The consumer's end cancels the channel: `consume` does so when its body
 *   ends, however it ends, so a producer parked in `send` gets `ChannelClosed`
 *   and ends, and buffered elements go to `onUndelivered`.
 * - A producer failing after its consumer cancelled the channel has nobody to
 *   tell: its error fails its task, as any child's failure does (a
 *   `ChannelClosed` — its refused send — is the expected end, and does not).
 */
import type { Instruction } from "../core/instructions.js";
import { operation } from "../core/operation.js";
import { requireCurrent } from "../core/runtime.js";
import { ChannelClosed } from "../errors.js";
import { scoped } from "../scope.js";
import { spawnRecord } from "../spawn.js";
import type { Operation } from "../types.js";
import { checkFunction, checkOptions, show } from "../validate.js";
import { channel, checkCapacity, type Capacity, type Channel, type ChannelOptions, type ReceiveChannel } from "./channel.js";

export interface ProduceOptions<T> extends ChannelOptions<T> {
  /** The channel's capacity (see `channel()`). Default 0: each send waits for a receiver. */
  capacity?: Capacity;
}

function checkGeneratorFunction(what: string, name: string, body: unknown): void {
  checkFunction(what, name, body);
  const tag = Object.prototype.toString.call(body);
  if (tag === "[object AsyncFunction]" || tag === "[object AsyncGeneratorFunction]") {
    throw new TypeError(`${what}: ${name} is an async function; it must be a generator function (function* (channel) {...})`);
  }
}

/**
 * Starts a child task running `body(channel)` and returns the channel's
 * receive end at once. The channel closes when the body ends: plainly when it
 * returns or is cancelled, with its error as the cause when it fails (the
 * receivers get that error inside a `ChannelClosed`; it does not also fail the
 * caller). Pair it with `consume`/`consumeEach`, which cancel the channel when
 * the consumer stops, so the producer stops too.
 *
 * ```ts
 * const lines = yield* produce<string>(function* (out) {
 *   for (const line of file.split("\n")) yield* out.send(line);
 * }, { capacity: 16 });
 * yield* consumeEach(lines, (line) => console.log(line));
 * ```
 */
export function produce<T>(body: (channel: Channel<T>) => Operation<unknown>, options?: ProduceOptions<T>): Operation<ReceiveChannel<T>> {
  const what = "produce(body, options)";
  checkGeneratorFunction(what, "body", body);
  checkOptions(what, options);
  const capacity = options?.capacity ?? 0;
  checkCapacity(what, capacity);
  channel<T>(capacity, options); // checks the channel's options now, at the call (each run makes its own channel)
  return operation(producing<T>, body, capacity, options);
}

function* producing<T>(
  body: (channel: Channel<T>) => Operation<unknown>,
  capacity: Capacity,
  options: ProduceOptions<T> | undefined,
): Iterator<Instruction, ReceiveChannel<T>, unknown> {
  requireCurrent("produce()");
  const out = channel<T>(capacity, options);
  yield* spawnRecord(operation(feeding<T>, out, body), body.name !== "" ? body.name : "produce");
  return out;
}

function* feeding<T>(out: Channel<T>, body: (channel: Channel<T>) => Operation<unknown>): Iterator<Instruction, void, unknown> {
  try {
    yield* scoped(() => body(out));
    out.close();
  } catch (error) {
    if (out.isClosedForSend) {
      // The consumer cancelled the channel: a refused send is the expected end.
      if (error instanceof ChannelClosed) return;
      throw error;
    }
    out.close(error);
  } finally {
    out.close(); // cancelled: receivers see the channel closed (no-op if it is already)
  }
}

/**
 * Runs `body(channel)` and cancels the channel when the body ends, however it
 * ends — returning, failing, cancelled — so whoever feeds it stops (its send
 * throws `ChannelClosed`) and what is buffered goes to `onUndelivered`.
 * Returns the body's result.
 *
 * ```ts
 * const first = yield* consume(lines, function* (ch) {
 *   return yield* ch.receive(); // the producer is stopped after the first line
 * });
 * ```
 */
export function consume<T, R>(channel: ReceiveChannel<T>, body: (channel: ReceiveChannel<T>) => Operation<R>): Operation<R> {
  const what = "consume(channel, body)";
  checkReceiveChannel(what, channel);
  checkGeneratorFunction(what, "body", body);
  return operation(consuming<T, R>, channel, body);
}

function* consuming<T, R>(channel: ReceiveChannel<T>, body: (channel: ReceiveChannel<T>) => Operation<R>): Iterator<Instruction, R, unknown> {
  try {
    return yield* body(channel);
  } finally {
    channel.cancel();
  }
}

/**
 * `consume` + `each`: calls `handler` for every element until the channel is
 * closed (throwing its cause, if it was closed with one), and cancels the
 * channel when it stops, however it stops.
 *
 * ```ts
 * yield* consumeEach(lines, function* (line) { yield* write(line); });
 * ```
 */
export function consumeEach<T>(
  channel: ReceiveChannel<T>,
  handler: (value: T) => void | Operation<unknown> | PromiseLike<unknown>,
): Operation<void> {
  const what = "consumeEach(channel, handler)";
  checkReceiveChannel(what, channel);
  checkFunction(what, "handler", handler);
  return operation(consuming<T, void>, channel, (ch: ReceiveChannel<T>) => ch.each(handler));
}

function checkReceiveChannel(what: string, channel: unknown): void {
  const ch = channel as { receive?: unknown; cancel?: unknown; each?: unknown } | null;
  if (typeof ch !== "object" || ch === null || typeof ch.receive !== "function" || typeof ch.cancel !== "function" || typeof ch.each !== "function") {
    throw new TypeError(`${what}: channel must be a channel (or its receive end), got ${show(channel)}`);
  }
}
