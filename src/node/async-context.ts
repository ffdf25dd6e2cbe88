/**
 * Node only: makes the AsyncLocalStorage context active where a run was
 * started visible to the async code its tasks run with `call()`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { installAsyncContext, type ContextRunner } from "../async-context.js";

/**
 * From now on, each `run()` (and `main()`, `runTest()`) captures the
 * AsyncLocalStorage context active where it is started, and `call(fn)` in any
 * of its tasks runs `fn` in that context — so a request id or a tracing span
 * set with `storage.run(value, ...)` around `run(...)` is what `fn` sees, even
 * when the run loop was woken from elsewhere. Call it once, at start-up;
 * calling it again changes nothing. Runs started before are not affected.
 *
 * ```ts
 * import { propagateAsyncContext } from "strand/node";
 * propagateAsyncContext();
 * ```
 */
export function propagateAsyncContext(): void {
  installAsyncContext(() => AsyncLocalStorage.snapshot() as ContextRunner);
}
