/** Argument checks shared by the public API: each error names the argument and what it expects. */
import { isGeneratorObject, isOperation, startedGenerators } from "./core/operation.js";
import type { Body } from "./core/task.js";

export { isGeneratorObject, isOperation };

export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}

const toTag = Object.prototype.toString;

/**
 * A body: an operation, or a function returning one. `name` is how the error
 * names the argument ("body", or "operations[2]" in a list).
 */
export function checkBody<T>(what: string, body: unknown, name = "body"): Body<T> {
  if (typeof body === "function") {
    const tag = toTag.call(body);
    if (tag === "[object AsyncFunction]" || tag === "[object AsyncGeneratorFunction]") {
      throw new TypeError(
        `${what}: ${name} is an async function; Strand bodies are generator functions (function* () {...}) ` +
          `that compose operations with yield*, and await a promise with yield* call(() => promise)`,
      );
    }
    return body as Body<T>;
  }
  if (isOperation(body)) {
    if (startedGenerators.has(body as object)) {
      throw new TypeError(
        `${what}: ${name} is a generator object that already ran in another task; a generator object runs once: ` +
          `pass the generator function instead (spawn(work), not spawn(work())), or call it again`,
      );
    }
    return body as Body<T>;
  }
  throw new TypeError(`${what}: ${name} must be an operation or a function returning one (a generator function), got ${show(body)}`);
}

/** A duration in milliseconds: a number ≥ 0 (Infinity allowed where `infinite` is set). */
export function checkMs(what: string, name: string, ms: unknown, infinite = true): number {
  if (typeof ms !== "number") throw new TypeError(`${what}: ${name} must be a number of milliseconds, got ${show(ms)}`);
  if (Number.isNaN(ms) || ms < 0 || (!infinite && !Number.isFinite(ms))) {
    throw new RangeError(`${what}: ${name} must be a number of milliseconds ≥ 0${infinite ? "" : " and finite"}, got ${ms}`);
  }
  return ms;
}

export function checkFunction(what: string, name: string, value: unknown): void {
  if (typeof value !== "function") throw new TypeError(`${what}: ${name} must be a function, got ${show(value)}`);
}

export function checkOptions(what: string, options: unknown): void {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`${what}: options must be an object, got ${show(options)}`);
  }
}

export function checkName(what: string, name: unknown): void {
  if (name !== undefined && typeof name !== "string") throw new TypeError(`${what}: name must be a string, got ${show(name)}`);
}

export function checkPriority(what: string, priority: unknown): number {
  if (priority === undefined) return 0;
  if (typeof priority !== "number" || !Number.isSafeInteger(priority)) {
    throw new TypeError(`${what}: priority must be an integer (higher runs first), got ${show(priority)}`);
  }
  return priority;
}

export function nameOf(body: unknown, fallback: string): string {
  return typeof body === "function" && body.name !== "" ? body.name : fallback;
}

/** A `Clock` (see core/clock.ts): checked when a run starts, not when a task first sets a timer. */
export function checkClock(what: string, clock: unknown): void {
  const c = clock as { now?: unknown; setAlarm?: unknown; clearAlarm?: unknown; idle?: unknown } | null;
  if (
    typeof c !== "object" ||
    c === null ||
    typeof c.now !== "function" ||
    typeof c.setAlarm !== "function" ||
    typeof c.clearAlarm !== "function" ||
    (c.idle !== undefined && typeof c.idle !== "function")
  ) {
    throw new TypeError(`${what}: clock must have now(), setAlarm() and clearAlarm() methods (and optionally idle()), got ${show(clock)}`);
  }
}
