/**
 * Workload 2, depth: the cost of one resume when the suspended operation sits
 * `depth` calls deep. Each case builds the chain of nested operations once, then
 * the innermost one suspends and resumes `n` times; only that loop is timed.
 *
 * - Strand `fn`: operations written the recommended way; the run loop
 *   trampolines their calls, so a resume should cost the same at any depth.
 * - Strand `yield*`: plain generator functions; V8 delegates every resume
 *   through each level, and near 10,000 levels the native stack overflows.
 * - raw V8: nested generators, resumed with `gen.next()` by a loop.
 * - Effection: nested generator functions (V8 delegation), resumed by `action`.
 * - Effect: nested `Effect.gen`, each resumed by the fiber's own (heap) stack.
 *
 * A stack overflow is reported as "overflow", not as a failure of the suite.
 */
import { check, type Case, type Sizes } from "../lib/case.js";
import type { Operation } from "../../src/index.js";
import { strand } from "../lib/strand.js";

const DEPTHS = [1, 10, 100, 1_000, 10_000];

function group(depth: number): string {
  return `depth ${depth.toLocaleString("en-US")} · resume`;
}

/** Resumes per iteration for systems whose resume cost grows with depth. */
function delegated(depth: number, base: number): Sizes {
  const full = depth <= 10 ? base : depth <= 100 ? base / 5 : depth <= 1_000 ? base / 50 : base / 500;
  return { full, quick: Math.max(500, Math.round(full / 5)) };
}

const elapsed = (start: bigint): number => Number(process.hrtime.bigint() - start);

/** `--quick` keeps depths 1 and 10,000. */
const fullOnly = (depth: number): boolean => depth !== 1 && depth !== 10_000;

export const cases: Case[] = DEPTHS.flatMap((depth): Case[] =>
  ([
  {
    id: `depth/strand/fn/${depth}`,
    group: group(depth),
    system: "strand",
    ref: 1,
    variant: "fn(function*) calls (trampolined), leaf yieldNow()",
    unit: "resume",
    n: { full: 300_000, quick: 100_000 },
    async load() {
      const { run, fn, yieldNow } = await strand();
      const nest = fn(function* (level: number, resumes: number): Operation<number> {
        if (level > 1) return yield* nest(level - 1, resumes);
        const start = process.hrtime.bigint();
        for (let i = 0; i < resumes; i++) yield* yieldNow();
        return elapsed(start);
      });
      return {
        selfTimed: true,
        async run(n) {
          return { ns: await run(() => nest(depth, n)) };
        },
      };
    },
  },
  {
    id: `depth/strand/yield-star/${depth}`,
    group: group(depth),
    system: "strand",
    variant: "plain function* with yield*, leaf yieldNow()",
    unit: "resume",
    n: delegated(depth, 300_000),
    async load() {
      const { run, yieldNow } = await strand();
      function* nest(level: number, resumes: number): Operation<number> {
        if (level > 1) return yield* nest(level - 1, resumes);
        const start = process.hrtime.bigint();
        for (let i = 0; i < resumes; i++) yield* yieldNow();
        return elapsed(start);
      }
      return {
        selfTimed: true,
        async run(n) {
          return { ns: await run(() => nest(depth, n)) };
        },
      };
    },
  },
  {
    id: `depth/raw/yield-star/${depth}`,
    group: group(depth),
    system: "raw",
    variant: "nested generators with yield*, gen.next() loop",
    unit: "resume",
    n: delegated(depth, 300_000),
    async load() {
      function* nest(level: number, resumes: number): Generator<number, void, undefined> {
        if (level > 1) return yield* nest(level - 1, resumes);
        for (let i = 0; i < resumes; i++) yield i;
      }
      return {
        selfTimed: true,
        run(n) {
          const chain = nest(depth, n);
          let result = chain.next(); // enters every level, up to the first yield
          let resumes = 0;
          const start = process.hrtime.bigint();
          while (result.done !== true) {
            result = chain.next();
            resumes++;
          }
          const ns = elapsed(start);
          check("resumes", resumes, n);
          return { ns };
        },
      };
    },
  },
  {
    id: `depth/effection/yield-star/${depth}`,
    group: group(depth),
    system: "effection",
    variant: "nested function* with yield*, leaf action()",
    unit: "resume",
    n: delegated(depth, 50_000),
    async load() {
      const { run, action } = await import("effection");
      type Op<T> = import("effection").Operation<T>;
      function* nest(level: number, resumes: number): Op<number> {
        if (level > 1) return yield* nest(level - 1, resumes);
        const start = process.hrtime.bigint();
        for (let i = 0; i < resumes; i++) {
          yield* action<void>((resolve) => {
            resolve();
            return () => {};
          });
        }
        return elapsed(start);
      }
      return {
        selfTimed: true,
        async run(n) {
          return { ns: await run(() => nest(depth, n)) };
        },
      };
    },
  },
  {
    id: `depth/effect/gen/${depth}`,
    group: group(depth),
    system: "effect",
    variant: "nested Effect.gen, leaf Effect.yieldNow",
    unit: "resume",
    n: { full: 10_000, quick: 3_000 },
    async load() {
      const { Effect } = await import("effect");
      const nest = (level: number, resumes: number): import("effect").Effect.Effect<number> =>
        Effect.gen(function* () {
          if (level > 1) return yield* nest(level - 1, resumes);
          const start = process.hrtime.bigint();
          for (let i = 0; i < resumes; i++) yield* Effect.yieldNow;
          return elapsed(start);
        });
      return {
        selfTimed: true,
        async run(n) {
          return { ns: await Effect.runPromise(nest(depth, n)) };
        },
      };
    },
  },
] satisfies Case[]).map((c): Case => ({ ...c, full: fullOnly(depth) })),
);
