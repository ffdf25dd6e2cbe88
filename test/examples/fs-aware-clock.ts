/**
 * A virtual clock for demos that mix timers with real file I/O.
 *
 * `VirtualClock` jumps to the next timer as soon as no task can run. A task
 * waiting on the file system cannot run either, so the clock would jump while a
 * read is still in flight, and where the file's lines land among the timers'
 * output would depend on how fast the disk answered. This clock waits for the
 * file-system requests in flight to finish before it jumps, so file I/O takes no
 * virtual time and such a demo's output is the same on every run.
 */
import { VirtualClock } from "../../src/testing/index.js";

function fileSystemBusy(): boolean {
  return process.getActiveResourcesInfo().includes("FSReqCallback");
}

export class FsAwareClock extends VirtualClock {
  /** Bumped by each idle report; a wait started by an older report gives up. */
  private generation = 0;

  override idle(): void {
    const generation = ++this.generation;
    const attempt = (): void => {
      if (generation !== this.generation) return;
      if (fileSystemBusy()) setImmediate(attempt);
      else this.jump();
    };
    attempt();
  }
}
