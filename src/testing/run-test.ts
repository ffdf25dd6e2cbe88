import { startRoot } from "../run.js";
import type { Operation } from "../types.js";
import { VirtualClock } from "./clock.js";
import { seededRandom } from "./steps.js";
import { checkName, checkOptions, show } from "../validate.js";
import { watchInstances } from "../core/instances.js";
import { expectNoLeaks } from "./leaks.js";

/** A seed replays a run exactly only if it is a safe integer: anything else would silently replay another seed. */
function checkSeed(what: string, seed: unknown): number {
  if (typeof seed !== "number") throw new TypeError(`${what}: seed must be a safe integer, got ${show(seed)}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${what}: seed must be a safe integer, got ${seed}`);
  return seed;
}

/** What a test body receives. */
export interface TestContext {
  /** The virtual clock the test's timers read. */
  clock: VirtualClock;
  /** The seed of this run's random choices: print it when a test fails. */
  seed: number;
}

/**
 * Runs `body` as a root task on a virtual clock, and returns a promise of its result, that jumps to the next timer
 * whenever every task is blocked: sleeps and timeouts take no wall time, and
 * their order is exact. Once its tasks have all ended, the test fails with a
 * `LeakError` if anything is left registered (see `expectNoLeaks`).
 *
 * ```ts
 * test("an hour passes at once", () =>
 *   runTest(function* ({ clock }) {
 *     yield* sleep(3_600_000);
 *     assert.equal(clock.now(), 3_600_000);
 *   }));
 * ```
 */
export function runTest<T>(body: (context: TestContext) => Operation<T>, options?: RunTestOptions): Promise<T> {
  if (typeof body !== "function") throw new TypeError(`runTest(body): body must be a generator function, got ${String(body)}`);
  checkOptions("runTest(body, options)", options);
  checkName("runTest(body, options)", options?.name);
  const seed = options?.seed === undefined ? 1 : checkSeed("runTest(body, options)", options.seed);
  const followRealTime = options?.followRealTime ?? true;
  if (typeof followRealTime !== "boolean") throw new TypeError(`runTest(body, options): followRealTime must be a boolean, got ${show(followRealTime)}`);
  const clock = new VirtualClock({ followRealTime });
  const checkLeaks = options?.leaks ?? true;
  if (typeof checkLeaks !== "boolean") throw new TypeError(`runTest(body, options): leaks must be a boolean, got ${show(checkLeaks)}`);
  // Channels and sync primitives made during the test are listed, so that the leak check can ask them.
  const unwatch = checkLeaks ? watchInstances() : () => {};
  let task;
  try {
    task = startRoot(() => body({ clock, seed }), { clock, random: seededRandom(seed), name: options?.name ?? (body.name || "test") });
  } catch (error) {
    unwatch();
    throw error;
  }
  // A test is a closed world: when every task is parked with nothing able to wake it, it fails with DeadlockError.
  task.runtime.closedWorld = true;
  const root = task;
  return task.promise().then(
    (value) => {
      unwatch();
      if (checkLeaks) expectNoLeaks(root);
      return value;
    },
    (error: unknown) => {
      unwatch();
      throw error;
    },
  );
}

export interface RunTestOptions {
  name?: string;
  /** Seeds the runtime's random choices (select); defaults to 1, so runs repeat exactly. */
  seed?: number;
  /**
   * While outside work (`call`, `action`, I/O) is pending, the virtual clock does
   * not jump ahead of real time (default true); false makes it jump regardless.
   */
  followRealTime?: boolean;
  /**
   * After the test's tasks have all ended, fail it with a `LeakError` if anything
   * is left: timers, outside work held, runs started in it still going, tasks
   * waiting on its channels or sync primitives (default true; see `expectNoLeaks`).
   */
  leaks?: boolean;
}
