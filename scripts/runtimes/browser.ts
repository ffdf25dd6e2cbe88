/**
 * Runs test files in headless Chromium: esbuild bundles them for the browser
 * with `node:test` and `node:assert/strict` aliased to the harness in
 * browser/ (bundling for the browser also proves the code under test imports
 * no Node built-in), and playwright-core drives Debian's chromium
 * (CHROMIUM_PATH, else /usr/bin/chromium) to run the bundle in a page.
 */
import { build, type Plugin } from "esbuild";
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import type { Outcome } from "./browser/node-test.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const harness = (name: string) => join(here, "browser", name);

/** Names from browser/test-globals.ts a test file may use as Node globals. */
const TEST_GLOBALS = ["setImmediate", "process"];

/** Gives test files (only) the Node globals they use, as imports that shadow the page's. */
const testGlobals: Plugin = {
  name: "strand-test-globals",
  setup(build) {
    build.onLoad({ filter: /[\\/]test[\\/].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const used = TEST_GLOBALS.filter((name) => new RegExp(`\\b${name}\\b`).test(source));
      if (used.length === 0) return { contents: source, loader: "ts" };
      const prelude = `import { ${used.join(", ")} } from ${JSON.stringify(harness("test-globals.ts"))};`;
      return { contents: `${prelude}\n${source}`, loader: "ts" };
    });
  },
};

/** Bundles `files` (paths relative to the repository root) into one browser module. */
export async function bundle(files: readonly string[]): Promise<string> {
  const entry = [
    `import { file, runAll } from ${JSON.stringify(harness("node-test.ts"))};`,
    ...files.map((path) => `file(${JSON.stringify(path)}); await import(${JSON.stringify(join(root, path))});`),
    `globalThis.__strandRun = runAll;`,
  ].join("\n");
  const result = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: "browser-suite.ts", loader: "ts" },
    bundle: true,
    // Tests compare function names (frames, errors naming a function): keep them through the renaming a bundle does.
    keepNames: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    alias: { "node:test": harness("node-test.ts"), "node:assert/strict": harness("assert.ts"), "node:assert": harness("assert.ts") },
    plugins: [testGlobals],
    logLevel: "error",
  });
  return result.outputFiles[0]!.text;
}

export interface BrowserRun {
  readonly outcomes: Outcome[];
  readonly version: string;
}

/** Runs the bundled `files` but the tests named in `skip` in a fresh headless Chromium page; `report` hears each outcome. */
export async function runInChromium(files: readonly string[], skip: Readonly<Record<string, string>>, report: (outcome: Outcome) => void): Promise<BrowserRun> {
  const code = await bundle(files);
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"], headless: true });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.stack ?? error.message));
    page.on("console", (message) => {
      if (message.text().startsWith("# ")) console.log(message.text());
    });
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith("STRAND_")));
    await page.addInitScript((env) => ((globalThis as { __strandEnv?: unknown }).__strandEnv = env), env);
    // A page of its own origin, so the bundle is a module script with a real URL.
    await page.route("http://strand.test/**", (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === "/suite.js") return route.fulfill({ contentType: "text/javascript", body: code });
      return route.fulfill({ contentType: "text/html", body: `<!doctype html><script type="module" src="/suite.js"></script>` });
    });
    await page.goto("http://strand.test/");
    await page.waitForFunction(() => typeof (globalThis as { __strandRun?: unknown }).__strandRun === "function" || document.readyState === "complete");
    if (pageErrors.length > 0) throw new Error(`the suite did not load in the browser:\n${pageErrors.join("\n")}`);
    const outcomes = await page.evaluate(async (skip) => {
      type Run = (report: (o: Outcome) => void, skip: Record<string, string>) => Promise<void>;
      const all: Outcome[] = [];
      await (globalThis as unknown as { __strandRun: Run }).__strandRun((outcome) => all.push(outcome), skip);
      return all;
    }, skip);
    outcomes.forEach(report);
    if (pageErrors.length > 0) {
      const outcome: Outcome = { name: "(page)", status: "fail", error: pageErrors.join("\n"), ms: 0 };
      outcomes.push(outcome);
      report(outcome);
    }
    return { outcomes, version: browser.version() };
  } finally {
    await browser.close();
  }
}
