// The browser harness (scripts/runtimes/browser/) against Node's own: its assert
// must agree with node:assert/strict, and its node:test must count a failing
// assertion, a failing hook and a timeout as failures, run hooks in Node's
// order, and skip what it is told to.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import * as shim from "../../scripts/runtimes/browser/assert.js";
import * as harness from "../../scripts/runtimes/browser/node-test.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const cycle = (): unknown => {
  const a: Record<string, unknown> = { name: "a" };
  a.self = a;
  return a;
};
const sym = Symbol("s");

/** Pairs whose deep strict equality both implementations must judge alike. */
const PAIRS: [string, unknown, unknown][] = [
  ["same number", 1, 1],
  ["number and string", 1, "1"],
  ["NaN", NaN, NaN],
  ["0 and -0", 0, -0],
  ["null and undefined", null, undefined],
  ["arrays", [1, [2, 3]], [1, [2, 3]]],
  ["arrays of different length", [1, 2], [1, 2, 3]],
  ["array and array-like", [1], { 0: 1, length: 1 }],
  ["objects, key order differs", { a: 1, b: 2 }, { b: 2, a: 1 }],
  ["objects, a value differs", { a: 1, b: 2 }, { a: 1, b: 3 }],
  ["an extra undefined key", { a: 1 }, { a: 1, b: undefined }],
  ["prototypes differ", new Point(1, 2), { x: 1, y: 2 }],
  ["class instances", new Point(1, 2), new Point(1, 2)],
  ["null prototype", Object.assign(Object.create(null), { a: 1 }), { a: 1 }],
  ["dates", new Date(5), new Date(5)],
  ["dates differ", new Date(5), new Date(6)],
  ["regexps", /a/g, /a/g],
  ["regexps' flags", /a/g, /a/i],
  ["maps", new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]])],
  ["maps' values differ", new Map([[1, 1]]), new Map([[1, 2]])],
  ["maps with object keys", new Map([[{ k: 1 }, 1]]), new Map([[{ k: 1 }, 1]])],
  ["sets", new Set([1, 2]), new Set([2, 1])],
  ["sets of objects", new Set([{ a: 1 }]), new Set([{ a: 1 }])],
  ["sets of objects differ", new Set([{ a: 1 }]), new Set([{ a: 2 }])],
  ["errors", new Error("x"), new Error("x")],
  ["errors' messages", new Error("x"), new Error("y")],
  ["errors' kinds", new TypeError("x"), new RangeError("x")],
  ["typed arrays", new Uint8Array([1, 2]), new Uint8Array([1, 2])],
  ["typed arrays' kinds", new Uint8Array([1, 2]), new Int8Array([1, 2])],
  ["boxed", Object(1), Object(1)],
  ["boxed differ", Object(1), Object(2)],
  ["symbol keys", { [sym]: 1 }, { [sym]: 1 }],
  ["symbol keys differ", { [sym]: 1 }, { [sym]: 2 }],
  ["cycles", cycle(), cycle()],
  ["functions", () => 1, () => 1],
];

describe("the browser's assert agrees with node:assert/strict", () => {
  for (const [name, a, b] of PAIRS) {
    test(`deep equality: ${name}`, () => {
      assert.equal(shim.isDeepStrictEqual(a, b), isDeepStrictEqual(a, b));
    });
  }

  test("equal is Object.is; a failure is an AssertionError naming both values", () => {
    shim.equal(NaN, NaN);
    assert.throws(() => shim.equal(0, -0), { name: "AssertionError", code: "ERR_ASSERTION" });
    assert.throws(() => shim.equal(1, 2, "custom"), { message: "custom" });
    assert.throws(() => shim.equal(1, 2, new RangeError("mine")), RangeError);
  });

  test("throws and rejects validate as Node's do: class, RegExp, function, object of properties", async () => {
    const fail = () => {
      throw new TypeError("bad input: x must be a number");
    };
    const cases: unknown[] = [TypeError, RangeError, /x must/, /nope/, { name: "TypeError" }, { message: /must be/ }, { name: "RangeError" }, (e: unknown) => e instanceof TypeError];
    for (const expected of cases) {
      const node = outcome(() => assert.throws(fail, expected as never));
      assert.equal(outcome(() => shim.throws(fail, expected as never)), node, String(expected));
      const nodeAsync = await outcomeAsync(() => assert.rejects(async () => fail(), expected as never));
      assert.equal(await outcomeAsync(() => shim.rejects(async () => fail(), expected as never)), nodeAsync, String(expected));
    }
    assert.throws(() => shim.throws(() => {}), { message: /Missing expected exception/ });
    await assert.rejects(shim.rejects(Promise.resolve(1)), { message: /Missing expected rejection/ });
    assert.throws(() => shim.match("abc", /z/), { name: "AssertionError" });
    assert.throws(() => shim.ok(0), { name: "AssertionError" });
    assert.throws(() => shim.fail("stop"), { message: "stop" });
  });
});

function outcome(body: () => void): string {
  try {
    body();
    return "passed";
  } catch (error) {
    return error instanceof Error && error.name === "AssertionError" ? "assertion failed" : "threw something else";
  }
}

async function outcomeAsync(body: () => Promise<void>): Promise<string> {
  try {
    await body();
    return "passed";
  } catch (error) {
    return error instanceof Error && error.name === "AssertionError" ? "assertion failed" : "threw something else";
  }
}

test("the browser's node:test runs hooks in Node's order and counts every failure", async () => {
  const log: string[] = [];
  harness.file("spec.ts");
  harness.describe("outer", () => {
    harness.before(() => void log.push("before outer"));
    harness.beforeEach(() => void log.push("beforeEach outer"));
    harness.afterEach(() => void log.push("afterEach outer"));
    harness.after(() => void log.push("after outer"));
    harness.test("passes", () => void log.push("passes"));
    harness.it("fails an assertion", () => shim.equal(1, 2));
    harness.describe("inner", () => {
      harness.beforeEach(() => void log.push("beforeEach inner"));
      harness.afterEach(() => void log.push("afterEach inner"));
      harness.test("async passes", async () => void log.push("async passes"));
      harness.test("rejects", async () => {
        throw new Error("rejected");
      });
    });
    harness.test("times out", { timeout: 20 }, () => new Promise(() => {}));
    harness.test("calls done with an error", (_t: harness.TestContext, done: (error?: unknown) => void) => done(new Error("via done")));
    harness.test.skip("is skipped", () => shim.fail("ran"));
    harness.test("is skipped by name", () => shim.fail("ran"));
  });
  harness.describe("before fails", () => {
    harness.before(() => {
      throw new Error("setup broke");
    });
    harness.test("one", () => {});
    harness.test("two", () => {});
  });
  const outcomes: harness.Outcome[] = [];
  await harness.runAll((o) => outcomes.push(o), { "spec.ts > outer > is skipped by name": "told to" });
  const status = Object.fromEntries(outcomes.map((o) => [o.name.replace("spec.ts > ", ""), o.status]));
  assert.deepEqual(status, {
    "outer > passes": "pass",
    "outer > fails an assertion": "fail",
    "outer > inner > async passes": "pass",
    "outer > inner > rejects": "fail",
    "outer > times out": "fail",
    "outer > calls done with an error": "fail",
    "outer > is skipped": "skip",
    "outer > is skipped by name": "skip",
    "before fails > one": "fail",
    "before fails > two": "fail",
  });
  assert.match(outcomes.find((o) => o.name.endsWith("fails an assertion"))!.error!, /AssertionError/);
  assert.match(outcomes.find((o) => o.name.endsWith("times out"))!.error!, /timed out after 20ms/);
  assert.deepEqual(log.slice(0, 9), [
    "before outer",
    "beforeEach outer",
    "passes",
    "afterEach outer",
    "beforeEach outer",
    "afterEach outer",
    "beforeEach outer",
    "beforeEach inner",
    "async passes",
  ]);
  assert.equal(log.at(-1), "after outer");
  assert.deepEqual(log.slice(9, 11), ["afterEach inner", "afterEach outer"]);
});
