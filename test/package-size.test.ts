// What a browser or edge bundle pays for Strand: a program that imports run,
// spawn, sleep, channel and select, bundled with esbuild (minified, gzipped), and
// every portable subpath bundled for the browser (which also proves it imports no
// Node built-in). The bundles are built from src/: the build (tsc) emits each
// module one to one, and package.json's "sideEffects" covers src/ as it does dist/.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * The budget for run, spawn, sleep, channel and select, in bytes of Strand
 * (min+gzip). The goal is 8 KB (8192); this is the size last measured, rounded
 * up to 256, as a ratchet: lower it as the core gets smaller, never raise it
 * without saying why. What holds it up: see README "Bundle size". Raised
 * once, from 14,336 to 14,592: the samples that keep the hot classes' hidden
 * classes alive (core/keep.ts, about 300 bytes) halve the time of a run that
 * follows a full GC. Lowered to 14,080 when a channel's `each` stopped
 * pulling in `call()` and `action()`, `select` the timeout clause, and the
 * core debug mode's site capture.
 */
const BUDGET = 14_080;

async function bundle(contents: string): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: "entry.ts", loader: "ts" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    metafile: true,
    logLevel: "silent",
  });
  return { code: result.outputFiles[0]!.text, metafile: result.metafile };
}

/** The biggest inputs of a bundle, for the failure message. */
function heaviest(metafile: Metafile, count = 12): string {
  const output = Object.values(metafile.outputs)[0]!;
  return Object.entries(output.inputs)
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
    .slice(0, count)
    .map(([file, { bytesInOutput }]) => `  ${String(bytesInOutput).padStart(6)} B  ${file}`)
    .join("\n");
}

const gzipped = (code: string) => gzipSync(code, { level: 9 }).length;

describe("bundle size", () => {
  test(`run, spawn, sleep, channel and select bundle to at most ${BUDGET} bytes min+gzip`, async (t) => {
    const { code, metafile } = await bundle(
      `import { run, spawn, sleep, channel, select } from "./src/index.ts";\nexport { run, spawn, sleep, channel, select };`,
    );
    const size = gzipped(code);
    t.diagnostic(`${size} bytes min+gzip (${code.length} minified); the goal is 8192`);
    assert.ok(size <= BUDGET, `${size} bytes min+gzip, over the budget of ${BUDGET}; the heaviest modules (minified):\n${heaviest(metafile)}`);
    // What such a program does not use stays out: call() and action() (a channel's each awaits an
    // async body's promise without them), select's timeout clause (no onTimeout imported), and
    // debug mode's capture of where each task is spawned (setFrameDebug is not called).
    assert.doesNotMatch(code, /call\(fn\): fn returned an operation|action\(\)|timeout after/, "the bundle holds call(), action() or onTimeout's clause");
    assert.doesNotMatch(code, /new Error\(\)\.stack/, "the bundle holds debug mode's site capture");
  });

  test("importing an unused entry pulls in nothing: strand's modules have no side effects at import", async () => {
    const { code } = await bundle(`import "./src/index.ts";`);
    assert.equal(code.trim(), "", `a bare import of strand kept code:\n${code.slice(0, 500)}`);
  });

  test("each portable subpath bundles for the browser: no Node built-in, no Node global", async (t) => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { exports: Record<string, null | string | { import?: string }> };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (target === null || typeof target === "string" || target.import === undefined) continue;
      const source = target.import.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
      // Everything the entry exports, kept: a build error names any Node built-in it reaches.
      const { code } = await bundle(`export * from ${JSON.stringify(source)};`);
      t.diagnostic(`strand${subpath.slice(1)}: ${gzipped(code)} bytes min+gzip, all of it`);
      assert.doesNotMatch(code, /\bprocess\.(?:env|on|exit|platform)\b|\bBuffer\./, `${subpath} reaches for a Node global`);
    }
  });
});
