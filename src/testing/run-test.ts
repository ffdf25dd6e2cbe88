import type { Task } from "../core/task.js";
import { run } from "../run.js";
import type { Operation } from "../types.js";
import { VirtualClock } from "./clock.js";

/** What a test body receives. */
export interface TestContext {
  /** The virtual clock the test's timers read. */
  clock: VirtualClock;
}

/**
 * Runs `body` as a root task on a virtual clock that jumps to the next timer
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
export function runTest<T>(body: (context: TestContext) => Operation<T>, options?: { name?: string }): Task<T> {
  if (typeof body !== "function") throw new TypeError(`runTest(body): body must be a generator function, got ${String(body)}`);
  const clock = new VirtualClock();
  return run(() => body({ clock }), { clock, name: options?.name ?? (body.name || "test") });
}
