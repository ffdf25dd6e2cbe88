// Shared by the bad-input and misuse tests: a call must throw this error class
// with a message matching every pattern.
import assert from "node:assert/strict";

export type ErrorClass = typeof TypeError | typeof RangeError;

export function rejects(what: () => unknown, kind: ErrorClass, ...patterns: RegExp[]): void {
  assert.throws(what, (error: unknown) => {
    assert.ok(error instanceof kind, `expected a ${kind.name}, got ${String(error)}`);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}
