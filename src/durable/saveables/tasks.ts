/**
 * Task operations in snapshots (durable/saving.ts): joins (`yield* task`, and
 * `onJoin` clauses), `spawn()` caught at its budget yield, `yieldNow()` and
 * `transfer()`, `suspend()`, and the traps' shared `next` (the method a
 * compiled frame's `yield*` of any trap holds). A task a wait refers to is
 * saved with the tree, or, ended, with its outcome (durable/tasks.ts).
 */
import { Trap, checkStage, savedStage, setStage, stageOf, type Stage } from "../../core/trap.js";
import { JoinClause, JoinOperation, JoinWait, joinersOf } from "../../core/join.js";
import { COMPLETED, TaskRecord, type Body } from "../../core/task.js";
import { Spawn } from "../../spawn.js";
import { Suspend, Yielding } from "../../scheduling.js";
import type { SaveableClause, SaveableFunction, SaveableType, SaveableWait } from "../saving.js";

/** `yield* task`: the task joined. */
const joinType: SaveableWait<JoinOperation<unknown>> = {
  id: "strand:join",
  Class: JoinOperation,
  save(join): { target: TaskRecord<unknown>; stage: Stage } {
    return { target: join.target, stage: savedStage(join) };
  },
  revive(data: { target: TaskRecord<unknown>; stage: Stage }): JoinOperation<unknown> {
    if (!(data.target instanceof TaskRecord)) throw new TypeError("a saved join has no task");
    const join = new JoinOperation(data.target);
    setStage(join, checkStage(data.stage));
    return join;
  },
  rearm(join, task): void {
    join.task = task;
    // Parked and not yet woken: wait for the target again (it ended already: wake now).
    if (task.resumeKind !== 0 /* NONE */ || stageOf(join) !== "parked") return;
    if (join.target.status >= COMPLETED) join.wake();
    else joinersOf(join.target).push(join);
  },
};

/** `task.onJoin(handler)`: the task joined; its wait is nothing but the clause's. */
const joinClauseType: SaveableClause<JoinClause<unknown, unknown>, JoinWait<unknown, unknown>> = {
  id: "strand:join.clause",
  Class: JoinClause,
  save(clause): { target: TaskRecord<unknown>; handler: ((value: unknown) => unknown) | null } {
    return { target: clause.target, handler: clause.handler ?? null };
  },
  revive(data: { target: TaskRecord<unknown>; handler: ((value: unknown) => unknown) | null }): JoinClause<unknown, unknown> {
    if (!(data.target instanceof TaskRecord) || (data.handler !== null && typeof data.handler !== "function")) throw new TypeError("a saved onJoin clause has no task");
    return new JoinClause(data.target, data.handler ?? undefined);
  },
  savedWait(): null {
    return null;
  },
  revivedWait(clause, selector): JoinWait<unknown, unknown> {
    return new JoinWait(clause, selector);
  },
  /** Waits for the task again (it ended meanwhile: wins now). */
  rejoin(clause, wait): void {
    const target = clause.target;
    if (target.status >= COMPLETED) wait.ended();
    else joinersOf(target).push(wait);
  },
};

interface SavedSpawn {
  child: TaskRecord<unknown>;
  body: Body<unknown>;
  /** The name given, or null: the body function's. */
  name: string | null;
  priority: number | undefined;
  stage: Stage;
}

/** `spawn()`: saved only while its task yields for the budget, the child made. */
const spawnType: SaveableWait<Spawn<unknown>> = {
  id: "strand:spawn",
  Class: Spawn,
  save(spawn): SavedSpawn {
    const name = spawn.name;
    return { child: spawn.child!, body: spawn.body, name: typeof name === "string" ? name : null, priority: spawn.priority, stage: savedStage(spawn) };
  },
  revive(data: SavedSpawn): Spawn<unknown> {
    if (!(data.child instanceof TaskRecord)) throw new TypeError("a saved spawn() has no child task");
    const spawn = new Spawn(data.body, data.name ?? (data.body as () => unknown), data.priority);
    spawn.child = data.child;
    setStage(spawn, checkStage(data.stage));
    return spawn;
  },
  rearm(spawn, task): void {
    spawn.task = task;
  },
};

/** `yieldNow()` and `transfer()`: a task saved while it yields. */
const yieldType: SaveableWait<Yielding> = {
  id: "strand:yield",
  Class: Yielding,
  save(op): { target: TaskRecord<unknown> | null; yielded: boolean } {
    return { target: op.target, yielded: op.yielded };
  },
  revive(data: { target: TaskRecord<unknown> | null; yielded: boolean }): Yielding {
    if (data.target !== null && !(data.target instanceof TaskRecord)) throw new TypeError("a saved transfer() has no target task");
    const op = new Yielding(data.target);
    op.yielded = data.yielded === true;
    return op;
  },
  rearm(): void {},
};

/** `suspend()`: parked until cancelled, here or after a restore. */
const suspendType: SaveableWait<Suspend> = {
  id: "strand:suspend",
  Class: Suspend,
  save(op): { stage: Stage } {
    return { stage: savedStage(op) };
  },
  revive(data: { stage: Stage }): Suspend {
    const op = new Suspend();
    setStage(op, checkStage(data.stage));
    return op;
  },
  rearm(op, task): void {
    op.task = task;
  },
};

export const taskTypes: readonly SaveableType<object>[] = [joinType, joinClauseType, spawnType, yieldType, suspendType];

export const taskFunctions: readonly SaveableFunction[] = [
  { id: "strand:trap.next", fn: Trap.prototype.next },
  { id: "strand:yield.next", fn: Yielding.prototype.next },
];
