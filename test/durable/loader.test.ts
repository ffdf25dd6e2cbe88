/**
 * `strand/register`: `node --import strand/register app.ts` runs TypeScript with
 * its types stripped and "use durable" modules compiled. Each test runs a fixture
 * (test/durable/fixtures/loader/) with a plain `node` in a project where the
 * package is installed (fixtures/installed.ts), so the entry and the compiled
 * code's `strand/durable` resolve as they do for users.
 *
 * Node 20 has only `module.register` (hooks in a loader thread), which is what
 * runs here; the `module.registerHooks` path (Node ≥ 22.15) is the same hooks
 * driven synchronously, tested by calling them with synchronous `next*` functions.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { LoadFnOutput, ResolveFnOutput } from "node:module";
import { compile } from "../../src/compiler/index.js";
import { load, mayBeDurable, resolve } from "../../src/compiler/hooks.js";
import { fixtures, installedProject, tsxCli, tsxLoader, type Project } from "./fixtures/installed.js";

interface Observed {
  id: string;
  hash: string;
  values: number[];
  labelled: { kind: string; values: number[] };
  at: string;
  js: { id: string; values: string[] };
  stripper: "strand" | "other";
}

const REGISTER = ["--import", "strand/register"];

describe("strand/register", () => {
  let project: Project;
  let counterHash: string;

  before(() => {
    project = installedProject();
    project.copy("loader", "app");
    const counter = join(project.dir, "app", "counter.ts");
    const compiled = compile(readFileSync(counter, "utf8"), { filename: counter, root: project.dir });
    counterHash = compiled.functions.find((f) => f.id === "app/counter.ts#count")!.hash;
  });
  after(() => project.remove());

  const run = (args: readonly string[]): Observed => {
    const result = project.node(args);
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as Observed;
  };

  let alone: Observed | undefined;
  const runAlone = (): Observed => (alone ??= run([...REGISTER, "app/main.ts"]));

  test("runs a durable module compiled and other TypeScript with its types stripped", () => {
    const observed = runAlone();
    // Function ids are relative to the package root (the nearest package.json).
    assert.equal(observed.id, "app/counter.ts#count");
    assert.equal(observed.hash, counterHash, "the hash compile() gives");
    assert.deepEqual(observed.values, [0, 1, 2]);
    assert.deepEqual(observed.labelled, { kind: "counted", values: [0, 1, 2] });
    assert.deepEqual(observed.js, { id: "app/js-counter.mjs#twice", values: ["x", "x"] });
    assert.equal(observed.stripper, "strand");
  });

  test("stack traces name the original line (inline source maps, enabled by the entry)", () => {
    const observed = runAlone();
    const line = readFileSync(join(fixtures, "loader", "counter.ts"), "utf8").split("\n").findIndex((l) => l.includes("throw new Error")) + 1;
    assert.equal(observed.at, `counter.ts:${line}:9`);
  });

  test("a module that does not compile fails the import with file:line:column and no compiler frames", () => {
    const result = project.node([...REGISTER, "app/bad.ts"]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /CompileError\]?: \S*bad\.ts:4:9: direct eval inside a generator is not supported in a durable module/);
    assert.match(result.stderr, /at \S*bad\.ts:4:9/);
    assert.doesNotMatch(result.stderr, /@babel/);
  });

  test("a durable module that Node reads as CommonJS is refused with what to do", () => {
    mkdirSync(join(project.dir, "cjs"), { recursive: true });
    writeFileSync(join(project.dir, "cjs", "package.json"), JSON.stringify({ name: "cjs" }));
    writeFileSync(join(project.dir, "cjs", "durable.ts"), '"use durable";\nexport function* g(): Generator<number> { yield 1; }\n');
    const result = project.node([...REGISTER, "cjs/durable.ts"]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /durable\.ts:1:1: a durable module must be an ES module: name it \.mts \(or \.mjs\), or set "type": "module"/);
  });

  test("under node_modules only modules with the directive are changed", () => {
    const packageAt = (name: string, files: Record<string, string>): void => {
      const dir = join(project.dir, "node_modules", name);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    };
    packageAt("durable-dep", {
      "package.json": JSON.stringify({ name: "durable-dep", type: "module", exports: "./index.js" }),
      "index.js": '"use durable";\nexport function* gen() { yield 1; }\n',
    });
    packageAt("typed-dep", {
      "package.json": JSON.stringify({ name: "typed-dep", type: "module", exports: "./index.ts" }),
      "index.ts": "export const n: number = 1;\n",
    });
    writeFileSync(
      join(project.dir, "deps.mjs"),
      [
        'import { gen } from "durable-dep";',
        'const frame = gen()[Symbol.for("strand.durable.frame")];',
        "let typed = \"loaded\";",
        'try { await import("typed-dep"); } catch (error) { typed = error.code; }',
        "console.log(JSON.stringify({ id: frame?.info.id, typed }));",
      ].join("\n"),
    );
    const observed = JSON.parse(project.node([...REGISTER, "deps.mjs"]).stdout) as { id: string; typed: string };
    // The dependency's ids are relative to its own package root.
    assert.equal(observed.id, "index.js#gen");
    // TypeScript under node_modules is left to Node, which refuses it (as it does without the hooks).
    assert.match(observed.typed, /^(ERR_UNKNOWN_FILE_EXTENSION|ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING)$/);
  });

  describe("with tsx", () => {
    // Hooks registered last run first: after tsx, these hooks see each module
    // first, compile the durable ones and pass every other one on to tsx.
    test("node --import tsx --import strand/register: durable modules compiled here, the rest loaded by tsx", () => {
      const observed = run(["--import", tsxLoader, ...REGISTER, "app/main.ts"]);
      assert.equal(observed.id, "app/counter.ts#count");
      assert.equal(observed.hash, counterHash, "compiled from the file as written, not from tsx's output");
      assert.equal(observed.js.id, "app/js-counter.mjs#twice");
      assert.deepEqual(observed.labelled, { kind: "counted", values: [0, 1, 2] });
      assert.equal(observed.stripper, "other", "tsx (esbuild) stripped the module without the directive");
      assert.match(observed.at, /^counter\.ts:\d+:9$/);
    });

    test("tsx --import strand/register: the same order", () => {
      const observed = run([tsxCli, ...REGISTER, "app/main.ts"]);
      assert.equal(observed.hash, counterHash);
      assert.equal(observed.stripper, "other");
    });

    test("node --import strand/register --import tsx also runs, but tsx then transforms every module again", () => {
      const observed = run([...REGISTER, "--import", tsxLoader, "app/main.ts"]);
      assert.equal(observed.id, "app/counter.ts#count");
      assert.equal(observed.hash, counterHash);
      assert.deepEqual(observed.values, [0, 1, 2]);
    });
  });
});

describe("the hooks, driven synchronously (module.registerHooks, Node ≥ 22.15)", () => {
  const url = (file: string): string => pathToFileURL(join(fixtures, "loader", file)).href;
  // Node's default resolve and load, as registerHooks hands them to its hooks: synchronous.
  const nextResolve = (specifier: string, context?: { parentURL?: string }): ResolveFnOutput => {
    const resolved = new URL(specifier, context?.parentURL);
    try {
      readFileSync(resolved);
    } catch {
      throw Object.assign(new Error(`Cannot find module ${resolved.href}`), { code: "ERR_MODULE_NOT_FOUND" });
    }
    return { url: resolved.href, format: null };
  };
  const nextLoad = (href: string, context?: { format?: string | null }): LoadFnOutput => ({
    format: context?.format ?? null,
    source: readFileSync(new URL(href)),
  });
  const context = { conditions: ["node", "import"], importAttributes: {}, importAssertions: {}, parentURL: url("main.ts") };
  const loadContext = { conditions: ["node", "import"], importAttributes: {}, importAssertions: {}, format: null };

  test("resolve tries the TypeScript file a .js or extensionless specifier stands for, without a promise", () => {
    for (const specifier of ["./counter.js", "./counter"]) {
      const resolved = resolve(specifier, context, nextResolve);
      assert.ok(!(resolved instanceof Promise), specifier);
      assert.equal((resolved as ResolveFnOutput).url, url("counter.ts"), specifier);
    }
    assert.throws(() => resolve("./missing.js", context, nextResolve), { code: "ERR_MODULE_NOT_FOUND", message: /missing\.js/ });
  });

  test("load compiles a durable module and strips the types of another, without a promise", () => {
    const durable = load(url("counter.ts"), loadContext, nextLoad) as LoadFnOutput;
    assert.ok(!(durable instanceof Promise));
    assert.equal(durable.format, "module");
    assert.equal(durable.shortCircuit, true);
    assert.match(String(durable.source), /from "strand\/durable"/);
    assert.match(String(durable.source), /\/\/# sourceMappingURL=data:application\/json/);

    const plain = load(url("label.ts"), loadContext, nextLoad) as LoadFnOutput;
    assert.ok(!(plain instanceof Promise));
    assert.equal(plain.format, "module");
    assert.doesNotMatch(String(plain.source), /interface|readonly|strand\/durable/);
  });
});

describe("the cheap check for the directive", () => {
  const cases: [string, boolean][] = [
    ['"use durable";', true],
    ["'use durable'", true],
    ['\uFEFF#!/usr/bin/env node\n// comment\n/* block\n comment */\n  "use durable";', true],
    ['"use strict";\n"use durable";', false], // only the first statement counts
    ['import x from "y";\n"use durable";', false],
    ['// "use durable"\nexport {};', false],
    ['"use durable!";', false],
    ['/* a */ f(); /* b */ "use durable";', false],
  ];
  for (const [source, expected] of cases) {
    test(`${JSON.stringify(source)} → ${expected}`, () => assert.equal(mayBeDurable(source), expected));
  }

  test("stays linear on a long prefix that never reaches a statement", () => {
    for (const source of [`${" ".repeat(200_000)}/*${" ".repeat(200_000)}`, `${"/* */".repeat(50_000)}// ${"*/".repeat(50_000)}`]) {
      assert.equal(mayBeDurable(source), false);
    }
  });
});
