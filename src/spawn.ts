import { AFTER, AT_ONCE, Trap, type Begun } from "./core/trap.js";
import { keep, sampleBody } from "./core/keep.js";
import { WITHDRAWN, type Abort, type Instruction } from "./core/instructions.js";
import { operation } from "./core/operation.js";
import { requireCurrent } from "./core/runtime.js";
import { createTask, type Body, type Task, type TaskRecord } from "./core/task.js";
import type { Operation } from "./types.js";
import { checkBody, checkName, checkOptions, checkPriority } from "./validate.js";

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
  return new Spawn(body, options?.name ?? (typeof body === "function" ? body : "task"), priority);
}

/** @internal `spawn` for Strand's own modules, which need the run loop's record of the child (body already checked). */
export function spawnRecord<T>(body: Body<T>, name?: string): Operation<TaskRecord<T>> {
  return new Spawn(body, name ?? (typeof body === "function" ? body : "task"), undefined);
}

let keptSpawn = false;

/** @internal spawn(): creates the child at once, then yields if the budget is spent (the child belongs to the tree either way). */
export class Spawn<T> extends Trap<TaskRecord<T>> {
  protected get what(): string {
    return "spawn()";
  }
  // Plain stores in the constructor (not class fields): one per spawn, on the hot path.
  /** @internal */ declare child: TaskRecord<T> | null;
  /** @internal */ declare readonly body: Body<T>;
  /** @internal */ declare readonly name: string | (() => unknown);
  /** @internal */ declare readonly priority: number | undefined;

  constructor(body: Body<T>, name: string | (() => unknown), priority: number | undefined) {
    super(AFTER);
    this.child = null;
    this.body = body;
    this.name = name;
    this.priority = priority;
    if (!keptSpawn) {
      keptSpawn = true;
      keep(new Spawn(sampleBody, "sample", undefined)); // its hidden classes (core/keep.ts)
    }
  }
  protected begin(parent: TaskRecord<unknown>): Begun {
    this.child = createTask(this.body, parent, parent.runtime, this.name, this.priority ?? parent.priority, 0);
    return AT_ONCE;
  }
  protected result(): TaskRecord<T> {
    return this.child!;
  }
  protected again(): Spawn<T> {
    return new Spawn(this.body, this.name, this.priority);
  }
  abort(): Abort {
    return WITHDRAWN; // never parks
  }
}

// eslint-disable-next-line require-yield
function* reading(): Iterator<Instruction, TaskRecord<unknown>, unknown> {
  return requireCurrent("current()");
}

const currentOperation: Operation<TaskRecord<unknown>> = /* @__PURE__ */ operation(reading);

/** The task running this code: `const me = yield* current()`. */
export function current(): Operation<Task<unknown>> {
  return currentOperation;
}
