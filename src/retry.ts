/**
 * `retry(body, options)`: runs a failing operation again, with exponential
 * back-off. Each attempt is a scope (`scoped`), so a failure of the body or of
 * a task it spawned is one failed attempt, and the attempt's tasks are torn
 * down before the next begins. Cancellation is never retried: a cancelled
 * caller unwinds out of the attempt or the back-off sleep, and a `Cancelled`
 * thrown by the body (it joined a cancelled task) is rethrown at once.
 */
import type { Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { randomOf, requireCurrent } from "./core/runtime.js";
import type { Body } from "./core/task.js";
import { Cancelled } from "./errors.js";
import { scoped } from "./scope.js";
import { sleep } from "./time.js";
import type { Operation } from "./types.js";
import { checkBody, checkFunction, checkMs, checkOptions, isGeneratorObject, show } from "./validate.js";

export interface RetryOptions {
  /** Total tries, the first included: an integer ≥ 1, or `Infinity`. Default 3. */
  attempts?: number;
  /** Milliseconds to wait before the second try. Default 100. */
  delay?: number;
  /** Each wait is the previous one times `factor` (≥ 1). Default 2. */
  factor?: number;
  /** No wait is longer than this, in milliseconds. Default `Infinity`. */
  maxDelay?: number;
  /**
   * A fraction from 0 to 1: each wait is moved by up to that fraction of
   * itself, up or down, at random (the runtime's random source: seeded under
   * `runTest`). Default 0.
   */
  jitter?: number;
  /** Whether to try again after `error` (the `attempt`-th try, from 1, failed). Default: always. */
  retryIf?: (error: unknown, attempt: number) => boolean;
}

interface Plan {
  attempts: number;
  delay: number;
  factor: number;
  maxDelay: number;
  jitter: number;
  retryIf: ((error: unknown, attempt: number) => boolean) | undefined;
}

function checkPlan(what: string, options: RetryOptions | undefined): Plan {
  checkOptions(what, options);
  const attempts = options?.attempts ?? 3;
  if (typeof attempts !== "number" || !(attempts === Infinity || (Number.isSafeInteger(attempts) && attempts >= 1))) {
    throw new RangeError(`${what}: attempts must be an integer ≥ 1 (the total number of tries) or Infinity, got ${show(attempts)}`);
  }
  const delay = checkMs(what, "delay", options?.delay ?? 100, false);
  const factor = options?.factor ?? 2;
  if (typeof factor !== "number" || !(factor >= 1) || !Number.isFinite(factor)) {
    throw new RangeError(`${what}: factor must be a finite number ≥ 1, got ${show(factor)}`);
  }
  const maxDelay = checkMs(what, "maxDelay", options?.maxDelay ?? Infinity);
  const jitter = options?.jitter ?? 0;
  if (typeof jitter !== "number" || !(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`${what}: jitter must be a fraction from 0 to 1, got ${show(jitter)}`);
  }
  const retryIf = options?.retryIf;
  if (retryIf !== undefined) checkFunction(what, "retryIf", retryIf);
  return { attempts, delay, factor, maxDelay, jitter, retryIf };
}

/**
 * Runs `body`, and again after each failure, up to `attempts` tries in all,
 * waiting `delay` ms before the second, then `factor` times longer each time
 * (at most `maxDelay`, moved at random by up to `jitter` of itself). Returns
 * the first success; throws the last error when the tries are spent or
 * `retryIf(error, attempt)` says no. Each try runs as a scope: its tasks are
 * torn down before the next. Cancellation is never retried.
 *
 * ```ts
 * const page = yield* retry(() => fetchPage(url), {
 *   attempts: 5, delay: 200, maxDelay: 5_000, jitter: 0.2,
 *   retryIf: (error) => !(error instanceof NotFound),
 * });
 * ```
 */
export function retry<T>(body: Body<T>, options?: RetryOptions): Operation<T> {
  const what = "retry(body, options)";
  checkBody(what, body);
  if (isGeneratorObject(body)) {
    throw new TypeError(
      `${what}: body is a generator object, which runs once; pass a function that makes the operation for each try (retry(() => fetchPage(url)))`,
    );
  }
  return operation(retrying<T>, body, checkPlan(what, options));
}

function* retrying<T>(body: Body<T>, plan: Plan): Iterator<Instruction, T, unknown> {
  const random = randomOf(requireCurrent("retry()"));
  let wait = plan.delay;
  for (let attempt = 1; ; attempt++) {
    try {
      return yield* scoped(body);
    } catch (error) {
      if (error instanceof Cancelled || attempt >= plan.attempts) throw error;
      if (plan.retryIf !== undefined && !plan.retryIf(error, attempt)) throw error;
    }
    const capped = Math.min(wait, plan.maxDelay);
    yield* sleep(plan.jitter === 0 ? capped : Math.max(0, capped * (1 + plan.jitter * (2 * random() - 1))));
    wait = Math.min(wait * plan.factor, plan.maxDelay);
  }
}
