/**
 * The monitor page in a real browser: a program started with
 * `STRAND_MONITOR_PORT=0 node --import strand/observe/serve`, `strand monitor
 * <url> --web` serving the page, and Debian's headless Chromium driven by
 * playwright-core. Run with `npm run test:browser` (it installs chromium when
 * missing); screenshots go to test-results/.
 *
 * Everything waits for what it expects to appear (no sleeps); nothing asserts a time.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = resolve(ROOT, "test-results");
const children: ChildProcess[] = [];
let browser: Browser;
let page: Page;
let local: string;
const pageErrors: string[] = [];

/** Starts `args` under node with tsx and resolves with the first match of `pattern` in its output. */
function start(args: string[], env: Record<string, string>, pattern: RegExp): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    const look = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match !== null) resolve(match[1]);
    };
    child.stdout!.on("data", look);
    child.stderr!.on("data", look);
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited (${code}) before printing ${pattern}:\n${output}`)));
  });
}

before(async () => {
  const program = await start(["--import", "./src/observe/serve/index.ts", "test/browser/fixtures/pipeline.ts"], { STRAND_MONITOR_PORT: "0", STRAND_MONITOR_INTERVAL: "100" }, /monitor at (http:\/\/\S+)/);
  local = await start(["src/cli/main.ts", "monitor", program, "--web", "--no-open"], {}, /at (http:\/\/127\.0\.0\.1:\d+\/)/);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(local);
});

after(async () => {
  await browser?.close();
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
});

test("the page connects through strand monitor and shows the live task tree", async () => {
  await page.getByTestId("status").filter({ hasText: "live" }).waitFor();
  await page.locator('[data-testid="task"][data-path$="collector#6"]').waitFor();
  const paths = await page.locator('[data-testid="task"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-path")));
  for (const name of ["app#1", "producer#2", "worker#3", "worker#4", "worker#5", "collector#6", "server#7", "conn#8"]) {
    assert.ok(paths.some((path) => path?.endsWith(name)), `${name} in the tree: ${paths.join(", ")}`);
  }
  const conn = page.locator('[data-testid="task"][data-path$="conn#8"]');
  assert.equal(await conn.getAttribute("data-activity"), "parked");
  assert.match(await conn.locator(".wait").first().innerText(), /event "config loaded"/);
  assert.match(await page.getByTestId("metric-tasks").innerText(), /^8\b/);
});

test("the waits are grouped by what they wait on", async () => {
  const wait = page.getByTestId("wait").filter({ hasText: 'event "config loaded"' });
  await wait.waitFor();
  assert.match(await wait.innerText(), /2 tasks/);
});

test("each channel has a throughput and a buffer chart that fill over time", async () => {
  const jobs = page.locator('[data-testid="channel"][data-name=\'channel "jobs"\']');
  await jobs.waitFor();
  await page.locator('[data-testid="channel"][data-name=\'channel "results"\']').waitFor();
  // Three snapshots at least: two rates to draw a line between.
  await page.waitForFunction(() => {
    const line = document.querySelector('[data-name=\'channel "jobs"\'] [data-testid="throughput-chart"] polyline');
    return line !== null && line.getAttribute("points")!.split(" ").length >= 2;
  });
  assert.match(await jobs.getByTestId("rate").innerText(), /^[\d.]+k?\/s \(peak [\d.]+k?\)$/);
  assert.ok(!/^0\/s/.test(await jobs.getByTestId("rate").innerText()), "elements flow through jobs");
  assert.match(await jobs.getByTestId("buffered").innerText(), /^\d+ \/ 16$/);
  assert.equal(await jobs.getByTestId("buffer-chart").locator("polyline").count(), 1);
  // A fuller chart for the picture (the README's docs/monitor.png is taken from it).
  await page.waitForFunction(() => document.querySelector('[data-name=\'channel "jobs"\'] [data-testid="throughput-chart"] polyline')!.getAttribute("points")!.split(" ").length >= 40);
  await page.screenshot({ path: shot("monitor"), clip: { x: 0, y: 0, width: 1280, height: 680 } });
});

test("filtering by state keeps the matches and their ancestors", async () => {
  await page.getByTestId("state-filter").selectOption("parked");
  await page.waitForFunction(() => document.querySelectorAll(".row.match").length > 0);
  const rows = await page.locator('[data-testid="task"]').evaluateAll((nodes) =>
    nodes.map((node) => ({ activity: node.getAttribute("data-activity"), match: node.querySelector(":scope > .row")!.classList.contains("match"), children: node.querySelectorAll(":scope > .task").length })),
  );
  for (const row of rows) {
    if (row.match) assert.equal(row.activity, "parked");
    else assert.ok(row.children > 0, "a task shown without matching is an ancestor of one that does");
  }
  await page.getByTestId("state-filter").selectOption("");
});

test("search finds tasks by name, wait or frame", async () => {
  await page.getByTestId("search").fill("config loaded");
  await page.waitForFunction(() => document.querySelector('[data-testid="task"][data-path$="collector#6"]') === null);
  const matched = await page.locator(".row.match .name").allInnerTexts();
  assert.deepEqual(matched.sort(), ["conn#8", "server#7"]);
  await page.screenshot({ path: shot("monitor-search") });
  await page.getByTestId("search").fill("");
  await page.locator('[data-testid="task"][data-path$="collector#6"]').waitFor();
});

test("a task's subtree collapses and expands", async () => {
  const server = page.locator('[data-testid="task"][data-path$="server#7"]');
  await server.locator(":scope > .row [data-testid=toggle]").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="task"][data-path$="server#7"]')?.getAttribute("data-expanded") === "false");
  assert.equal(await page.locator('[data-testid="task"][data-path$="conn#8"]').count(), 0);
  await page.locator('[data-testid="task"][data-path$="server#7"] > .row [data-testid=toggle]').click();
  await page.locator('[data-testid="task"][data-path$="conn#8"]').waitFor();
  assert.equal(await page.getByTestId("expand-all").isVisible(), true);
});

test("the page threw no error", () => {
  assert.deepEqual(pageErrors, []);
});

function shot(name: string): string {
  mkdirSync(OUT, { recursive: true });
  const path = resolve(OUT, `${name}.png`);
  process.stdout.write(`screenshot: ${path}\n`);
  return path;
}
