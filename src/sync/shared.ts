/** Pieces the sync primitives share: options, argument checks, running a body, waiting at a gate. */
import { showId } from "../core/ids.js";
import { AT_ONCE, type Begun } from "../core/trap.js";
import type { Body } from "../core/task.js";
import type { Operation } from "../types.js";
import { checkName, checkOptions } from "../validate.js";
import { HandleWait, type Coordinator } from "./coordinator.js";

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
  /** @internal */ declare readonly label: string;
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
}
