/**
 * The durable compiler against V8 on random programs (property-based): each
 * program from the grammar in program-gen.ts runs natively and compiled, and
 * every way of driving it — next with values, throw() at each step, return()
 * at each step — must give the same trace of yields, returns and throws.
 *
 * One program per module: compiling costs far more than loading, and grows
 * faster than linearly with the module's size (each nested generator body is
 * hoisted with a walk of the whole module), so batching programs into one
 * module does not pay. On a failure fast-check shrinks the program; the message
 * shows its source, the compiled code and both traces.
 *
 * Fixed seed; override with STRAND_SEED=n and the number of programs with
 * STRAND_RUNS=n. STRAND_STRESS=1 runs many more, deeper ones too. STRAND_FUZZ_KNOWN=1 also
 * generates the constructs of the open bugs below.
 */
import { coroutineFromState, coroutineState } from "../../src/coroutine.js";
import { restoreCoroutine, snapshotCoroutine } from "../../src/durable/index.js";
import { describe, it } from "node:test";
import fc from "fast-check";
import { loadBoth, trace, drives, type Drive, type TraceHooks } from "./differential.js";
import { program, programs, renderModule, renderProgram, type KnownBug, type Program } from "./program-gen.js";

const seed = process.env.STRAND_SEED !== undefined ? Number(process.env.STRAND_SEED) : 20_250_611;
const stress = process.env.STRAND_STRESS === "1";
const numRuns = Number(process.env.STRAND_RUNS ?? (stress ? 3000 : 150));

/**
 * Open compiler bugs the fuzzer found; until fixed, the grammar renders each
 * such construct as a nearby one (see program-gen.ts). Minimal programs:
 * - catch-pattern: `try { yield 1; throw new Error("x"); } catch ({ message }) { return message; }`
 *   — ReferenceError: the pattern assigns to a global `message`, not to the locals
 *   (whether or not the try statement yields).
 * - catch-env: when the try statement yields, anything the compiler puts at the top
 *   of a handler before the copy of its parameter hides that copy from the explode
 *   pass — ReferenceError ($caught0 / e is not defined). Either a function declaration
 *   in the handler (`catch (e) { function f() {} return e.message; }`) or a block
 *   environment (a binding of the handler's top level captured by a closure in a loop).
 * - pattern-member-yield: `[o[yield 1]] = [5];` — the compiled module does not parse
 *   (a raw `yield` left in the body function).
 * - head-pattern-yield: `for (const [a, b = yield a] of xs)` (and for-in) — the same.
 * - sequence-effect: a comma expression whose value is unused (a statement, a for
 *   update) and that yields evaluates its last operand twice:
 *   `0, log.push(yield 1);` pushes twice; `for (...; ...; log.push(yield i), i++)` steps by 2.
 * - object-key-order: in an object literal that yields, a computed key after the
 *   last yield is evaluated before the values between the yield and it:
 *   `let b = "s"; return { p: yield 1, q: b, [(b = 0)]: 1 };` gives q: 0, not "s".
 * - pattern-target-order: in a destructuring assignment whose default yields, a
 *   member target's key is evaluated after the default instead of before it:
 *   `[o[(log.push("target"), "k")] = (log.push("default"), yield 1)] = [];`
 *   logs default, target (V8: target, default); a throw() at the yield skips the key.
 * - catch-param-local (since eda4e6c, bindings that stay the body function's own):
 *   when the try block yields and the handler does not, the handler's parameter
 *   stays a plain variable but only its first statement reads it from the value
 *   resumed with — `try { yield 1; } catch (e) { 0; return e.message; }`:
 *   throw() at the yield gives ReferenceError: e is not defined.
 * - finally-abrupt: a try statement left as it is (it does not yield) inside a region
 *   a finally guards in the compiled code (a yielding try/catch block with a finally,
 *   or a yielding for-of): when its try block leaves (return, break, continue) and
 *   then its own finally leaves too, the outer finally is skipped or the exception
 *   goes to the wrong handler. `try { try { return 1; } finally { return 2; } }
 *   finally { yield "cleanup"; }` returns 2 without yielding "cleanup"; with
 *   `finally { throw new Error("x"); }` inside and a catch outside, the error escapes;
 *   in a for-of over a generator, the iterator is not closed.
 */
// Constructs that hit a known compiler bug, left out of the default run until it is
// fixed (each listed with its repro when found). The nine this fuzzer found first are fixed.
const KNOWN_BUGS: readonly KnownBug[] = [];
const avoid: ReadonlySet<KnownBug> = new Set(process.env.STRAND_FUZZ_KNOWN === "1" ? [] : KNOWN_BUGS);

type Make = () => Iterator<unknown, unknown, unknown>;

/** The first drive under which the compiled run differs from the native one, or null when none does. */
function difference(native: Make, compiled: Make, hooks: TraceHooks): { drive: Drive; expected: string[]; actual: string[] } | null {
  const yields = trace(native, { kind: "next" }).length;
  for (const drive of drives(yields)) {
    const expected = trace(native, drive);
    const actual = trace(compiled, drive, undefined, hooks);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) return { drive, expected, actual };
  }
  return null;
}

/** Programs that print as their source in fast-check's report. */
const printed: fc.Arbitrary<Program> = (stress ? fc.oneof(program, programs(4, 6)) : program).map((p) => ({ ...p, [fc.toStringMethod]: () => renderProgram(p, 0, avoid) }));

/**
 * The property: compiled runs as V8 runs. `hooks` apply to the compiled side
 * only (e.g. a snapshot and restore at every yield, which must change nothing).
 */
function compiledMatchesNative(hooks: TraceHooks = {}): fc.IAsyncPropertyWithHooks<[Program]> {
  return fc.asyncProperty(printed, async (p) => {
    // Throws a CompileError for a construct the grammar should not generate.
    const { native, compiled, code } = await loadBoth(renderModule([p], avoid));
    const found = difference(native.main0 as Make, compiled.main0 as Make, hooks);
    if (found === null) return;
    throw new Error(
      [
        `compiled differs from native under ${JSON.stringify(found.drive)}`,
        `native:   ${JSON.stringify(found.expected)}`,
        `compiled: ${JSON.stringify(found.actual)}`,
        "--- compiled code ---",
        code,
      ].join("\n"),
    );
  });
}

/** Snapshots the generator (through a Coroutine) and goes on with the restored copy. */
function resave(generator: Iterator<unknown, unknown, unknown>): Iterator<unknown, unknown, unknown> {
  const coroutine = coroutineFromState<unknown, unknown, unknown>({ generator: generator as Generator, sent: undefined, received: undefined, finished: false, value: undefined });
  return coroutineState(restoreCoroutine(snapshotCoroutine(coroutine))).generator;
}

describe("durable compiler: random programs run compiled as they run natively", () => {
  it(`every drive gives the same trace (fast-check seed ${seed}, ${numRuns} programs)`, async () => {
    await fc.assert(compiledMatchesNative(), { seed, numRuns, includeErrorInReport: true });
  });

  it(`a snapshot and restore at every yield changes nothing (fast-check seed ${seed}, ${numRuns} programs)`, async () => {
    await fc.assert(compiledMatchesNative({ afterEachYield: resave }), { seed, numRuns, includeErrorInReport: true });
  });
});
