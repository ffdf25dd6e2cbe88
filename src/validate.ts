/** Argument checks shared by the public API: each error names the argument and what it expects. */
import type { Body } from "./core/task.js";

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}

export function isOperation(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}

export function checkBody<T>(what: string, body: unknown): Body<T> {
  if (typeof body === "function" || isOperation(body)) return body as Body<T>;
  throw new TypeError(`${what}: body must be an operation or a function returning one (a generator function), got ${show(body)}`);
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
