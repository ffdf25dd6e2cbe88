import { startRoot } from "../run.js";
import type { Operation } from "../types.js";
import { VirtualClock } from "./clock.js";
import { seededRandom } from "./steps.js";
import { checkName, checkOptions, show } from "../validate.js";

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
 * their order is exact.
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
  const clock = new VirtualClock();
  const task = startRoot(() => body({ clock, seed }), { clock, random: seededRandom(seed), name: options?.name ?? (body.name || "test") });
  return task.promise();
}

export interface RunTestOptions {
  name?: string;
  /** Seeds the runtime's random choices (select); defaults to 1, so runs repeat exactly. */
  seed?: number;
}
