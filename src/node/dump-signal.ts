import process from "node:process";
import { dump } from "../observe/dump.js";
import { track } from "../observe/track.js";

/** Options of `installDumpSignal()`. */
export interface DumpSignalOptions {
  /** The signal that asks for a dump (default "SIGUSR2"). SIGINT and SIGTERM are refused: they cancel `main`. */
  signal?: NodeJS.Signals;
}

/**
 * Opt-in: the process writes a task dump (`dump()` from strand/observe) to
 * stderr whenever it receives SIGUSR2 (`kill -USR2 <pid>`), for a program that
 * seems stuck. Also turns `track()` on, so the dump says how long each task
 * has been parked. Returns the function that uninstalls it. Node only.
 *
 * ```ts
 * installDumpSignal();
 * await main(server);
 * ```
 */
export function installDumpSignal(options?: DumpSignalOptions): () => void {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`installDumpSignal(options): options must be an object, got ${String(options)}`);
  }
  const signal = options?.signal ?? "SIGUSR2";
  if (typeof signal !== "string" || !/^SIG[A-Z0-9]+$/.test(signal)) {
    throw new TypeError(`installDumpSignal(options): signal must be a signal name such as "SIGUSR2", got ${String(signal)}`);
  }
  if (signal === "SIGINT" || signal === "SIGTERM" || signal === "SIGKILL" || signal === "SIGSTOP") {
    throw new TypeError(`installDumpSignal(options): ${signal} cannot ask for a dump (main cancels on SIGINT and SIGTERM; SIGKILL and SIGSTOP cannot be caught)`);
  }
  const stopTracking = track();
  const listener = (): void => {
    process.stderr.write(`strand: task dump on ${signal} (pid ${process.pid})\n${dump()}`);
  };
  process.on(signal, listener);
  let installed = true;
  return () => {
    if (!installed) return;
    installed = false;
    process.off(signal, listener);
    stopTracking();
  };
}
