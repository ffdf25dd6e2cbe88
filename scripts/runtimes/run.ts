/**
 * `npm run test:runtimes [runtime…]`: the portable suite (suites.ts) on Node 22
 * and 24, Bun, Deno and headless Chromium, and the Node-only suite on Node 22 and
 * 24. Node 20 runs every file in `npm test`; name `node20` to run the portable
 * suite on it here too. The same test files run everywhere:
 * Node through its own runner (with tsx), Bun and Deno through theirs (both
 * implement `node:test` and `node:assert`), Chromium through the bundle of
 * browser.ts. Each runtime's full output goes to runtimes/logs/<name>.log; this
 * prints one line per runtime with its counts, the failures' output, and a
 * closing "N passed, N failed" line. Exits non-zero if any runtime failed.
 *
 * The pinned binaries (runtimes/package.json) are installed into
 * runtimes/node_modules on first use; Chromium comes from Debian
 * (scripts/ensure-chromium.sh, or CHROMIUM_PATH).
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { browserExclude, browserSkipTests, files, nodeOnly, nodeStore, portable } from "./suites.js";
import { runInChromium } from "./browser.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const installed = join(root, "runtimes", "node_modules");
const logs = join(root, "runtimes", "logs");

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface Outcome extends Counts {
  readonly name: string;
  readonly version: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly log: string;
}

interface Runtime {
  readonly name: string;
  run(): Promise<Outcome>;
}

// ── Installing the pinned binaries ────────────────────────────────────────────

/** Installs runtimes/package-lock.json into runtimes/node_modules unless it is there already. */
function ensureInstalled(): void {
  const lock = join(root, "runtimes", "package-lock.json");
  const stamp = join(installed, ".installed-from-lock");
  const wanted = readFileSync(lock, "utf8");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return;
  console.log("test:runtimes: installing the pinned runtimes (runtimes/package-lock.json)");
  const { status } = spawnSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: join(root, "runtimes"), stdio: "inherit" });
  if (status !== 0) throw new Error("test:runtimes: npm ci in runtimes/ failed");
  writeFileSync(stamp, wanted);
}

/** The one installed file matching `<dir>/<pattern>/<file>` (only this platform's optional package installs). */
function binary(dir: string, pattern: RegExp, file: string): string {
  const base = join(installed, dir);
  const match = existsSync(base) ? readdirSync(base).find((name) => pattern.test(name) && existsSync(join(base, name, file))) : undefined;
  if (match === undefined) throw new Error(`test:runtimes: no ${dir}/${pattern.source}/${file} in runtimes/node_modules for ${process.platform}-${process.arch}`);
  return join(base, match, file);
}

// ── Running a test runner and reading its counts ─────────────────────────────

/** Runs `command`, its output to `log`; resolves with its exit code. */
function runLogged(command: string, args: readonly string[], log: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(log);
    out.write(`$ ${command} ${args.join(" ")}\n`);
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      out.end(`\n[exit ${code ?? signal}]\n`, () => resolvePromise(code ?? 1));
    });
  });
}

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

function count(text: string, pattern: RegExp): number {
  let total = 0;
  for (const match of text.matchAll(pattern)) total += Number(match[1]);
  return total;
}

/** Node's spec reporter: "ℹ pass N" etc., once per run. */
function nodeCounts(text: string): Counts {
  return { passed: count(text, /^ℹ pass (\d+)$/gm), failed: count(text, /^ℹ fail (\d+)$/gm) + count(text, /^ℹ cancelled (\d+)$/gm), skipped: count(text, /^ℹ (?:skipped|todo) (\d+)$/gm) };
}

/** Bun's summary: " N pass", " N fail", " N skip", " N todo". */
function bunCounts(text: string): Counts {
  return { passed: count(text, /^ *(\d+) pass$/gm), failed: count(text, /^ *(\d+) fail$/gm), skipped: count(text, /^ *(\d+) (?:skip|todo)$/gm) };
}

/**
 * Deno's JUnit report, counted as Node counts: leaf tests only (Deno lists a
 * describe() as a test whose nested tests are steps).
 */
function denoCounts(xml: string): Counts {
  const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)].map((m) => ({ name: m[1]!, body: m[2]! }));
  const names = cases.map((c) => c.name);
  const leaves = cases.filter((c) => !names.some((other) => other.startsWith(`${c.name} &gt; `)));
  const failed = leaves.filter((c) => c.body.includes("<failure")).length;
  const skipped = leaves.filter((c) => c.body.includes("<skipped")).length;
  return { passed: leaves.length - failed - skipped, failed, skipped };
}

function version(command: string, args: readonly string[] = ["--version"]): string {
  const { stdout } = spawnSync(command, args, { encoding: "utf8" });
  return (stdout ?? "").trim().split("\n")[0] ?? "?";
}

async function timed(name: string, body: (log: string) => Promise<Omit<Outcome, "name" | "seconds" | "log">>): Promise<Outcome> {
  const log = join(logs, `${name}.log`);
  const started = performance.now();
  const result = await body(log);
  return { name, seconds: (performance.now() - started) / 1000, log, ...result };
}

// ── The runtimes ──────────────────────────────────────────────────────────────

function nodeRuntime(name: string, executable: () => string, suites: readonly string[], withStore: boolean): Runtime {
  return {
    name,
    run: () =>
      timed(name, async (log) => {
        const node = executable();
        let code = await runLogged(node, ["--import", "tsx", "--test", "--test-reporter=spec", ...suites], log);
        const counts = nodeCounts(plain(readFileSync(log, "utf8")));
        if (withStore) {
          // The store, apart: one file, by name pattern (suites.ts says what and why).
          const storeLog = join(logs, `${name}-store.log`);
          const args = ["--import", "tsx", "--test", "--test-reporter=spec", `--test-name-pattern=${nodeStore.pattern}`, nodeStore.file];
          code ||= await runLogged(node, args, storeLog, { ...process.env, ...nodeStore.env });
          const store = nodeCounts(plain(readFileSync(storeLog, "utf8")));
          counts.passed += store.passed;
          counts.failed += store.failed;
          if (store.failed > 0) writeFileSync(log, readFileSync(log, "utf8") + readFileSync(storeLog, "utf8"));
        }
        return { ...counts, version: `Node ${version(node)}`, ok: code === 0 && counts.failed === 0 && counts.passed > 0 };
      }),
  };
}

const bun: Runtime = {
  name: "bun",
  run: () =>
    timed("bun", async (log) => {
      const exe = binary("@oven", /^bun-/, "bin/bun");
      // Bun's default limit is 5 s a test; Node's runner has none, and a few tests build large graphs.
      const code = await runLogged(exe, ["test", "--timeout", "600000", ...files(portable).map((file) => `./${file}`)], log);
      const counts = bunCounts(plain(readFileSync(log, "utf8")));
      return { ...counts, version: `Bun ${version(exe)}`, ok: code === 0 && counts.failed === 0 && counts.passed > 0 };
    }),
};

const deno: Runtime = {
  name: "deno",
  run: () =>
    timed("deno", async (log) => {
      const exe = binary("@deno", /./, "deno");
      const junit = join(logs, "deno.junit.xml");
      // --unstable-sloppy-imports: the sources import "./x.js" for x.ts, as TypeScript's NodeNext wants.
      const args = ["test", "--allow-all", "--no-check", "--unstable-sloppy-imports", `--junit-path=${junit}`, ...files(portable)];
      const code = await runLogged(exe, args, log, { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" });
      const counts = existsSync(junit) ? denoCounts(readFileSync(junit, "utf8")) : { passed: 0, failed: 1, skipped: 0 };
      return { ...counts, version: `Deno ${version(exe).split(" ")[1] ?? "?"}`, ok: code === 0 && counts.failed === 0 && counts.passed > 0 };
    }),
};

const chromium: Runtime = {
  name: "chromium",
  run: () =>
    timed("chromium", async (log) => {
      const ensure = spawnSync("bash", [join(root, "scripts", "ensure-chromium.sh")], { stdio: "inherit" });
      if (ensure.status !== 0 && process.env.CHROMIUM_PATH === undefined) throw new Error("test:runtimes: no chromium (scripts/ensure-chromium.sh failed)");
      const lines: string[] = [];
      const run = await runInChromium(files(portable, browserExclude), browserSkipTests, (outcome) => {
        const mark = outcome.status === "pass" ? "✔" : outcome.status === "fail" ? "✖" : "﹣";
        lines.push(`${mark} ${outcome.name}${outcome.status === "skip" || outcome.status === "todo" ? ` # ${outcome.status} ${outcome.error ?? ""}` : ""}`);
        if (outcome.status === "fail") lines.push(outcome.error ?? "", "");
      });
      const counts = { passed: 0, failed: 0, skipped: 0 };
      for (const outcome of run.outcomes) {
        if (outcome.status === "pass") counts.passed++;
        else if (outcome.status === "fail") counts.failed++;
        else counts.skipped++;
      }
      lines.push("", `ℹ pass ${counts.passed}`, `ℹ fail ${counts.failed}`, `ℹ skipped ${counts.skipped}`);
      writeFileSync(log, lines.join("\n") + "\n");
      return { ...counts, version: `Chromium ${run.version}`, ok: counts.failed === 0 && counts.passed > 0 };
    }),
};

const portableFiles = () => files(portable);
const node22 = () => binary("", /^node22-/, "bin/node");
const node24 = () => binary("", /^node24-/, "bin/node");

const runtimes: Runtime[] = [
  nodeRuntime("node20", () => process.execPath, portableFiles(), false),
  nodeRuntime("node22", node22, [...portableFiles(), ...files(nodeOnly)], true),
  nodeRuntime("node24", node24, [...portableFiles(), ...files(nodeOnly)], true),
  bun,
  deno,
  chromium,
];

// ── Main ──────────────────────────────────────────────────────────────────────

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !runtimes.some((runtime) => runtime.name === name));
if (unknown.length > 0) {
  console.error(`test:runtimes: unknown runtime ${unknown.join(", ")}; the runtimes are ${runtimes.map((r) => r.name).join(", ")}`);
  process.exit(2);
}
if (!process.version.startsWith("v20.") && asked.includes("node20")) console.warn(`test:runtimes: "node20" runs on this Node, ${process.version}`);
/** Node 20 runs every test file in `npm test` already: by default it is left out here, to keep CI short. */
const byDefault = runtimes.filter((runtime) => runtime.name !== "node20");
const chosen = asked.length === 0 ? byDefault : runtimes.filter((runtime) => asked.includes(runtime.name));
if (asked.length === 0) console.log("test:runtimes: Node 20 is tested by npm test (npm run test:runtimes -- node20 runs the portable suite on it here)");

ensureInstalled();
mkdirSync(logs, { recursive: true });
const outcomes: Outcome[] = [];
// One at a time: the machines this runs on have two cores, and each runner uses them.
for (const runtime of chosen) {
  let outcome: Outcome;
  try {
    outcome = await runtime.run();
  } catch (error) {
    const log = join(logs, `${runtime.name}.log`);
    writeFileSync(log, String(error instanceof Error ? error.stack : error));
    outcome = { name: runtime.name, version: "?", ok: false, passed: 0, failed: 1, skipped: 0, seconds: 0, log };
  }
  outcomes.push(outcome);
  const skipped = outcome.skipped > 0 ? `, ${outcome.skipped} skipped` : "";
  console.log(`${outcome.ok ? "✔" : "✖"} ${outcome.name.padEnd(8)} ${outcome.version.padEnd(28)} ${outcome.passed} passed, ${outcome.failed} failed${skipped} (${outcome.seconds.toFixed(1)} s)`);
  if (!outcome.ok) {
    const text = plain(readFileSync(outcome.log, "utf8"));
    const tail = text.length > 20_000 ? `…${text.slice(-20_000)}` : text;
    console.log(`── ${outcome.name}: the end of ${outcome.log} ──\n${tail}\n── end of ${outcome.name} ──`);
  }
}

const passed = outcomes.reduce((sum, o) => sum + o.passed, 0);
const failed = outcomes.reduce((sum, o) => sum + o.failed, 0);
const failing = outcomes.filter((o) => !o.ok).map((o) => o.name);
if (failing.length > 0) console.log(`test:runtimes: failed on ${failing.join(", ")} (logs in ${logs})`);
console.log(`runtimes: ${passed} passed, ${failed} failed`);
process.exit(failing.length === 0 ? 0 : 1);
