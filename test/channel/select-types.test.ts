// Type tests for select (issue 7): the result type is the union of the
// handlers' results, literal types kept, so a discriminated union narrows.
// `npm test` type-checks this file; the runtime test checks the same values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { channel, select, onTimeout, onDefault, spawn, type Operation } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

/** Compiles only if A and B are the same type. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function assertType<_ extends true>(): void {}

function* classify(numbers: ReturnType<typeof channel<number>>, words: ReturnType<typeof channel<string>>): Operation<string> {
  const event = yield* select(
    numbers.onReceive((n) => ({ kind: "number", n })),
    words.onReceive((s) => ({ kind: "word", s })),
    onTimeout(10, () => ({ kind: "timeout" })),
  );
  assertType<Equal<typeof event["kind"], "number" | "word" | "timeout">>();
  switch (event.kind) {
    case "number":
      return `number ${event.n}`; // narrowed: only this member has n
    case "word":
      return `word ${event.s}`;
    default:
      return "timeout";
  }
}

function* sendOrSkip(out: ReturnType<typeof channel<number>>): Operation<boolean> {
  const result = yield* select(
    out.onSend(1, () => ({ ok: true })),
    onDefault(() => ({ ok: false })),
  );
  assertType<Equal<typeof result["ok"], true | false>>();
  assertType<Equal<typeof result, { readonly ok: true } | { readonly ok: false }>>();
  return result.ok;
}

function* plain(numbers: ReturnType<typeof channel<number>>): Operation<void> {
  // Without handlers, a clause's result is the element (or undefined for onSend / onTimeout).
  const value = yield* select(numbers.onReceive(), onTimeout(5));
  assertType<Equal<typeof value, number | undefined>>();
}

test("select's result type is the union of its handlers' results, and narrows", () =>
  runTest(function* () {
    const numbers = channel<number>(1);
    const words = channel<string>(1);
    words.trySend("hi");
    assert.equal(yield* classify(numbers, words), "word hi");
    assert.equal(yield* classify(numbers, words), "timeout");
    assert.equal(yield* sendOrSkip(numbers), true);
    assert.equal(yield* sendOrSkip(numbers), false);
    const task = yield* spawn(() => plain(channel<number>()));
    yield* task;
  }));
