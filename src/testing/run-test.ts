import { run } from "../run.js";
import type { Operation } from "../types.js";
import { VirtualClock } from "./clock.js";
import { seededRandom } from "./steps.js";

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
  const clock = new VirtualClock();
  const seed = options?.seed ?? 1;
  const task = run(() => body({ clock, seed }), { clock, random: seededRandom(seed), name: options?.name ?? (body.name || "test") });
  return task.promise();
}

export interface RunTestOptions {
  name?: string;
  /** Seeds the runtime's random choices (select); defaults to 1, so runs repeat exactly. */
  seed?: number;
}
