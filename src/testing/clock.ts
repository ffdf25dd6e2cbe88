import type { Clock } from "../core/clock.js";
import { checkMs, checkOptions, show } from "../validate.js";

/**
 * A clock whose time moves only when told to. With `autoJump` (the default), it
 * jumps to the next timer whenever the runtime reports that no task can run, so a
 * test that sleeps an hour finishes at once — deterministically, in timer order.
 */
export class VirtualClock implements Clock {
  private time: number;
  private alarmAt = Infinity;
  private wake: (() => void) | null = null;
  private readonly autoJump: boolean;

  constructor(options?: { start?: number; autoJump?: boolean }) {
    checkOptions("new VirtualClock(options)", options);
    const start = options?.start ?? 0;
    if (typeof start !== "number") throw new TypeError(`new VirtualClock(options): start must be a finite number of milliseconds, got ${show(start)}`);
    if (!Number.isFinite(start)) throw new RangeError(`new VirtualClock(options): start must be a finite number of milliseconds, got ${start}`);
    const autoJump = options?.autoJump ?? true;
    if (typeof autoJump !== "boolean") throw new TypeError(`new VirtualClock(options): autoJump must be a boolean, got ${show(autoJump)}`);
    this.time = start;
    this.autoJump = autoJump;
  }

  now(): number {
    return this.time;
  }

  setAlarm(at: number, wake: () => void): void {
    this.alarmAt = at;
    this.wake = wake;
    // Already due (time was advanced past it, e.g. by a task, while its timer was
    // being set): it goes off as soon as the current host callback returns.
    if (at <= this.time && !this.dueQueued) {
      this.dueQueued = true;
      queueMicrotask(this.fireIfDue);
    }
  }

  private dueQueued = false;
  private readonly fireIfDue = (): void => {
    this.dueQueued = false;
    if (this.wake !== null && this.alarmAt <= this.time) this.jump();
  };

  clearAlarm(): void {
    this.alarmAt = Infinity;
    this.wake = null;
  }

  idle(): void {
    if (this.autoJump) this.jump();
  }

  /** Moves to the next alarm and fires it; false if none is set. */
  jump(): boolean {
    const wake = this.wake;
    if (wake === null) return false;
    if (this.alarmAt > this.time) this.time = this.alarmAt;
    this.clearAlarm();
    wake();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    checkMs("advance(ms)", "ms", ms, false);
    const target = this.time + ms;
    while (this.wake !== null && this.alarmAt <= target) this.jump();
    this.time = target;
  }
}
