/**
 * `npm run bench -- --baseline <ref>`: is Strand in this working tree slower
 * than it was at an earlier commit?
 *
 * The commit is checked out in a temporary git worktree and compiled the way
 * this tree is (lib/build.ts); each of Strand's cases then runs in both trees,
 * in process pairs: one old process and one new, back to back, the old one
 * first in even rounds and second in odd ones, so neither tree always gets the
 * same slot. A pair's ratio (new ÷ old ns/op) cancels drift in the machine's
 * speed that lasts longer than the pair; a case's figure is the median of its
 * pairs' ratios. Rounds are interleaved (every case once, then again), as in a
 * normal run.
 *
 * What a pair does not cancel is measured beside it: every round also runs an
 * A/A pair, this tree in both slots in the same order, whose ratios show how far
 * apart two identical processes land on the machine as it is now. A case has
 * regressed only when its ratio is above 1.05 and above every A/A ratio, and is
 * faster only when below 0.95 and below every one.
 *
 * Only Strand's cases are compared (the peers are the same packages in both
 * trees), and only those both trees can run: a case the old tree lacks, or
 * could not run yet there (pending), is reported as new.
 */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Case } from "./case.js";
import type { ChildResult } from "../child.js";
import { build } from "./build.js";
import { machine, versions, type Machine, type Versions } from "./machine.js";
import { formatNs, median } from "./results.js";
import { failureText, runChild, type ChildCommand, type Run } from "./run-child.js";
import { pendingReason } from "./strand.js";

/** How far from 1 a ratio must be before the A/A spread is even asked whether it is noise. */
const threshold = 0.05;

export interface BaselineOptions {
  /** The git ref to compare against. */
  ref: string;
  /** This tree's root. */
  root: string;
  /** Strand's cases in this tree, already filtered (`--filter`, `--quick`). */
  cases: Case[];
  mode: "full" | "quick";
  rounds: number;
  timeoutMs: number;
  /** Where baseline.json goes. */
  out: string;
}

export type Verdict = "regression" | "faster" | "same" | "failed" | "new" | "pending";

export interface BaselineCase {
  id: string;
  verdict: Verdict;
  /** Median ns/op of the old tree's processes, and of the new tree's in the same pairs. */
  oldNsPerOp?: number;
  newNsPerOp?: number;
  /** Median of `pairRatios`. */
  ratio?: number;
  /** Each round's new ÷ old ns/op, in round order. */
  pairRatios: number[];
  /** Each round's A/A ratio (this tree in both slots), in round order, and the lowest and highest. */
  aaRatios: number[];
  aaSpread?: [number, number];
  /** Why there is no ratio, or what to know when reading it. */
  detail?: string;
}

export interface BaselineReport {
  generatedAt: string;
  mode: "full" | "quick";
  durationSeconds: number;
  machine: Machine;
  /** This tree's. */
  versions: Versions;
  /** The ref as given, the commit it named, and where the old tree's node_modules came from. */
  baseline: { ref: string; commit: string; short: string; subject: string; dependencies: string };
  method: string;
  cases: BaselineCase[];
}

/** One pair's two processes: the old slot's and the new slot's (both this tree's in an A/A pair). */
interface Pair {
  old: Run;
  new: Run;
}

interface Round {
  pair: Pair;
  aa: Pair;
}

const ok = (run: Run): run is ChildResult => run.status === "ok";
const ratioOf = (pair: Pair): number | undefined => (ok(pair.old) && ok(pair.new) ? pair.new.nsPerOp! / pair.old.nsPerOp! : undefined);
const formatRatio = (ratio: number | undefined): string => (ratio === undefined ? "–" : ratio.toFixed(3));

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A mistake in the command line: said plainly, before anything is checked out. */
function refuse(message: string): never {
  console.error(`--baseline: ${message}`);
  process.exit(2);
}

/** The commit `ref` names, refusing refs that are not commits or that predate the suite. */
function resolveRef(root: string, ref: string): { commit: string; short: string; subject: string } {
  let commit: string;
  try {
    commit = git(root, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
  } catch {
    refuse(`${JSON.stringify(ref)} names no commit in this repository`);
  }
  try {
    git(root, "cat-file", "-e", `${commit}:bench/child.ts`);
  } catch {
    refuse(`${ref} has no bench/child.ts: it predates the benchmark suite`);
  }
  return { commit, short: git(root, "rev-parse", "--short", commit), subject: git(root, "log", "-1", "--format=%s", commit) };
}

/**
 * Gives the old tree its dependencies: this tree's node_modules when the two
 * lock files agree (the same packages; installing them again would take a
 * minute), else an install of its own.
 */
function installDependencies(root: string, tree: string): string {
  const lock = (dir: string) => (existsSync(join(dir, "package-lock.json")) ? readFileSync(join(dir, "package-lock.json"), "utf8") : undefined);
  const own = lock(tree);
  if (own !== undefined && own === lock(root)) {
    symlinkSync(join(root, "node_modules"), join(tree, "node_modules"), "dir");
    return "this tree's node_modules (same package-lock.json)";
  }
  console.log("baseline: package-lock.json differs from this tree's; npm ci in the old tree");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: tree, stdio: ["ignore", "inherit", "inherit"] });
  return "its own, npm ci (package-lock.json differs)";
}

/** Checks `commit` out in a temporary worktree with its dependencies, hands it to `use`, and removes it however `use` ends. */
async function withWorktree<T>(root: string, commit: string, use: (tree: string, dependencies: string) => Promise<T>): Promise<T> {
  const tree = mkdtempSync(join(os.tmpdir(), "strand-baseline-"));
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    // Unlinked first, so removing the tree can never reach into the node_modules it shares.
    if (lstatSync(join(tree, "node_modules"), { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(join(tree, "node_modules"));
    try {
      git(root, "worktree", "remove", "--force", tree);
    } catch {
      // `worktree add` failed, so git does not know the directory.
      rmSync(tree, { recursive: true, force: true });
    }
    git(root, "worktree", "prune");
  };
  // Interrupting a run (it takes minutes) would otherwise leave the checkout behind, registered with git.
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    process.exit(128 + os.constants.signals[signal]);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    git(root, "worktree", "add", "--detach", tree, commit);
    return await use(tree, installDependencies(root, tree));
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    remove();
  }
}

/**
 * The old tree's cases, each with the reason it was still pending there (or
 * undefined): its own workloads index says which cases it has, and its own src/
 * which modules they could load.
 */
async function oldCases(tree: string): Promise<Map<string, string | undefined>> {
  const index = pathToFileURL(join(tree, "bench/.build/bench/workloads/index.js")).href;
  const { cases } = (await import(index)) as { cases: Pick<Case, "id" | "needs">[] };
  return new Map(cases.map((c) => [c.id, pendingReason(c, tree)]));
}

/** Runs the old slot's process and the new slot's back to back: the old one first in even rounds, second in odd ones. */
async function runPair(oldChild: ChildCommand, newChild: ChildCommand, id: string, round: number, options: BaselineOptions): Promise<Pair> {
  const run = (child: ChildCommand) => runChild(child, id, options.mode, options.timeoutMs);
  if (round % 2 === 0) {
    const old = await run(oldChild);
    return { old, new: await run(newChild) };
  }
  const newRun = await run(newChild);
  return { old: await run(oldChild), new: newRun };
}

/** Folds a case's rounds into its ratio and verdict. */
function judge(id: string, rounds: Round[]): BaselineCase {
  const olds = rounds.map((r) => r.pair.old);
  const news = rounds.flatMap((r) => [r.pair.new, r.aa.old, r.aa.new]);
  const base = { id, pairRatios: [] as number[], aaRatios: [] as number[] };
  if ([...olds, ...news].every((run) => run.status === "overflow")) {
    return { ...base, verdict: "same", detail: "stack overflow in both trees, as before" };
  }
  const oldFailure = olds.find((run) => !ok(run));
  const newFailure = news.find((run) => !ok(run));
  if (oldFailure !== undefined || newFailure !== undefined) {
    const sides = [oldFailure && `old: ${failureText(oldFailure)}`, newFailure && `new: ${failureText(newFailure)}`];
    return { ...base, verdict: "failed", detail: sides.filter((side) => side !== undefined).join("; ") };
  }
  const pairRatios = rounds.map((r) => ratioOf(r.pair)!);
  const aaRatios = rounds.map((r) => ratioOf(r.aa)!);
  const ratio = median(pairRatios);
  const aaSpread: [number, number] = [Math.min(...aaRatios), Math.max(...aaRatios)];
  const verdict = ratio > 1 + threshold && ratio > aaSpread[1] ? "regression" : ratio < 1 - threshold && ratio < aaSpread[0] ? "faster" : "same";
  // ns/op is per operation, so a resized workload still compares; a rewritten one would not, and only the sizes show.
  const [oldN, newN] = [(olds[0] as ChildResult).n, (rounds[0].pair.new as ChildResult).n];
  return {
    ...base,
    verdict,
    oldNsPerOp: median(olds.map((run) => (run as ChildResult).nsPerOp!)),
    newNsPerOp: median(rounds.map((r) => (r.pair.new as ChildResult).nsPerOp!)),
    ratio,
    pairRatios,
    aaRatios,
    aaSpread,
    detail: oldN === newN ? undefined : `n differs: old ${oldN}, new ${newN}`,
  };
}

function printTable(report: BaselineReport, rounds: number): void {
  const { baseline } = report;
  const subject = baseline.subject.length > 80 ? `${baseline.subject.slice(0, 79)}…` : baseline.subject;
  console.log(`\nAgainst ${baseline.ref} = ${baseline.short} ${subject}`);
  console.log(`new ÷ old: the median over ${rounds} pairs of the new tree's time ÷ the old tree's (below 1, the new tree is faster).`);
  console.log(`A/A: the lowest and highest ratio of the new tree against itself, run the same way: the noise right now.`);
  console.log(`A regression is a ratio above ${1 + threshold} and above every A/A ratio; faster, below ${1 - threshold} and below every one.\n`);
  console.log(`${"case".padEnd(40)}${"old".padStart(10)}${"new".padStart(11)}${"new ÷ old".padStart(11)}  ${"A/A".padEnd(13)} verdict`);
  for (const c of report.cases) {
    const verdict = c.verdict === "regression" ? "REGRESSION" : c.verdict;
    if (c.ratio === undefined) {
      console.log(`${c.id.padEnd(40)}${"".padEnd(45)} ${verdict}${c.detail ? `: ${c.detail}` : ""}`);
      continue;
    }
    const times = `${formatNs(c.oldNsPerOp!).padStart(10)} ${formatNs(c.newNsPerOp!).padStart(10)}`;
    const spread = `${formatRatio(c.aaSpread![0])}–${formatRatio(c.aaSpread![1])}`;
    console.log(`${c.id.padEnd(40)}${times}${formatRatio(c.ratio).padStart(11)}  ${spread.padEnd(13)} ${verdict}${c.detail ? ` (${c.detail})` : ""}`);
  }
}

function printSummary(report: BaselineReport): void {
  const count = (verdict: Verdict) => report.cases.filter((c) => c.verdict === verdict).length;
  const regressions = report.cases.filter((c) => c.verdict === "regression");
  if (regressions.length > 0) {
    console.log(`\nREGRESSIONS against ${report.baseline.ref}:`);
    for (const c of regressions) {
      console.log(`  ${c.id}: ${formatNs(c.oldNsPerOp!)} → ${formatNs(c.newNsPerOp!)}, new ÷ old ${formatRatio(c.ratio)} (A/A ${formatRatio(c.aaSpread![0])}–${formatRatio(c.aaSpread![1])})`);
    }
  }
  const counts = [
    `${count("regression")} ${count("regression") === 1 ? "REGRESSION" : "REGRESSIONS"}`,
    `${count("faster")} faster`,
    `${count("same")} same`,
    `${count("new")} new`,
    `${count("failed")} failed`,
    `${count("pending")} pending`,
  ];
  const load = `load ${report.machine.loadAverage.start.toFixed(2)} → ${report.machine.loadAverage.end!.toFixed(2)}`;
  console.log(`\nagainst ${report.baseline.ref} (${report.baseline.short}): ${counts.join(", ")} · ${load} · ${report.durationSeconds.toFixed(0)} s`);
}

/** Runs the comparison, prints it and writes baseline.json. Regressions are reported, not failed on. */
export async function compareWithBaseline(options: BaselineOptions): Promise<void> {
  const { ref, root, mode, rounds } = options;
  const { commit, short, subject } = resolveRef(root, ref);
  const started = Date.now();
  const startedAt = new Date();
  const info = machine();
  const vers = versions();
  console.log(`Strand benchmarks · ${mode} run against ${ref} (${short}) · ${startedAt.toISOString()}`);
  console.log(`machine: ${info.cpu}, ${info.cores} cores · Node ${info.node} (V8 ${info.v8}) · load ${info.loadAverage.start.toFixed(2)}`);
  console.log(`new tree: this working tree, strand ${vers.strand}`);
  const newBuild = build(root);
  console.log(`build (new): ${newBuild.compiled} changed file(s) compiled to bench/.build in ${newBuild.seconds.toFixed(1)} s`);

  await withWorktree(root, commit, async (tree, dependencies) => {
    console.log(`old tree: ${tree}, dependencies: ${dependencies}`);
    const oldBuild = build(tree);
    console.log(`build (old): ${oldBuild.compiled} file(s) compiled in ${oldBuild.seconds.toFixed(1)} s`);
    const oldChild: ChildCommand = { args: [oldBuild.child], cwd: tree };
    const newChild: ChildCommand = { args: [newBuild.child], cwd: root };
    const inOld = await oldCases(tree);

    const settled = new Map<string, BaselineCase>();
    const compared: Case[] = [];
    for (const c of options.cases) {
      const pending = pendingReason(c, root);
      const pendingInOld = inOld.get(c.id);
      const skip = (verdict: Verdict, detail: string) => settled.set(c.id, { id: c.id, verdict, pairRatios: [], aaRatios: [], detail });
      if (pending !== undefined) skip("pending", pending);
      else if (!inOld.has(c.id)) skip("new", `not in ${ref}`);
      else if (pendingInOld !== undefined) skip("new", `pending in ${ref}: ${pendingInOld}`);
      else compared.push(c);
    }
    const method = `${rounds} rounds interleaved over the cases; per case and round an old/new process pair (old first in even rounds, new first in odd) and an A/A pair (the new tree in both slots, same order); each process as in a normal ${mode} run (child.ts); ratio: median over pairs of new ÷ old ns/op`;
    console.log(`method: ${method}`);
    console.log(`${compared.length} case(s) compared, ${rounds * compared.length * 4} processes\n`);

    const byCase = new Map<string, Round[]>();
    let done = 0;
    for (let round = 0; round < rounds; round++) {
      for (const c of compared) {
        const pair = await runPair(oldChild, newChild, c.id, round, options);
        const aa = await runPair(newChild, newChild, c.id, round, options);
        (byCase.get(c.id) ?? byCase.set(c.id, []).get(c.id)!).push({ pair, aa });
        done++;
        const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
        const time = (run: Run) => (ok(run) ? formatNs(run.nsPerOp!) : failureText(run));
        const shown = `old ${time(pair.old)} · new ${time(pair.new)} · new ÷ old ${formatRatio(ratioOf(pair))} · A/A ${formatRatio(ratioOf(aa))}`;
        console.log(`[${elapsed}s] ${String(done).padStart(3)}/${rounds * compared.length} ${c.id.padEnd(40)} ${shown}`);
      }
    }

    for (const c of compared) settled.set(c.id, judge(c.id, byCase.get(c.id)!));
    info.loadAverage.end = os.loadavg()[0];
    const report: BaselineReport = {
      generatedAt: startedAt.toISOString(),
      mode,
      durationSeconds: (Date.now() - started) / 1000,
      machine: info,
      versions: vers,
      baseline: { ref, commit, short, subject, dependencies },
      method,
      cases: options.cases.map((c) => settled.get(c.id)!),
    };
    printTable(report, rounds);
    printSummary(report);
    mkdirSync(options.out, { recursive: true });
    const file = join(options.out, "baseline.json");
    writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${file}`);
  });
}
