/**
 * The Node globals a few portable test files use (setImmediate to wait a turn,
 * process.env for seeds, process.on("warning") to watch for Node's warnings),
 * given to those test files only when the suite is bundled for a browser: the
 * library's own code sees the page's real globals.
 */

/** A later macrotask, as Node's setImmediate. */
export function setImmediate<A extends unknown[]>(callback: (...args: A) => void, ...args: A): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    callback(...args);
  };
  channel.port2.postMessage(null);
}

/** process.env (the STRAND_* variables of the run that bundled the suite); no events are ever emitted. */
export const process = {
  env: { ...((globalThis as { __strandEnv?: Record<string, string> }).__strandEnv ?? {}) } as Record<string, string | undefined>,
  on(_event: string, _listener: (...args: never[]) => void): void {},
  off(_event: string, _listener: (...args: never[]) => void): void {},
};
