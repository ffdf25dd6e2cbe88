/**
 * `strand/plugin`: the durable compiler as a bundler plugin. esbuild (here as
 * tsx's dependency) bundles the fixture tree (test/durable/fixtures/tree/) for
 * real and the bundle runs. Rollup and Vite are not installed: their adapters'
 * transform hooks are called directly, as the bundlers would call them.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { compile } from "../../src/compiler/index.js";
import { strandDurable } from "../../src/compiler/plugin.js";
import { fixtures } from "./fixtures/installed.js";

const tree = join(fixtures, "tree");
const steps = join(tree, "durable", "steps.ts");
const stepsHash = compile(readFileSync(steps, "utf8"), { filename: steps, root: tree }).functions[0]!.hash;

/** Points the compiled code's `strand/durable` at the run time's source (the package's own dist/ may be stale). */
const runtimeFromSource: Plugin = {
  name: "strand-durable-from-source",
  setup(esbuild) {
    const runtime = fileURLToPath(new URL("../../src/durable/index.ts", import.meta.url));
    esbuild.onResolve({ filter: /^strand\/durable$/ }, () => ({ path: runtime }));
  },
};

describe("esbuild: strandDurable.esbuild()", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(os.tmpdir(), "strand-plugin-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("bundles durable modules compiled (the rest left to esbuild), and the bundle runs", async () => {
    const outfile = join(dir, "bundle.mjs");
    const result = await build({
      entryPoints: [join(tree, "main.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile,
      sourcemap: "external",
      write: false,
      logLevel: "silent",
      plugins: [strandDurable.esbuild({ root: tree }), runtimeFromSource],
    });
    for (const file of result.outputFiles) writeFileSync(file.path, file.contents);
    const bundle = readFileSync(outfile, "utf8");
    assert.match(bundle, new RegExp(`"durable/steps\\.ts#steps", "${stepsHash}"`), "the id and hash compile() gives");
    assert.match(bundle, /"counter\.mts#countdown"/);

    const run = spawnSync(process.execPath, [outfile], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { durable: true, countdown: [3, 2, 1], formatted: "total=60,last=30", legacy: "legacy" });
  });

  test("the bundle's source map leads back to the TypeScript as written", () => {
    const map = JSON.parse(readFileSync(join(dir, "bundle.mjs.map"), "utf8")) as { sources: string[]; sourcesContent: string[] };
    const index = map.sources.findIndex((source) => source.endsWith("durable/steps.ts"));
    assert.notEqual(index, -1, map.sources.join(", "));
    assert.equal(map.sourcesContent[index], readFileSync(steps, "utf8"));
  });

  test("a module that does not compile fails the build with file:line:column", async () => {
    const bad = join(dir, "bad.ts");
    writeFileSync(bad, '"use durable";\nexport function* g(code: string) {\n  yield eval(code);\n}\n');
    await assert.rejects(
      build({ entryPoints: [bad], bundle: true, write: false, logLevel: "silent", plugins: [strandDurable.esbuild(), runtimeFromSource] }),
      (error: Error) => /bad\.ts:3:9: direct eval inside a generator is not supported/.test(error.message),
    );
  });
});

describe("Rollup and Vite: the transform hook of their adapters", () => {
  type Handler = (this: unknown, code: string, id: string) => { code: string; map: { sources: string[] } | null } | null | undefined;
  const handlerOf = (plugin: { transform?: unknown }): Handler => {
    const hook = plugin.transform as Handler | { handler: Handler };
    return typeof hook === "function" ? hook : hook.handler;
  };
  // A Rollup older than 4.40 (no native filters): the adapter applies the filter itself.
  const context = { meta: {} };
  const source = readFileSync(steps, "utf8");

  for (const [name, plugin] of [
    ["rollup", strandDurable.rollup({ root: tree })],
    ["vite", strandDurable.vite({ root: tree })],
  ] as const) {
    test(`${name}: compiles a module with the directive and returns its source map`, () => {
      assert.equal(plugin.name, "strand-durable");
      const result = handlerOf(plugin).call(context, source, steps);
      assert.ok(result);
      assert.match(result.code, /^import \{ compiled as \w+ \} from "strand\/durable";$/m);
      assert.match(result.code, new RegExp(`"durable/steps\\.ts#steps", "${stepsHash}"`));
      assert.deepEqual(result.map?.sources, ["steps.ts"]);
    });

    test(`${name}: leaves every other module alone`, () => {
      const transform = handlerOf(plugin);
      const format = join(tree, "util", "format.ts");
      assert.equal(transform.call(context, readFileSync(format, "utf8"), format) ?? null, null, "no directive");
      assert.equal(transform.call(context, 'f();\n"use durable";\n', join(tree, "late.ts")) ?? null, null, "directive not first");
      assert.equal(transform.call(context, source, `\0virtual:${steps}`) ?? null, null, "a virtual module");
      assert.equal(transform.call(context, source, join(tree, "styles.css")) ?? null, null, "not a script");
    });

    test(`${name}: takes the module's file from an id with a query`, () => {
      const result = handlerOf(plugin).call(context, source, `${steps}?v=123`);
      assert.match(result?.code ?? "", /"durable\/steps\.ts#steps"/);
    });
  }

  test("vite: runs before Vite's own TypeScript transform (enforce: pre)", () => {
    assert.equal(strandDurable.vite().enforce, "pre");
  });
});
