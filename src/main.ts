import type { Body } from "./core/task.js";
import { originOf } from "./core/lifecycle.js";
import { Cancelled } from "./errors.js";
import { startRoot, type RunOptions } from "./run.js";
import { checkOptions } from "./validate.js";

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;

interface ProcessLike {
  on(event: string, listener: () => void): void;
  off(event: string, listener: () => void): void;
  exit(code: number): never;
  exitCode?: number | string | undefined;
}

/**
 * Runs a program's main task. SIGINT and SIGTERM cancel the task tree (a second
 * signal during the teardown exits at once). The exit code reflects the outcome:
 * 0 on success; 1 on failure, after printing the error and the path of the task
 * it came from; 128 + the signal's number when a signal cancelled it.
 *
 * ```ts
 * await main(function* () {
 *   yield* serve(8080);
 * });
 * ```
 */
export async function main<T>(body: Body<T>, options?: RunOptions): Promise<void> {
  checkOptions("main(body, options)", options);
  const host = (globalThis as { process?: ProcessLike }).process;
  const task = startRoot(body, { name: "main", ...options });
  let signalled: keyof typeof SIGNALS | null = null;
  const listeners = (Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]).map((signal) => {
    const listener = () => {
      if (signalled !== null) host!.exit(128 + SIGNALS[signal]);
      signalled = signal;
      void task.cancel().then(undefined, () => {});
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
    for (const [signal, listener] of listeners) host?.off(signal, listener);
  }
  if (host !== undefined) host.exitCode = code;
}
