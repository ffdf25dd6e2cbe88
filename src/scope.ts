import type { Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { BOUNDARY, createTask, onChildError, SUPERVISOR, type Body, type Task } from "./core/task.js";
import type { Operation } from "./types.js";
import { checkBody, checkFunction, checkOptions, nameOf } from "./validate.js";

/**
 * Runs `body` as a child scope and returns its result: an error boundary. When
 * the body or any task spawned inside it fails, the scope's other tasks are torn
 * down and the error is thrown here, instead of failing the current task.
 *
 * ```ts
 * try {
 *   yield* scoped(function* () {
 *     yield* spawn(flakyWorker);
 *     yield* sleep(1_000);
 *   });
 * } catch (error) {
 *   // the worker failed; its siblings in the scope are gone, we carry on
 * }
 * ```
 */
export function scoped<T>(body: Body<T>): Operation<T> {
  checkBody("scoped(body)", body);
  return operation(scoping<T>, body, nameOf(body, "scoped"), null);
}

function* scoping<T>(body: Body<T>, name: string, supervise: SupervisorOptions | null): Iterator<Instruction, T, unknown> {
  const me = requireCurrent(supervise === null ? "scoped()" : "supervisor()");
  const scope = createTask(body, me, me.runtime, name, me.priority, supervise === null ? BOUNDARY : BOUNDARY | SUPERVISOR);
  if (supervise?.onChildError !== undefined) onChildError(scope, supervise.onChildError);
  return yield* scope;
}

export interface SupervisorOptions {
  /** Told about each child that fails; the supervisor and its other children carry on. */
  onChildError?: (error: unknown, child: Task<unknown>) => void;
}

/**
 * Like `scoped`, but a failing child does not fail the scope or cancel its
 * siblings: its error goes to whoever joins it (`yield* child`) and to
 * `onChildError`. An error in the body itself still ends the scope.
 *
 * ```ts
 * yield* supervisor(function* () {
 *   for (const job of jobs) yield* spawn(() => process(job));
 * }, { onChildError: (error, child) => log(`${child.name} failed`, error) });
 * ```
 */
export function supervisor<T>(body: Body<T>, options?: SupervisorOptions): Operation<T> {
  checkBody("supervisor(body)", body);
  checkOptions("supervisor(body, options)", options);
  const onChildError = options?.onChildError;
  if (onChildError !== undefined) checkFunction("supervisor(body, options)", "onChildError", onChildError);
  return operation(scoping<T>, body, nameOf(body, "supervisor"), { onChildError });
}
