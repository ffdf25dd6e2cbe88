import type { Body, Task } from "./core/task.js";
import { originOf } from "./core/lifecycle.js";
import { Cancelled } from "./errors.js";
import { startRoot, type RunOptions } from "./run.js";
import { checkMs, checkOptions, show } from "./validate.js";
import { installShutdown } from "./shutdown.js";

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;

interface ProcessLike {
  on(event: string, listener: () => void): void;
  off(event: string, listener: () => void): void;
  exit(code: number): never;
  exitCode?: number | string | undefined;
}

export interface MainOptions extends RunOptions {
  /**
   * Graceful shutdown, opt-in: the first SIGINT or SIGTERM completes
   * `shutdownRequested()` instead of cancelling, and the tree is cancelled
   * `grace` ms later (real time) if it has not ended by then.
   */
  drain?: { grace: number };
}

/**
 * Runs a program's main task. SIGINT and SIGTERM cancel the task tree; with
 * `{ drain: { grace } }` the first one completes `shutdownRequested()`
 * instead, and the tree is cancelled only if it is still running `grace` ms
 * later. A second signal prints the tasks still running or tearing down and
 * exits at once. The exit code reflects the outcome: 0 on success (a drained
 * program that returns on its own succeeds); 1 on failure, after printing the
 * error and the path of the task it came from; 128 + the signal's number when
 * a signal cancelled it.
 *
 * ```ts
 * await main(function* () {
 *   yield* serve(8080);
 * });
 * ```
 */
export async function main<T>(body: Body<T>, options?: MainOptions): Promise<void> {
  checkOptions("main(body, options)", options);
  const { drain, ...runOptions } = options ?? {};
  const grace = drain === undefined ? null : checkDrain(drain);
  const host = (globalThis as { process?: ProcessLike }).process;
  const task = startRoot(body, { name: "main", ...runOptions });
  const requested = grace === null ? null : installShutdown(task);
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let signalled: keyof typeof SIGNALS | null = null;
  const cancel = () => void task.cancel().then(undefined, () => {});
  const listeners = (Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]).map((signal) => {
    const listener = () => {
      if (signalled !== null) {
        const live = liveTasks(task);
        if (live.length > 0) console.error(`strand: a second ${signal}: exiting now; still running or tearing down:\n${live.join("\n")}`);
        host!.exit(128 + SIGNALS[signal]);
      }
      signalled = signal;
      if (requested === null) return cancel();
      requested.set();
      graceTimer = setTimeout(cancel, grace!);
    };
    host?.on(signal, listener);
    return [signal, listener] as const;
  });
  // A signal can cancel the tree: one parked in suspend() with nothing else to
  // do waits for it (the runtime holds the event loop then) instead of being
  // reported as a deadlock when the host runs out of work.
  task.runtime.cancellableFromOutside = true;
  let code = 0;
  try {
    await task;
  } catch (error) {
    if (signalled !== null && error instanceof Cancelled && error.task === task) {
      code = 128 + SIGNALS[signalled];
    } else {
      code = 1;
      const origin = originOf(error);
      console.error(`strand: ${origin !== undefined ? origin.path : task.path} failed:`);
      console.error(error);
    }
  } finally {
    clearTimeout(graceTimer);
    for (const [signal, listener] of listeners) host?.off(signal, listener);
  }
  if (host !== undefined) host.exitCode = code;
}

function checkDrain(drain: unknown): number {
  if (typeof drain !== "object" || drain === null) throw new TypeError(`main(body, options): drain must be an object { grace: ms }, got ${show(drain)}`);
  return checkMs("main(body, options)", "drain.grace", (drain as { grace?: unknown }).grace, false);
}

/** Every task of the tree that has not ended, one line each: its path and state. */
function liveTasks(root: Task<unknown>): string[] {
  const lines: string[] = [];
  const visit = (task: Task<unknown>) => {
    if (task.state === "completed" || task.state === "failed" || task.state === "cancelled") return;
    lines.push(`  ${task.path} (${task.state})`);
    for (const child of task.children) visit(child);
  };
  visit(root);
  return lines;
}
