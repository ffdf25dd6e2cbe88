// `npm run test262`: runs test262's generator tests through the durable compiler.
//
// Each test becomes a `"use durable"` module (the directive, its harness files, the
// test), is compiled with src/compiler's compile(), and runs in a fresh worker thread;
// scripts/test262/ holds each step. Tests flagged noStrict/raw and those listed in
// test/durable/test262-excluded.json are counted as excluded, not run.
//
//   --uncompiled        run the wrapped modules without compiling them (checks the runner)
//   --filter <text>     only tests whose path contains <text>
//   --verbose           a line per test, and each failure's stack and output
//   --json <file>       write every result to <file>
//   --jobs <n>          tests at once (default: available parallelism)
//   --timeout <ms>      per test (default 10000)
//   --compiler <file>   the module exporting compile() (default src/compiler/index.ts)
//   --test262 <dir>     the test262 checkout (default $TEST262_DIR or /work/shared/test262)
//   --check-excluded    also run the tests listed as reflective, and name those that
//                       pass anyway (they still count as excluded)
//
// Output ends with the failures (path and first line of the error) and, alone on the
// last line, `N passed, M failed, K excluded`. Exit code: 1 if any failed, 2 if the
// run could not start.

import { existsSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadCorpus, type TestFile } from "./test262/corpus.js";
import { Exclusions } from "./test262/exclusions.js";
import { eachLimited } from "./test262/pool.js";
import { runTest, type Compiler, type Result } from "./test262/run-test.js";
import { SetupError } from "./test262/setup-error.js";
import { Harness } from "./test262/wrap.js";
import { Workspace } from "./test262/workspace.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const EXCLUDED = join(REPO, "test", "durable", "test262-excluded.json");
const CACHE = join(REPO, "node_modules", ".cache", "test262");

async function main(): Promise<number> {
  const { values: args } = parseArgs({
    options: {
      uncompiled: { type: "boolean", default: false },
      filter: { type: "string" },
      verbose: { type: "boolean", default: false },
      json: { type: "string" },
      jobs: { type: "string", default: String(availableParallelism()) },
      timeout: { type: "string", default: "10000" },
      compiler: { type: "string", default: join(REPO, "src", "compiler", "index.ts") },
      test262: { type: "string", default: process.env.TEST262_DIR ?? "/work/shared/test262" },
      "check-excluded": { type: "boolean", default: false },
    },
  });
  const jobs = positiveInteger("--jobs", args.jobs);
  const timeoutMs = positiveInteger("--timeout", args.timeout);
  const compiling = !args.uncompiled;
  const mode = compiling ? "compiled" : "uncompiled";
  const root = resolve(args.test262);
  const filter = args.filter;

  const corpus = loadCorpus(root);
  const exclusions = Exclusions.load(EXCLUDED);
  for (const path of exclusions.stale(corpus)) console.error(`warning: ${EXCLUDED} lists ${path}, which is not in the corpus`);

  // Excluded tests are counted and, with --check-excluded, reflective ones still run.
  const results: Result[] = [];
  const toRun: TestFile[] = [];
  for (const test of filter === undefined ? corpus : corpus.filter((t) => t.path.includes(filter))) {
    const reason = exclusions.reasonFor(test, compiling);
    if (reason !== undefined) results.push({ path: test.path, status: "excluded", summary: reason, detail: "", ms: 0 });
    if (reason === undefined || (args["check-excluded"] && compiling && exclusions.isReflective(test))) toRun.push(test);
  }

  const compiler = compiling ? await loadCompiler(resolve(args.compiler)) : undefined;
  const workspace = new Workspace(CACHE, mode, compiling ? REPO : undefined);
  const context = { harness: new Harness(join(root, "harness")), workspace, compiler, root, timeoutMs };

  const started = performance.now();
  const progressEvery = Math.max(100, Math.ceil(toRun.length / 5));
  const passingExcluded: string[] = [];
  let finished = 0;
  await eachLimited(toRun.length, jobs, async (index) => {
    const test = toRun[index];
    const result = await runTest(test, context);
    if (exclusions.reasonFor(test, compiling) === undefined) results.push(result);
    else if (result.status === "pass") passingExcluded.push(test.path);
    if (args.verbose) console.log(`${result.status.toUpperCase()} ${result.path}${result.summary && ` — ${result.summary}`}`);
    else if (++finished % progressEvery === 0) console.error(`${finished}/${toRun.length}…`);
  });
  workspace.finish();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const count = (status: Result["status"]) => results.filter((r) => r.status === status).length;
  const failures = results.filter((r) => r.status === "fail");

  if (args.json !== undefined) {
    const summary = { passed: count("pass"), failed: count("fail"), excluded: count("excluded") };
    writeFileSync(args.json, JSON.stringify({ mode, summary, passingExcluded, results }, null, 2) + "\n");
  }
  if (passingExcluded.length > 0) {
    console.log(`\nListed as reflective in ${EXCLUDED}, but passed (remove them from the list):`);
    for (const path of passingExcluded.sort()) console.log(path);
  }
  if (failures.length > 0) {
    console.log(`\nFailures (${mode}, ${seconds} s):`);
    for (const failure of failures) {
      console.log(`${failure.path}: ${failure.summary}`);
      if (args.verbose && failure.detail) console.log(indent(failure.detail));
    }
  }
  console.log(`${count("pass")} passed, ${count("fail")} failed, ${count("excluded")} excluded`);
  return failures.length > 0 ? 1 : 0;
}

async function loadCompiler(file: string): Promise<Compiler> {
  if (!existsSync(file)) throw new SetupError(`${file} does not exist (yet); --uncompiled checks the runner without a compiler`);
  const module = (await import(pathToFileURL(file).href)) as Partial<Compiler>;
  if (typeof module.compile !== "function") throw new SetupError(`${file} exports no compile() function`);
  return module as Compiler;
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new SetupError(`${name} expects a positive integer, got ${text}`);
  return value;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

try {
  process.exitCode = await main();
} catch (error) {
  // parseArgs reports bad usage with its own error codes.
  const known = error instanceof SetupError || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"));
  console.error(known ? `test262: ${(error as Error).message}` : error);
  process.exitCode = 2;
}
