/**
 * `interval(ms)`: a conflated channel that receives a tick every `ms`
 * milliseconds, for as long as the task that made it runs. Written as a
 * `resource`: the ticking task belongs to the caller's task, and the channel
 * closes when that task ends.
 */
import { channel, type ReceiveChannel } from "./channel/channel.js";
import { resource } from "./resource.js";
import { spawn } from "./spawn.js";
import { now, sleep } from "./time.js";
import type { Operation } from "./types.js";
import { checkMs } from "./validate.js";

/**
 * A channel (its receive end) that delivers a tick every `ms` milliseconds —
 * the tick's number, from 1 — until the current task ends; then it is closed.
 * It is conflated, like Go's `time.Ticker`: a reader slower than the ticks
 * skips those it missed and gets the newest (the numbers show the gap). Ticks
 * are due at fixed times from the start (`start + n × ms`), so a slow reader
 * does not make them drift.
 *
 * ```ts
 * const ticks = yield* interval(1_000);
 * for (;;) {
 *   yield* ticks.receive();
 *   yield* report(progress);
 * }
 * ```
 */
export function interval(ms: number): Operation<ReceiveChannel<number>> {
  checkMs("interval(ms)", "ms", ms, false);
  if (ms === 0) throw new RangeError("interval(ms): ms must be > 0, got 0");
  return resource<ReceiveChannel<number>>(function* interval(provide) {
    const ticks = channel<number>("conflated", { name: `interval(${ms})` });
    const start = yield* now();
    yield* spawn(function* ticking() {
      for (let n = 1; ; n++) {
        yield* sleep(Math.max(0, start + n * ms - (yield* now())));
        ticks.trySend(n);
      }
    });
    try {
      yield* provide(ticks);
    } finally {
      ticks.close();
    }
  });
}
