/**
 * Selects in snapshots (durable/saving.ts): a select saves its clauses, and
 * each of its waits through its clause's type (a wait is data, never the
 * select or the wait itself); `onTimeout` and `onDefault` clauses.
 */
import { isSelectClause, type SelectClause } from "../../core/clause.js";
import { checkStage, savedStage, setStage, type Stage } from "../../core/trap.js";
import { ABANDONED, ATTEMPTING, CHOSEN, DefaultClause, RETRY, Select, TimeoutClause, TimeoutWait, WAITING } from "../../select.js";
import { clauseTypeOf, retime, revivedTimer, type SaveableClause, type SaveableType, type SaveableWait, type SavedTimer } from "../saving.js";

interface SavedSelect {
  clauses: SelectClause<unknown>[];
  biased: boolean;
  state: number;
  stage: Stage;
  waits: Array<{ clause: SelectClause<unknown>; data: unknown }>;
  outcome: unknown;
}

const selectType: SaveableWait<Select> = {
  id: "strand:select",
  Class: Select,
  save(select, saving): SavedSelect {
    const stage = savedStage(select);
    const state = select.state;
    if (state === ABANDONED) throw new Error(`${select.describe()} was abandoned, so it cannot be saved`);
    let waits: SavedSelect["waits"] = [];
    if (state === WAITING || state === CHOSEN) {
      const clauses = select.clauses;
      const all = select.waits!;
      // Waiting: every wait, in the order they were enqueued. Chosen: the winner only (the others were withdrawn).
      const kept = state === WAITING ? all : [select.chosen!];
      waits = kept.map((wait) => {
        const clause = clauses[select.clauseOf(wait)]!;
        const type = clauseTypeOf(clause);
        if (type === null) throw new Error(`${select.describe()}: a select clause waiting for ${clause.describe()} cannot be saved yet`);
        return { clause, data: type.savedWait(clause, wait, saving) };
      });
    }
    return { clauses: [...select.clauses], biased: select.biased, state, stage, waits, outcome: state === ATTEMPTING ? select.outcome : undefined };
  },
  revive(data: SavedSelect): Select {
    const { clauses, state, waits } = data;
    if (!Array.isArray(clauses) || !clauses.every(isSelectClause) || typeof data.biased !== "boolean" || !Array.isArray(waits)) throw new TypeError("a saved select has no clauses");
    if (state !== ATTEMPTING && state !== WAITING && state !== CHOSEN && state !== RETRY) throw new TypeError("a saved select has an unknown state");
    const select = new Select(clauses, data.biased, clauses.find((clause) => clause instanceof DefaultClause) as DefaultClause<unknown> | undefined);
    setStage(select, checkStage(data.stage));
    select.state = state;
    select.outcome = data.outcome;
    const revived = waits.map(({ clause, data: wait }) => {
      const type = clauses.includes(clause) ? clauseTypeOf(clause) : null;
      if (type === null) throw new TypeError("a saved select's wait has no clause of its own");
      return type.revivedWait(clause, select, wait as never);
    });
    select.order = waits.map(({ clause }) => clauses.indexOf(clause));
    select.waits = revived;
    if (state === CHOSEN) select.chosen = revived[0] ?? null;
    return select;
  },
  /** Registers each revived wait of a waiting select through its clause. */
  rearm(select, task, restoring): void {
    select.task = task;
    if (select.state !== WAITING) return;
    for (const wait of select.waits!) {
      const clause = select.clauses[select.clauseOf(wait)]!;
      clauseTypeOf(clause)!.rejoin(clause, wait, restoring);
    }
  },
  /** The earliest timeout of a waiting select; null if a clause waits on something outside. */
  wakesAt(select): number | null {
    if (select.state !== WAITING) return null;
    let earliest = Infinity;
    for (const wait of select.waits!) {
      const clause = select.clauses[select.clauseOf(wait)]!;
      const at = clauseTypeOf(clause)?.wakesAt?.(clause, wait) ?? Infinity;
      if (at === null) return null;
      earliest = Math.min(earliest, at);
    }
    return earliest;
  },
};

/** `onTimeout`: what is left of its timer. */
const timeoutClauseType: SaveableClause<TimeoutClause<unknown>, TimeoutWait<unknown>> = {
  id: "strand:timeout.clause",
  Class: TimeoutClause,
  save(clause): { ms: number; handler: (() => unknown) | null } {
    return { ms: clause.ms, handler: clause.handler ?? null };
  },
  revive(data: { ms: number; handler: (() => unknown) | null }): TimeoutClause<unknown> {
    if (typeof data.ms !== "number" || !(data.ms >= 0) || (data.handler !== null && typeof data.handler !== "function")) throw new TypeError("a saved onTimeout clause has no duration");
    return new TimeoutClause(data.ms, data.handler ?? undefined);
  },
  savedWait(_clause, wait, saving): { left: number; seq: number } | null {
    return wait.heapIndex >= 0 ? { left: wait.deadline - saving.now, seq: wait.seq } : null;
  },
  revivedWait(clause, selector, data: SavedTimer | null): TimeoutWait<unknown> {
    const wait = new TimeoutWait(selector as Select, clause);
    if (data !== null && typeof data === "object" && typeof data.left === "number" && typeof data.seq === "number") revivedTimer(wait, data);
    return wait;
  },
  rejoin(_clause, wait, restoring): void {
    retime(wait, wait.selector.task, restoring);
  },
  wakesAt(_clause, wait): number {
    return wait.heapIndex >= 0 ? wait.deadline : Infinity;
  },
};

/** `onDefault`: its handler (a select with a default never waits). */
const defaultClauseType: SaveableType<DefaultClause<unknown>> = {
  id: "strand:default.clause",
  Class: DefaultClause,
  save(clause): { handler: () => unknown } {
    return { handler: clause.handler };
  },
  revive(data: { handler: () => unknown }): DefaultClause<unknown> {
    if (typeof data.handler !== "function") throw new TypeError("a saved onDefault clause has no handler");
    return new DefaultClause(data.handler);
  },
};

export const selectTypes: readonly SaveableType<object>[] = [selectType, timeoutClauseType, defaultClauseType as SaveableType<object>];
