/**
 * The durable compiler against V8: each program runs natively and compiled, and
 * every way of driving it (next with values, throw() or return() at each yield)
 * must give the same trace of yields, returns and throws.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadBoth, trace, drives } from "./differential.js";
import { coroutineFromState, coroutineState } from "../../src/coroutine.js";
import { restoreCoroutine, snapshotCoroutine } from "../../src/durable/index.js";

const programs: Record<string, string> = {
  "straight line": `
    export function* main() { const a = yield 1; const b = yield a + 1; return [a, b]; }`,
  "while, do-while, for with break and continue": `
    export function* main() {
      let i = 0, out = [];
      while (i < 5) { i++; if (i === 2) continue; if (i === 4) break; out.push(yield i); }
      do { out.push(yield -i); i--; } while (i > 2);
      for (let j = 0; j < 4; j++) { if (j === 1) continue; out.push(yield j * 100); if (j === 2) break; }
      return out;
    }`,
  "try/catch/finally with yields everywhere": `
    export function* main() {
      const log = [];
      try {
        log.push(yield "try");
        throw new Error("boom");
      } catch (e) {
        log.push(yield "catch " + e.message);
      } finally {
        log.push(yield "finally");
      }
      return log;
    }`,
  "return through finally that yields": `
    export function* main() {
      try { yield 1; return "from try"; } finally { yield "cleanup"; }
    }`,
  "finally overrides return": `
    export function* main() {
      try { yield 1; return "from try"; } finally { yield 2; return "from finally"; }
    }`,
  "nested finally ordering": `
    export function* main() {
      const log = [];
      try {
        try { yield "inner"; } finally { log.push("inner finally"); yield "inner cleanup"; }
      } finally { log.push("outer finally"); yield log.join(","); }
      return log;
    }`,
  "break and continue through finally": `
    export function* main() {
      const log = [];
      outer: for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          try {
            if (j === 1) continue;
            if (i === 1) continue outer;
            if (i === 2) break outer;
            log.push(yield [i, j]);
          } finally {
            log.push("f" + i + j);
            yield "finally " + i + j;
          }
        }
      }
      return log;
    }`,
  "labelled block": `
    export function* main() {
      let x = 0;
      block: { x = yield 1; if (x > 5) break block; x = yield 2; }
      return x;
    }`,
  "switch with fall-through and yields": `
    export function* main() {
      const out = [];
      for (const k of [1, 2, 3, 4]) {
        switch (k) {
          case 1: out.push(yield "one");
          case 2: out.push(yield "two"); break;
          default: out.push(yield "default");
          case 3: out.push("three");
        }
      }
      return out;
    }`,
  "for-of closes the iterator on break, return and throw": `
    function* source(log) { try { yield 1; yield 2; yield 3; } finally { log.push("closed"); } }
    export function* main() {
      const log = [];
      for (const x of source(log)) { log.push(yield x); if (x === 2) break; }
      return log;
    }`,
  "for-in": `
    export function* main() {
      const o = { a: 1, b: 2, c: 3 };
      const out = [];
      for (const k in o) { out.push(k + (yield k)); if (k === "a") delete o.b; }
      return out;
    }`,
  "expressions: logical, conditional, calls, members, templates": `
    export function* main() {
      const o = { n: 1, f(a, b) { return this.n + a + b; } };
      const a = (yield 1) || (yield 2);
      const b = (yield 3) && (yield 4);
      const c = (yield 5) ? yield 6 : yield 7;
      const d = o.f(yield 8, yield 9);
      const e = \`x\${yield 10}y\${yield 11}\`;
      const arr = [yield 12, ...[1, 2], yield 13];
      const obj = { k: yield 14, [yield 15]: "v" };
      o.n += yield 16;
      return [a, b, c, d, e, arr, obj, o.n];
    }`,
  "destructuring and spread": `
    export function* main() {
      const { a, b: [c, d = 4], ...rest } = { a: 1, b: [3], e: 5, f: 6 };
      const [x, , y = yield "default"] = [10, 20];
      yield [a, c, d, rest, x, y];
      let p, q;
      [p, q] = [yield "p", yield "q"];
      return p + q;
    }`,
  "closures capture per-iteration bindings": `
    export function* main() {
      const fns = [];
      for (let i = 0; i < 3; i++) { fns.push(() => i); yield i; }
      for (const x of ["a", "b"]) { fns.push(() => x); yield x; }
      let shared = 1;
      const inc = () => ++shared;
      inc(); yield shared;
      return fns.map((f) => f()).concat(shared);
    }`,
  "yield* to compiled, native and arrays": `
    function* inner(n) { try { const got = yield n; return got * 2; } finally { yield "inner finally"; } }
    export function* main() {
      const a = yield* inner(1);
      const b = yield* [7, 8];
      const c = yield* inner(a);
      return [a, b, c];
    }`,
  "exceptions cross frames": `
    function* fails() { yield "about to fail"; throw new RangeError("inner failure"); }
    export function* main() {
      try { yield* fails(); } catch (e) { yield "caught " + e.message; }
      yield* fails();
    }`,
  "recursion": `
    function* tree(depth) { if (depth === 0) { yield "leaf"; return 1; } const l = yield* tree(depth - 1); const r = yield* tree(depth - 1); return l + r; }
    export function* main() { return yield* tree(3); }`,
  "this and arguments in methods": `
    class Counter { constructor() { this.n = 10; } *count() { yield this.n; yield arguments.length; const f = () => this.n + arguments[0]; return f(); } }
    export function* main() { return yield* new Counter().count(5, 6); }`,
  "object and static methods, computed keys": `
    const o = { *gen() { yield "object method"; return "o"; } };
    class C { static *s() { yield "static"; return "s"; } *[Symbol.iterator]() { yield "iter"; } }
    export function* main() { const a = yield* o.gen(); const b = yield* C.s(); const c = [...new C()]; return [a, b, c]; }`,
  "generator expressions nested in generators": `
    export function* main() {
      const xs = [];
      for (const k of [1, 2]) {
        const g = function* () { yield k * 10; return k; };
        xs.push(yield* g());
      }
      return xs;
    }`,
  "throw in a finally replaces the completion": `
    export function* main() {
      try { try { yield 1; } finally { throw new Error("from finally"); } } catch (e) { yield e.message; }
      return "end";
    }`,
  "return inside catch through finally": `
    export function* main() {
      try { throw new Error("x"); } catch (e) { yield "in catch"; return "caught"; } finally { yield "finally"; }
    }`,
};

describe("durable compiler: compiled runs as V8 runs", () => {
  for (const [name, body] of Object.entries(programs)) {
    it(name, async () => {
      const { native, compiled, code } = await loadBoth(`"use durable";\n${body}`);
      const nativeMain = native.main as () => Iterator<unknown>;
      const compiledMain = compiled.main as () => Iterator<unknown>;
      const yields = trace(nativeMain, { kind: "next" }).length;
      for (const drive of drives(yields)) {
        const expected = trace(nativeMain, drive);
        const actual = trace(compiledMain, drive);
        assert.deepEqual(actual, expected, `${name}, ${JSON.stringify(drive)}\n--- compiled code ---\n${code}`);
      }
    });
  }
});

describe("durable snapshots: a snapshot and restore after every yield changes nothing", () => {
  // Programs whose state holds something a snapshot cannot save, and why.
  const unsaveable: Record<string, string> = {
    "expressions: logical, conditional, calls, members, templates": "an object literal with a method (`f(a, b) {}`) is not a registered function",
  };
  for (const [name, body] of Object.entries(programs)) {
    it(name, async () => {
      const { native, compiled } = await loadBoth(`"use durable";\n${body}`);
      const nativeMain = native.main as () => Iterator<unknown>;
      const compiledMain = compiled.main as () => Generator<unknown, unknown, unknown>;
      const yields = trace(nativeMain, { kind: "next" }).length;
      let refused = false;
      for (const drive of drives(yields)) {
        const expected = trace(nativeMain, drive);
        let saved = 0;
        const actual = trace(() => resaving(compiledMain(), () => saved++), drive);
        if (name in unsaveable) {
          if (actual.some((line) => line.includes("SnapshotError"))) refused = true;
          continue;
        }
        assert.deepEqual(actual, expected, `${name}, ${JSON.stringify(drive)}`);
      }
      if (name in unsaveable) assert.ok(refused, `expected a SnapshotError: ${unsaveable[name]}`);
    });
  }
});

/**
 * A generator that, after each step of `inner`, snapshots it (through a
 * Coroutine) and goes on with the restored copy.
 */
function resaving(inner: Generator<unknown, unknown, unknown>, onSave: () => void): Iterator<unknown, unknown, unknown> {
  let current = inner;
  const save = (): void => {
    const coroutine = coroutineFromState<unknown, unknown, unknown>({ generator: current, sent: undefined, received: undefined, finished: false, value: undefined });
    current = coroutineState(restoreCoroutine(snapshotCoroutine(coroutine))).generator as Generator<unknown, unknown, unknown>;
    onSave();
  };
  const step = (result: IteratorResult<unknown>): IteratorResult<unknown> => {
    if (!result.done) save();
    return result;
  };
  return {
    next: (value?: unknown) => step(current.next(value)),
    throw: (error?: unknown) => step(current.throw(error)),
    return: (value?: unknown) => step(current.return(value)),
  };
}

describe("compiled frames form one stack", () => {
  it("a 10⁶-deep yield* recursion runs (no native call per level) and unwinds", async () => {
    const { compiled } = await loadBoth(`"use durable";
      export function* down(n) { if (n === 0) { yield "bottom"; return 0; } return 1 + (yield* down(n - 1)); }
      export function* downThrough(n, log) { try { if (n === 0) { yield "bottom"; return 0; } return yield* downThrough(n - 1, log); } finally { if (n % 250000 === 0) log.push(n); } }`);
    const down = compiled.down as (n: number) => Generator<unknown, number>;
    const g = down(1_000_000);
    assert.deepEqual(g.next(), { value: "bottom", done: false });
    assert.deepEqual(g.next(), { value: 1_000_000, done: true });
    const log: number[] = [];
    const h = (compiled.downThrough as (n: number, log: number[]) => Generator<unknown, number>)(1_000_000, log);
    h.next();
    assert.deepEqual(h.return(7), { value: 7, done: true });
    assert.deepEqual(log, [0, 250000, 500000, 750000, 1000000]);
  });
});
