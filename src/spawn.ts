import { YIELD_NOW, type Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { budgetSpent, requireCurrent } from "./core/runtime.js";
import { createTask, type Body, type Task } from "./core/task.js";
import type { Operation } from "./types.js";
import { checkBody, checkName, checkOptions, checkPriority, nameOf } from "./validate.js";

export interface SpawnOptions {
  /** The child's name in errors, paths and dumps. Defaults to the body function's name, or "task". */
  name?: string;
  /** Higher runs first; equal priorities take turns (round-robin). Defaults to the parent's. */
  priority?: number;
}

/**
 * Starts a child of the current task and returns its handle at once; the child
 * first runs when the parent next yields. The parent does not end before its
 * children: when its body returns it waits for them, and when it fails or is
 * cancelled it tears them down first. A child's failure fails the parent.
 *
 * ```ts
 * const worker = yield* spawn(function* () { return yield* fetchPage(); }, { name: "worker" });
 * const page = yield* worker; // join
 * ```
 */
export function spawn<T>(body: Body<T>, options?: SpawnOptions): Operation<Task<T>> {
  checkBody("spawn(body)", body);
  checkOptions("spawn(body, options)", options);
  checkName("spawn(body, options)", options?.name);
  const priority = options?.priority === undefined ? undefined : checkPriority("spawn(body, options)", options.priority);
  const name = options?.name ?? nameOf(body, "task");
  return operation(spawning<T>, body, name, priority);
}

function* spawning<T>(body: Body<T>, name: string, priority: number | undefined): Iterator<Instruction, Task<T>, unknown> {
  const parent = requireCurrent("spawn()");
  const task = createTask(body, parent, parent.runtime, name, priority ?? parent.priority, 0);
  if (budgetSpent(parent)) yield YIELD_NOW;
  return task;
}

const currentOperation: Operation<Task<unknown>> = {
  *[Symbol.iterator]() {
    return requireCurrent("current()");
  },
};

/** The task running this code: `const me = yield* current()`. */
export function current(): Operation<Task<unknown>> {
  return currentOperation;
}
