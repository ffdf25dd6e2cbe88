/**
 * `shutdownRequested()`: the operation a program under `main(body, { drain })`
 * waits on to hear that a SIGINT or SIGTERM asked it to stop. `main` sets the
 * root task's shutdown event (a context, looked up through the task tree);
 * this module is portable — only `main` listens to the host's signals.
 */
import type { Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { lookupContext, setContext, type TaskRecord } from "./core/task.js";
import { suspend } from "./scheduling.js";
import { Event } from "./sync/latch.js";
import type { Operation } from "./types.js";

/** The context key of the shutdown event: private to this module and main. */
const SHUTDOWN = {};

/** @internal Gives `root`'s tree a shutdown event (main, with `drain`). */
export function installShutdown(root: TaskRecord<unknown>): Event {
  const requested = new Event({ name: "shutdown" });
  setContext(root, SHUTDOWN, requested);
  return requested;
}

/**
 * Completes when the program is asked to shut down gracefully: under
 * `main(body, { drain: { grace } })`, at the first SIGINT or SIGTERM (the
 * tree is cancelled only `grace` ms later, if it has not ended by then).
 * Elsewhere — no `main`, or `main` without `drain`, where a signal cancels at
 * once — nobody can request it, and it waits until its task is cancelled.
 *
 * ```ts
 * await main(function* () {
 *   const server = yield* spawn(serve);
 *   yield* shutdownRequested(); // Ctrl-C: stop taking work, finish what is in flight
 *   yield* server.cancel();
 * }, { drain: { grace: 10_000 } });
 * ```
 */
export function shutdownRequested(): Operation<void> {
  return shutdownOperation;
}

const shutdownOperation: Operation<void> = /* @__PURE__ */ operation(waitingForShutdown);

function* waitingForShutdown(): Iterator<Instruction, void, unknown> {
  const { found, value } = lookupContext(requireCurrent("shutdownRequested()"), SHUTDOWN);
  if (!found) return yield* suspend();
  yield* (value as Event).wait();
}
