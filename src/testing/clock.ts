import type { Clock, IdleState } from "../core/clock.js";
import { checkMs, checkOptions, show } from "../validate.js";

/**
 * A clock whose time moves only when told to. With `autoJump` (the default), it
 * jumps to the next timer whenever the runtime reports that no task can run, so a
 * test that sleeps an hour finishes at once — deterministically, in timer order.
 *
 * Outside work (a `call()` awaiting a real promise, an `action()`, I/O) is not
 * virtual: while some is pending, the clock does not jump ahead of real time
 * (`followRealTime`, on by default). It waits as long in real time as the jump
 * would skip, then jumps; if the work finishes first, no virtual time has
 * passed. So `timeout(5_000, call(realFetch))` succeeds when the fetch answers
 * in 30 ms, and still times out — after five real seconds — if it never does;
 * fast I/O takes no virtual time, and a test's timers keep their order.
 */
export class VirtualClock implements Clock {
  private time: number;
  private alarmAt = Infinity;
  private wake: (() => void) | null = null;
  private readonly autoJump: boolean;
  private readonly followRealTime: boolean;
  /** While outside work is pending: the real time at which the clock may jump to the alarm. */
  private following: { realStart: number; virtualStart: number } | null = null;
  private realTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private dueQueued = false;

  constructor(options?: { start?: number; autoJump?: boolean; followRealTime?: boolean }) {
    checkOptions("new VirtualClock(options)", options);
    const start = options?.start ?? 0;
    if (typeof start !== "number") throw new TypeError(`new VirtualClock(options): start must be a finite number of milliseconds, got ${show(start)}`);
    if (!Number.isFinite(start)) throw new RangeError(`new VirtualClock(options): start must be a finite number of milliseconds, got ${start}`);
    const autoJump = options?.autoJump ?? true;
    if (typeof autoJump !== "boolean") throw new TypeError(`new VirtualClock(options): autoJump must be a boolean, got ${show(autoJump)}`);
    const followRealTime = options?.followRealTime ?? true;
    if (typeof followRealTime !== "boolean") {
      throw new TypeError(`new VirtualClock(options): followRealTime must be a boolean, got ${show(followRealTime)}`);
    }
    this.time = start;
    this.autoJump = autoJump;
    this.followRealTime = followRealTime;
  }

  /** Virtual time is its own wall time: a snapshot's timers resume on the restoring clock's time line as they were on the saving one's. */
  wall(): number {
    return this.time;
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
    if (this.following !== null) this.waitInRealTime();
  }

  clearAlarm(): void {
    this.alarmAt = Infinity;
    this.wake = null;
    this.stopRealTimer();
  }

  idle(state?: IdleState): void {
    if (!this.autoJump) return;
    if (this.followRealTime && state !== undefined && state.external > 0) {
      // Outside work pending: jump only once as much real time has passed.
      this.following ??= { realStart: performance.now(), virtualStart: this.time };
      this.waitInRealTime();
      return;
    }
    this.following = null;
    this.stopRealTimer();
    this.jump();
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

  private readonly fireIfDue = (): void => {
    this.dueQueued = false;
    if (this.wake !== null && this.alarmAt <= this.time) this.jump();
  };

  /** Sets a real timer for when real time since following began reaches the alarm. */
  private waitInRealTime(): void {
    this.stopRealTimer();
    const following = this.following;
    if (following === null || this.wake === null) return;
    const dueIn = following.realStart + (this.alarmAt - following.virtualStart) - performance.now();
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.following = null;
      this.jump();
    }, Math.max(0, Math.min(2_147_483_647, Math.ceil(dueIn))));
  }

  private stopRealTimer(): void {
    if (this.realTimer !== undefined) clearTimeout(this.realTimer);
    this.realTimer = undefined;
  }
}
