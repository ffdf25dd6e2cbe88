/** Pieces the sync primitives share: options, argument checks, running a body, waiting at a gate. */
import { showId } from "../core/ids.js";
import { AT_ONCE, type Begun } from "../core/trap.js";
import type { Body } from "../core/task.js";
import type { Operation } from "../types.js";
import { checkName, checkOptions } from "../validate.js";
import { HandleWait, type Coordinator, type SavedHandleWait } from "./coordinator.js";
import { saveable, type SaveableWait, type Saving } from "../core/saving.js";

export interface SyncOptions {
  /** Names the primitive in errors and stats. */
  name?: string;
}

/** Checks `options` and returns the primitive's display name, e.g. `mutex "db"` or `mutex #3`. */
export function displayName(what: string, kind: string, options: SyncOptions | undefined, id: number): string {
  checkOptions(what, options);
  checkName(what, options?.name);
  return options?.name !== undefined ? `${kind} "${options.name}"` : `${kind} #${showId(id)}`;
}

/** Opens `body` (an operation, or a function returning one). */
export function bodyOperation<T>(what: string, body: Body<T>): Operation<T> {
  const operation = typeof body === "function" ? body() : body;
  if (operation === null || typeof operation !== "object" || typeof (operation as Operation<T>)[Symbol.iterator] !== "function") {
    throw new TypeError(`${what}: body returned ${String(operation)}, expected an operation (use a generator function)`);
  }
  return operation;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** An integer argument within [min, max]: TypeError if not a number, RangeError otherwise. */
export function checkInteger(what: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  if (typeof value !== "number") throw new TypeError(`${what}: ${name} must be ${range}, got ${show(value)}`);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${what}: ${name} must be ${range}, got ${show(value)}`);
  return value;
}

/**
 * The wait of a one-way gate (Latch, Event, WaitGroup at zero): completes at
 * once when `open()` holds (after the budget yield, BEFORE rule), else waits on
 * the gate's coordinator until its `notifyAll`. A gate that carries a value
 * (an Event's) returns `value()`: the gate's value once open, however the wait
 * completed.
 */
export class GateWait<T = void> extends HandleWait<T> {
  private declare readonly label: string;
  /** Made once per gate (not per wait). */
  private declare readonly open: () => boolean;
  private declare readonly value: (() => T) | null;

  constructor(label: string, coordinator: Coordinator<T>, open: () => boolean, value: (() => T) | null = null) {
    super(coordinator, null);
    this.label = label;
    this.open = open;
    this.value = value;
  }
  protected override get what(): string {
    return this.label;
  }
  protected override ready(): boolean {
    return this.open();
  }
  protected override begin(): Begun {
    return this.open() ? AT_ONCE : this.register();
  }
  protected override result(): T {
    const notified = super.result();
    return this.value === null ? notified : this.value();
  }
  protected override again(): GateWait<T> {
    return new GateWait(this.label, this.coordinator, this.open, this.value);
  }

  // Snapshots (core/saving.ts): saved with its gate, which makes the revived wait.
  static save(wait: GateWait, saving: Saving): SavedHandleWait & { gate: Gate } {
    const gate = wait.coordinator.owner as Gate | null;
    if (gate === null) throw new Error(`${wait.label} has no gate`);
    return { gate, ...HandleWait.savedWait(wait as HandleWait<unknown>, saving) };
  }
  static revive(data: SavedHandleWait & { gate: Gate }): GateWait {
    const gate = data.gate as Partial<Gate> | null;
    const wait = typeof gate === "object" && gate !== null && typeof gate.wait === "function" ? gate.wait() : null;
    if (!(wait instanceof GateWait)) throw new TypeError("a saved gate wait has no latch, event or wait group");
    return wait.revived(data);
  }
}

/** What a snapshot saves of a gate: its name, its own state (a count, or whether it is set), its coordinator's counters. */
export interface SavedGate<S> {
  name: string;
  state: S;
  queue: number[];
}

/** What the gates' helpers use of a coordinator (whatever the type of its values). */
interface GateQueue {
  savedCounts(saving: Saving, owner: string): number[];
  revivedCounts(counts: unknown): void;
  renamed(name: string, waitLabel: string): void;
}

/** Saves a gate (see `SavedGate`), checking that everyone waiting on it is saved too. */
export function savedGate<S>(name: string, waiters: GateQueue, state: S, saving: Saving): SavedGate<S> {
  return { name, state, queue: waiters.savedCounts(saving, name) };
}

/** Gives a revived gate its saved name and counters; returns its state, checked by `valid`. */
export function revivedGate<S>(kind: string, gate: { readonly name: string }, waiters: GateQueue, data: SavedGate<S>, valid: (state: unknown) => boolean): S {
  if (typeof data.name !== "string" || !valid(data.state)) throw new TypeError(`a saved ${kind} has no name or state`);
  (gate as { name: string }).name = data.name;
  waiters.renamed(data.name, `wait on ${data.name}`);
  waiters.revivedCounts(data.queue);
  return data.state;
}

/** A one-way gate: a latch, an event or a wait group. */
interface Gate {
  wait(): Operation<void>;
}

saveable<GateWait & SaveableWait>({ id: "strand:gate.wait", Class: GateWait, save: GateWait.save, revive: GateWait.revive });
