/**
 * The seam through which a host's async context (Node's AsyncLocalStorage)
 * reaches the async code a task calls. The run loop drains in whatever
 * context woke it — another run's timer, a callback — so without help, a
 * `call(fn)` would run `fn` in that context rather than in the one its run
 * was started in. A host module installs `capture` (Node: `strand/node`'s
 * `propagateAsyncContext()`, over `AsyncLocalStorage.snapshot()`); each run
 * captures the context where it starts, and `call()` runs its function inside
 * it. Without an installed hook (browsers, Deno, Bun, or Node without the
 * call), nothing is captured and `call(fn)` runs `fn` as it is.
 *
 * Portable: imports nothing from any host.
 */

/** Runs a function inside a captured context. */
export type ContextRunner = <R>(fn: () => R) => R;

let capture: (() => ContextRunner) | null = null;
const captured = new WeakMap<object, ContextRunner>();

/** Installs the host's capture (idempotent for one hook; a second hook replaces the first). */
export function installAsyncContext(hook: () => ContextRunner): void {
  capture = hook;
}

/** Captures the current async context for a run (keyed by its runtime), if a hook is installed. */
export function captureAsyncContext(run: object): void {
  if (capture !== null) captured.set(run, capture());
}

/** Calls `fn` inside the context captured for `run`, or as it is when none was. */
export function inAsyncContext<R>(run: object, fn: () => R): R {
  const runner = captured.get(run);
  return runner === undefined ? fn() : runner(fn);
}
