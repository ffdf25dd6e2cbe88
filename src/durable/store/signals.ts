/**
 * Signals: messages sent to a durable coroutine from outside
 * (`signal(store, id, value)`), queued in the store in order, taken by the
 * coroutine with `yield* receiveSignal()` or in a `select` with `onSignal()`.
 * Taking one is part of the coroutine's next checkpoint (the same
 * transaction), so after a crash a signal taken since the last checkpoint is
 * taken again by the resumed coroutine — never lost, never taken twice by
 * what the store keeps.
 *
 * Both waits are saveable (durable/saving.ts): a coroutine checkpointed while it
 * waits for a signal waits again where it is restored, registered with the
 * worker that runs it then.
 */
import { NOT_READY, type ClauseWait, type SelectClause, type Selector } from "../../core/clause.js";
import { WITHDRAWN, type Abort } from "../../core/instructions.js";
import { FREE, PARK, Trap, checkStage, savedStage, setStage, type Begun, type Stage } from "../../core/trap.js";
import type { TaskRecord } from "../../core/task.js";
import { saveable, type SaveableClause, type SaveableWait } from "../saving.js";
import type { Operation } from "../../core/operation.js";
import { show } from "../../validate.js";
import { returnSignal, runningOf, type Running, type SignalReceiver } from "./running.js";

function unregister(running: Running, receiver: SignalReceiver): void {
  const at = running.receivers.indexOf(receiver);
  if (at >= 0) running.receivers.splice(at, 1);
}

/** `receiveSignal()`: parks until the worker hands it the coroutine's next signal. */
class SignalWait extends Trap<unknown> implements SignalReceiver {
  protected get what(): string {
    return "receiveSignal()";
  }
  /** @internal */ declare running: Running | null;
  /** @internal */ declare seq: number;
  constructor() {
    super(FREE); // whether a signal is queued is in the store: it always parks, and the worker delivers
    this.running = null;
    this.seq = 0;
  }
  protected begin(task: TaskRecord<unknown>): Begun {
    const running = (this.running = runningOf(task, "receiveSignal()"));
    running.receivers.push(this);
    return PARK;
  }
  protected result(value: unknown): unknown {
    return value;
  }
  protected again(): SignalWait {
    return new SignalWait();
  }
  override describe(): string {
    return "receiveSignal()";
  }
  deliver(value: unknown, seq: number): boolean {
    this.seq = seq;
    return this.wake(value);
  }
  abort(): Abort {
    const running = this.running;
    if (running !== null) {
      // Handed a signal but cancelled before it ran: it goes back to be taken again.
      if (this.task.resumeKind !== 0 /* NONE */ && this.seq > 0) returnSignal(running, this.seq);
      else unregister(running, this);
    }
    return WITHDRAWN;
  }
}

// Snapshots (durable/saving.ts): nothing but where it stands; restored, it registers with the worker that runs it.
const signalWaitType: SaveableWait<SignalWait> = {
  id: "strand:durable.signal",
  Class: SignalWait,
  save(wait): { stage: Stage } {
    return { stage: savedStage(wait) };
  },
  revive(data: { stage: Stage }): SignalWait {
    const wait = new SignalWait();
    setStage(wait, checkStage(data.stage));
    return wait;
  },
  rearm(wait, task): void {
    wait.task = task;
    if (task.resumeKind !== 0 /* NONE */) return; // it had been handed its signal (the snapshot holds it)
    const running = (wait.running = runningOf(task, "receiveSignal()"));
    running.receivers.push(wait);
  },
};
saveable(signalWaitType);

/**
 * Waits for the coroutine's next signal (sent with `signal(store, id, value)`)
 * and returns it. Only inside a durable coroutine run by `runWorker`.
 *
 * ```ts
 * const approval = yield* receiveSignal();
 * ```
 */
export function receiveSignal<T = unknown>(): Operation<T> {
  return new SignalWait() as Operation<T>;
}

/** `onSignal(handler)`: a select clause that wins with the coroutine's next signal. */
class SignalClause<R> implements SelectClause<R> {
  constructor(readonly handler: ((value: unknown) => R) | undefined) {}
  describe(): string {
    return "a signal";
  }
  attempt(): typeof NOT_READY {
    return NOT_READY; // the store is asked by the worker as it polls
  }
  enqueue(selector: Selector): ClauseWait<R> {
    const wait = new SignalClauseWait<R>(this, selector);
    wait.rejoin();
    return wait;
  }
}

class SignalClauseWait<R> implements ClauseWait<R>, SignalReceiver {
  delivered = false;
  value: unknown = undefined;
  seq = 0;
  private running: Running | null = null;
  constructor(
    private readonly clause: SignalClause<R>,
    private readonly selector: Selector,
  ) {}
  /** Registers with the worker running the select's task (a revived one does so when restored). */
  rejoin(): void {
    if (this.delivered) return;
    const running = (this.running = runningOf((this.selector as Selector & { task: TaskRecord<unknown> }).task, "onSignal()"));
    running.receivers.push(this);
  }
  deliver(value: unknown, seq: number): boolean {
    if (!this.selector.choose(this)) return false;
    this.delivered = true;
    this.value = value;
    this.seq = seq;
    this.selector.complete();
    return true;
  }
  withdraw(): void {
    if (this.running !== null && !this.delivered) unregister(this.running, this);
  }
  giveBack(): void {
    if (this.delivered && this.running !== null) returnSignal(this.running, this.seq);
  }
  result(): R {
    return this.clause.handler === undefined ? (this.value as R) : this.clause.handler(this.value);
  }
}

// Snapshots: the clause's handler, and whether its wait was handed a signal; restored, a wait not handed one registers again.
const signalClauseType: SaveableClause<SignalClause<unknown>, SignalClauseWait<unknown>> = {
  id: "strand:durable.signal.clause",
  Class: SignalClause,
  save(clause): { handler: ((value: unknown) => unknown) | null } {
    return { handler: clause.handler ?? null };
  },
  revive(data: { handler: ((value: unknown) => unknown) | null }): SignalClause<unknown> {
    if (data.handler !== null && typeof data.handler !== "function") throw new TypeError("a saved onSignal clause's handler is not a function");
    return new SignalClause(data.handler ?? undefined);
  },
  savedWait(_clause, wait): { delivered: boolean; value: unknown; seq: number } {
    return { delivered: wait.delivered, value: wait.value, seq: wait.seq };
  },
  revivedWait(clause, selector, data: { delivered: boolean; value: unknown; seq: number }): SignalClauseWait<unknown> {
    const wait = new SignalClauseWait(clause, selector);
    if (data.delivered === true) {
      wait.delivered = true;
      wait.value = data.value;
      wait.seq = typeof data.seq === "number" ? data.seq : 0;
    }
    return wait;
  },
  rejoin(_clause, wait): void {
    wait.rejoin();
  },
};
saveable(signalClauseType);

/**
 * A select clause that wins with the coroutine's next signal; `handler(value)`'s
 * result becomes the select's (the value itself without one). Approval or timeout:
 *
 * ```ts
 * const approved = yield* select(onSignal((decision) => decision === "approve"), onTimeout(86_400_000, () => false));
 * ```
 */
export function onSignal<const R = unknown>(handler?: (value: unknown) => R): SelectClause<R> {
  if (handler !== undefined && typeof handler !== "function") throw new TypeError(`onSignal(handler): handler must be a function, got ${show(handler)}`);
  return new SignalClause<R>(handler);
}
