/**
 * The clock the runtime reads. A runtime keeps its timers in its own heap and
 * asks the clock for one alarm at a time: at the earliest deadline.
 *
 * The real clock reads `performance.now()` and sets one host timer; the
 * virtual clock in `strand/testing` jumps to the alarm when the runtime reports
 * that no task can run (`idle`).
 */
export interface Clock {
  /** Milliseconds on this clock's time line. */
  now(): number;
  /** Calls `wake` once, when `now()` has reached `at`. Replaces any earlier alarm. */
  setAlarm(at: number, wake: () => void): void;
  /** Cancels the pending alarm, if any. */
  clearAlarm(): void;
  /**
   * Called by the runtime when no task is ready, timers are set, and host
   * callbacks have settled. `state.external` counts the outside things
   * (`call` promises, `action`s, I/O) that may still wake a task.
   */
  idle?(state: IdleState): void;
  /**
   * Wall-clock time at `now()`, in milliseconds since the Unix epoch: what a
   * task-tree snapshot keeps its timers' deadlines in, so that a restore in
   * another process (another `now()` time line) fires them when they were due.
   * Without it, `Date.now()`.
   */
  wall?(): number;
}

/** What the runtime tells a clock when it goes idle. */
export interface IdleState {
  /** Pending outside work that may still wake a task; 0 when only timers can. */
  readonly external: number;
}

/**
 * The longest delay a host timer holds (2³¹ − 1 ms, about 24.8 days); longer
 * ones fire after 1 ms with a warning. A farther alarm goes off early instead,
 * finds nothing due, and the runtime sets it again.
 */
const MAX_HOST_DELAY = 2_147_483_647;

/** Wall-clock time, host timers. One per runtime (it holds that runtime's alarm). */
export class RealClock implements Clock {
  private timer: ReturnType<typeof setTimeout> | undefined;

  now(): number {
    return performance.now();
  }

  wall(): number {
    return Date.now();
  }

  setAlarm(at: number, wake: () => void): void {
    this.clearAlarm();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      wake();
    }, Math.min(MAX_HOST_DELAY, Math.max(0, Math.ceil(at - performance.now()))));
  }

  clearAlarm(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
