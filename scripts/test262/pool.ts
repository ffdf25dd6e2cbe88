// Runs test modules, each in a fresh worker thread, a few at a time.
//
// One worker per test keeps tests isolated (each has its own realm and globals) at
// about 15 ms a test. The worker runs host.ts's module with no TypeScript loader and
// no inherited flags: test modules are plain JavaScript and import nothing but the
// prepared runtime package.
//
// A run ends in one Outcome:
//   evaluated  the module finished evaluating (and, if async, called $DONE() without an error)
//   threw      import() rejected: a parse error, or an exception during evaluation
//   async-fail $DONE(error) was called
//   crashed    the worker died some other way (an exception from a timer, exit())
//   timeout    no outcome within the time limit; the worker was terminated

import { Worker } from "node:worker_threads";

export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

export type Outcome =
  | { readonly kind: "evaluated" }
  | { readonly kind: "threw"; readonly error: ErrorInfo }
  | { readonly kind: "async-fail"; readonly message: string }
  | { readonly kind: "crashed"; readonly message: string }
  | { readonly kind: "timeout"; readonly ms: number };

export interface RunResult {
  readonly outcome: Outcome;
  /** Promise rejections nobody handled, in order. */
  readonly unhandled: readonly ErrorInfo[];
  /** What the test wrote with print(), and the worker's own stdout/stderr. */
  readonly output: string;
  readonly ms: number;
}

export interface RunOptions {
  /** file: URL of the host module (host.ts's HOST_SOURCE, written to disk). */
  readonly hostUrl: string;
  readonly timeoutMs: number;
}

type HostMessage =
  | { type: "print"; text: string }
  | { type: "unhandled"; error: ErrorInfo }
  | { type: "evaluated" }
  | { type: "threw"; error: ErrorInfo };

const ASYNC_COMPLETE = "Test262:AsyncTestComplete";
const ASYNC_FAILURE = "Test262:AsyncTestFailure:";

/** Runs the module at `moduleUrl` in a new worker; an async test ends when it calls $DONE. */
export function runModule(moduleUrl: string, isAsync: boolean, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const worker = new Worker(new URL(options.hostUrl), {
    workerData: { url: moduleUrl },
    execArgv: [],
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  const unhandled: ErrorInfo[] = [];
  let output = "";
  worker.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  worker.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));

  return new Promise<RunResult>((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve({ outcome, unhandled, output, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish({ kind: "timeout", ms: options.timeoutMs }), options.timeoutMs);

    worker.on("message", (message: HostMessage) => {
      switch (message.type) {
        case "print":
          output += message.text + "\n";
          if (!isAsync) return;
          if (message.text === ASYNC_COMPLETE) finish({ kind: "evaluated" });
          else if (message.text.startsWith(ASYNC_FAILURE)) {
            finish({ kind: "async-fail", message: message.text.slice(ASYNC_FAILURE.length) });
          }
          return;
        case "unhandled":
          unhandled.push(message.error);
          return;
        case "evaluated":
          // An async test has only started; it ends at $DONE or the timeout.
          if (!isAsync) finish({ kind: "evaluated" });
          return;
        case "threw":
          finish({ kind: "threw", error: message.error });
          return;
      }
    });
    worker.on("error", (error) => finish({ kind: "crashed", message: firstLine(String(error)) }));
    worker.on("exit", (code) => {
      const message =
        isAsync && code === 0 ? "the event loop emptied without a call to $DONE()" : `the worker exited (code ${code}) before the test ended`;
      finish({ kind: "crashed", message });
    });
  });
}

/** Runs `count` tasks with at most `limit` at once; `task(i)` starts the i-th. */
export async function eachLimited(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

export function firstLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 300 ? line.slice(0, 300) + "…" : line;
}
