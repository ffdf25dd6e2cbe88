import { show } from "../validate.js";

/**
 * Checks the order of steps across tasks, as kotlinx's `expect(n)`/`finish(n)`:
 * each `expect(n)` must be the n-th step taken.
 *
 * ```ts
 * const steps = new Steps();
 * steps.expect(1);
 * yield* spawn(function* () { steps.expect(3); });
 * steps.expect(2);
 * yield* yieldNow();
 * steps.finish(4);
 * ```
 */
export class Steps {
  private taken = 0;
  private finished = false;

  expect(n: number): void {
    checkStep("expect(n)", n);
    this.step(n);
  }

  finish(n: number): void {
    checkStep("finish(n)", n);
    this.step(n);
    this.finished = true;
  }

  private step(n: number): void {
    if (this.finished) throw new Error(`step ${n} was taken after finish()`);
    this.taken++;
    if (n !== this.taken) throw new Error(`expected step ${n}, but this is step ${this.taken}`);
  }


  /** How many steps have been taken. */
  get count(): number {
    return this.taken;
  }
}

function checkStep(what: string, n: unknown): void {
  if (typeof n !== "number") throw new TypeError(`steps.${what}: n must be a positive integer (the step's number), got ${show(n)}`);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`steps.${what}: n must be a positive integer (the step's number), got ${n}`);
}

/**
 * A small seeded random number generator (mulberry32) for reproducible schedules:
 * print the seed when a test fails and run it again with the same one.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
