// One test from source to verdict: wrap, compile (unless uncompiled), write, run, judge.
//
// Verdicts, following test262's INTERPRETING.md with the compiler as the parser:
//   negative, phase parse     compiled: compile() must throw a SyntaxError (CompileError
//                             is one); it passes without running anything.
//                             uncompiled: import() must reject with the SyntaxError.
//   negative, resolution/runtime   running must throw an error of the named type.
//   positive                  compile() must succeed and report the module durable; the
//                             module must evaluate (async: call $DONE()) without throwing
//                             and leave no rejected promise unhandled.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TestFile } from "./corpus.js";
import { firstLine, runModule, type ErrorInfo, type Outcome } from "./pool.js";
import type { Harness } from "./wrap.js";
import type { Workspace } from "./workspace.js";

/** The part of src/compiler/index.ts the runner uses. */
export interface Compiler {
  compile(
    source: string,
    options: { filename: string; root?: string; sourceMaps?: boolean },
  ): { code: string; durable: boolean };
}

export type Status = "pass" | "fail" | "excluded";

export interface Result {
  readonly path: string;
  readonly status: Status;
  /** One line: why it failed or was excluded; empty for a pass. */
  readonly summary: string;
  /** Everything known about a failure: stack, printed output, where the module is. */
  readonly detail: string;
  readonly ms: number;
}

export interface RunContext {
  readonly harness: Harness;
  readonly workspace: Workspace;
  /** Absent in --uncompiled mode: the wrapped module runs as written. */
  readonly compiler: Compiler | undefined;
  /** The test262 directory, for the compiler's function ids. */
  readonly root: string;
  readonly timeoutMs: number;
}

export async function runTest(test: TestFile, context: RunContext): Promise<Result> {
  const started = performance.now();
  const done = (status: Status, summary = "", detail = ""): Result => ({
    path: test.path,
    status,
    summary,
    detail,
    ms: performance.now() - started,
  });
  const negative = test.meta.negative;
  const wrapped = context.harness.wrap(test);

  let code = wrapped;
  if (context.compiler) {
    let output;
    try {
      output = context.compiler.compile(wrapped, { filename: test.absolutePath, root: context.root });
    } catch (error) {
      const thrown = `${errorName(error)}: ${firstLine(errorMessage(error))}`;
      if (negative?.phase === "parse") {
        return error instanceof SyntaxError
          ? done("pass")
          : done("fail", `compile() crashed with ${thrown} instead of rejecting the program`, errorStack(error));
      }
      return done("fail", `compile() threw ${thrown}`, errorStack(error));
    }
    if (negative?.phase === "parse") {
      return done("fail", `compile() accepted it; expected it to reject it (${negative.type} at parse)`);
    }
    if (!output.durable) return done("fail", 'compile() returned durable: false for a module that starts with "use durable"');
    code = output.code;
  }

  const url = context.workspace.writeModule(test.path, code, test.meta.flags.has("module") ? fixturesOf(test) : []);
  const run = await runModule(url, test.meta.flags.has("async"), { hostUrl: context.workspace.hostUrl, timeoutMs: context.timeoutMs });
  const where = `module: ${context.workspace.finalPath(test.path)}`;
  const detail = (extra: string) =>
    context.workspace.finalText([extra, run.output && `output:\n${run.output}`, where].filter(Boolean).join("\n"));

  if (negative) {
    const { outcome } = run;
    if (outcome.kind === "threw" && outcome.error.name === negative.type) return done("pass");
    const stack = outcome.kind === "threw" ? outcome.error.stack : "";
    return done("fail", `expected ${negative.type} (${negative.phase}), but ${describeOutcome(outcome)}`, detail(stack));
  }
  if (run.outcome.kind !== "evaluated") {
    const stack = run.outcome.kind === "threw" ? run.outcome.error.stack : "";
    return done("fail", describeOutcome(run.outcome), detail(stack));
  }
  if (run.unhandled.length > 0) {
    const [first] = run.unhandled;
    return done("fail", `unhandled rejection: ${describeError(first)}`, detail(run.unhandled.map((e) => e.stack).join("\n")));
  }
  return done("pass");
}

function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case "evaluated":
      return "it ran to completion";
    case "threw":
      return `threw ${describeError(outcome.error)}`;
    case "async-fail":
      return `$DONE(error): ${firstLine(outcome.message)}`;
    case "crashed":
      return `crashed: ${outcome.message}`;
    case "timeout":
      return `timed out after ${outcome.ms} ms`;
  }
}

function describeError(error: ErrorInfo): string {
  return firstLine(error.message ? `${error.name}: ${error.message}` : error.name);
}

/** The `_FIXTURE.js` files beside a module test, which it may import. */
function fixturesOf(test: TestFile): { name: string; source: string }[] {
  const dir = dirname(test.absolutePath);
  return readdirSync(dir)
    .filter((name) => name.endsWith("_FIXTURE.js"))
    .map((name) => ({ name, source: readFileSync(join(dir, name), "utf8") }));
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorStack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
