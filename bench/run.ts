/**
 * `npm run bench`: every workload on Strand and its peers, in one run.
 *
 * Each case runs in fresh processes (child.ts), so no case inherits another's
 * JIT state or garbage; processes run one at a time (the machine has 2 cores),
 * and the rounds are interleaved — every case once, then every case again — so
 * drift in the machine's speed hits all systems alike. The figure per case is
 * the median over processes of each process's median iteration; the ratios
 * compare cases of one run only, paired by round where both cases ran in every
 * round (lib/results.ts pairedRatio).
 *
 *   npm run bench                    full run (a few minutes): bench/results/latest.json, chart.svg
 *   npm run bench -- --quick         smoke run (under a minute): bench/results/quick.json, quick.svg
 *   npm run bench -- --filter depth  only cases whose id matches (regex; repeatable): partial.json
 *   npm run bench -- --list          the cases, and which are pending
 *   npm run bench -- --procs 5       processes per case (default 3 full, or the case's own `procs`; 1 quick; slow cases 1
 *                                    unless they set their own `procs`)
 *   npm run bench -- --tsx           run the TypeScript through tsx instead of compiling it first (see lib/strand.ts)
 *   npm run bench -- --redraw bench/results/latest.json   print a stored run again, re-check the bars, redraw its chart
 *   npm run bench -- --baseline HEAD~1   Strand's cases against an earlier commit, as new ÷ old ratios (lib/baseline.ts):
 *                                    bench/results/baseline.json; works with --quick and --filter; --procs sets the
 *                                    rounds (default 5 full, 3 quick)
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { parseArgs } from "node:util";
import type { Case } from "./lib/case.js";
import type { ChildResult } from "./child.js";
import { compareWithBaseline } from "./lib/baseline.js";
import { checkBars } from "./lib/bars.js";
import { build } from "./lib/build.js";
import { chart } from "./lib/chart.js";
import { machine, versions } from "./lib/machine.js";
import { printReport } from "./lib/report.js";
import { caseResult, formatCount, formatNs, groupResults, type CaseResult, type Report } from "./lib/results.js";
import { failureText, runChild, type ChildCommand, type Run } from "./lib/run-child.js";
import { goPending } from "./lib/go.js";
import { pendingReason } from "./lib/strand.js";
import { cases as allCases } from "./workloads/index.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    filter: { type: "string", multiple: true },
    procs: { type: "string" },
    list: { type: "boolean", default: false },
    tsx: { type: "boolean", default: false },
    redraw: { type: "string" },
    baseline: { type: "string" },
    out: { type: "string", default: fileURLToPath(new URL("results/", import.meta.url)) },
  },
});

const quick = values.quick!;
const mode = quick ? "quick" : "full";
const filters = (values.filter ?? []).map((f) => new RegExp(f));
const selected = allCases.filter((c) => (filters.length === 0 || filters.some((f) => f.test(c.id))) && !(quick && c.full === true));

/** A mistake in the command line: said plainly, without a stack trace. */
function refuse(message: string): never {
  console.error(message);
  process.exit(2);
}

/** Why a case cannot run here: a Strand module not written yet, or no Go toolchain for Go's cases. */
let noGo: string | undefined | null = null;
function whyPending(c: Case): string | undefined {
  if (c.system !== "go") return pendingReason(c);
  if (noGo === null) noGo = goPending();
  return noGo;
}

const procs = values.procs !== undefined ? Number(values.procs) : undefined;
if (procs !== undefined && !(Number.isInteger(procs) && procs >= 1)) refuse(`--procs takes a whole number from 1, not ${values.procs}`);
const procsPerCase = procs ?? (quick ? 1 : 3);
const iterations = quick ? "1 warm-up + 2" : "1 warm-up + 3";
const root = fileURLToPath(new URL("../", import.meta.url));
const timeoutMs = (quick ? 60 : 300) * 1000;

if (values.redraw !== undefined) {
  const report = JSON.parse(readFileSync(values.redraw, "utf8")) as Report;
  report.bars = checkBars(report.groups);
  printReport(report);
  writeFileSync(values.redraw, JSON.stringify(report, null, 2) + "\n");
  const svg = values.redraw.replace(/latest\.json$/, "chart.svg").replace(/\.json$/, ".svg");
  writeFileSync(svg, chart(report));
  console.log(`\nrewrote ${values.redraw} and ${svg}`);
  process.exit(0);
}

if (values.list) {
  for (const c of selected) {
    const pending = whyPending(c);
    console.log(`${c.id.padEnd(40)} ${c.system.padEnd(10)} n=${formatCount(quick ? c.n.quick : c.n.full).padEnd(6)} ${pending ? `[pending: ${pending}] ` : ""}${c.variant}`);
  }
  process.exit(0);
}

if (values.baseline !== undefined) {
  if (values.tsx) refuse("--baseline compares compiled trees; it does not take --tsx");
  await compareWithBaseline({
    ref: values.baseline,
    root,
    cases: selected.filter((c) => c.system === "strand"),
    mode,
    rounds: procs ?? (quick ? 3 : 5),
    timeoutMs,
    out: values.out!,
  });
  process.exit(0);
}

// ---------------------------------------------------------------------------

const started = Date.now();
const startedAt = new Date();
const info = machine();
const vers = versions();
/** The cases that set their own process count (`Case.procs`), for the method line. */
function ownCounts(): string {
  const byCount = new Map<number, string[]>();
  for (const c of selected) if (c.procs !== undefined) byCount.set(c.procs, [...(byCount.get(c.procs) ?? []), c.id]);
  return [...byCount].map(([count, ids]) => `; ${ids.join(", ")}: ${count}`).join("");
}
const method = `each case in ${procsPerCase} fresh process${procsPerCase > 1 ? "es" : ""} (slow peers: 1${procs === undefined && !quick ? ownCounts() : ""}), rounds interleaved; ${iterations} timed iterations per process (mitata, GC between), median of process medians; ratios paired by round where both cases ran in every round (odd rounds in reverse order)`;

console.log(`Strand benchmarks · ${mode} run · ${startedAt.toISOString()}`);
console.log(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB · ${info.os} · Linux ${info.kernel} · Node ${info.node} (V8 ${info.v8}) · load ${info.loadAverage.start.toFixed(2)}`);
console.log(`versions: strand ${vers.strand} · effect ${vers.effect} · effection ${vers.effection} · dbos ${vers.dbos} · mitata ${vers.mitata} · tsx ${vers.tsx}`);
let child: ChildCommand = { args: ["--import", "tsx", fileURLToPath(new URL("child.ts", import.meta.url))], cwd: root };
let strandSource = "src/ and the suite through tsx (esbuild transform, keepNames)";
if (!values.tsx) {
  const built = build(root);
  child = { args: [built.child], cwd: root };
  strandSource = "src/ and the suite compiled to JavaScript by TypeScript";
  console.log(`build: ${built.compiled} changed file(s) compiled to bench/.build in ${built.seconds.toFixed(1)} s`);
}
console.log(`method: ${method}; code measured: ${strandSource}\n`);

const pending = new Map<string, string>();
for (const c of selected) {
  const reason = whyPending(c);
  if (reason !== undefined) pending.set(c.id, reason);
}
const runnable = selected.filter((c) => !pending.has(c.id));
const jobs: Case[] = [];
/** A case's processes: `--procs`, else its own count in a full run, else the default; slow cases one, unless they set their own count. */
const processesOf = (c: Case): number => (c.slow && c.procs === undefined ? 1 : (procs ?? (quick ? procsPerCase : (c.procs ?? procsPerCase))));
const rounds = Math.max(...runnable.map(processesOf), 0);
for (let round = 0; round < rounds; round++) {
  // Odd rounds in the reverse order: of two cases compared round by round (pairedRatio), neither always runs first.
  const order = round % 2 === 0 ? runnable : [...runnable].reverse();
  for (const c of order) if (round < processesOf(c)) jobs.push(c);
}
if (pending.size > 0) console.log(`${pending.size} case(s) pending, skipped: ${[...new Set(pending.values())].join("; ")}\n`);

const runs = new Map<string, Run[]>();
let done = 0;
for (const c of jobs) {
  const run = await runChild(child, c.id, mode, timeoutMs);
  (runs.get(c.id) ?? runs.set(c.id, []).get(c.id)!).push(run);
  done++;
  const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  const shown = run.status === "ok" ? `${formatNs((run as ChildResult).nsPerOp!)}/${c.unit}` : failureText(run);
  console.log(`[${elapsed}s] ${String(done).padStart(3)}/${jobs.length} ${c.id.padEnd(40)} ${shown}`);
}

const results = new Map<string, CaseResult>();
for (const c of selected) {
  const n = quick ? c.n.quick : c.n.full;
  results.set(c.id, caseResult(c, n, runs.get(c.id) ?? [], pending.get(c.id)));
}
const groups = groupResults(selected, results);
const bars = checkBars(groups);
info.loadAverage.end = os.loadavg()[0];
const report: Report = {
  generatedAt: startedAt.toISOString(),
  mode,
  durationSeconds: (Date.now() - started) / 1000,
  machine: info,
  versions: vers,
  method,
  strandSource,
  groups,
  bars,
};

printReport(report);

const name = filters.length > 0 ? "partial" : quick ? "quick" : "latest";
const svgName = filters.length > 0 ? "partial.svg" : quick ? "quick.svg" : "chart.svg";
mkdirSync(values.out!, { recursive: true });
writeFileSync(`${values.out}/${name}.json`, JSON.stringify(report, null, 2) + "\n");
writeFileSync(`${values.out}/${svgName}`, chart(report));
console.log(`\nwrote ${values.out}${name}.json and ${svgName} in ${report.durationSeconds.toFixed(0)} s`);
