/** Results of a run: per case, per group with its ratios, and the whole report as stored in JSON. */
import type { Case, System } from "./case.js";
import type { ChildResult } from "../child.js";
import type { Machine, Versions } from "./machine.js";
import type { Run } from "./run-child.js";

export type Status = "ok" | "overflow" | "error" | "timeout" | "pending";

export interface CaseResult {
  id: string;
  group: string;
  system: System;
  variant: string;
  unit: string;
  n: number;
  status: Status;
  /** Median over processes of each process's median ns/op. */
  nsPerOp?: number;
  /** Each process's median ns/op, in run order. */
  processMedians: number[];
  /** Lowest and highest ns/op seen: across processes, or across iterations when there was one process. */
  range?: [number, number];
  /** Memory figures (bytes per op), median over processes. */
  memory?: Record<string, number>;
  /** nsPerOp ÷ the group reference's: above 1, Strand is faster. */
  ratio?: number;
  reference?: boolean;
  /** Why it did not run, or how it failed. */
  detail?: string;
  /** Wall time of all its processes, in seconds (to keep the suite's duration in check). */
  seconds?: number;
}

export interface GroupResult {
  name: string;
  unit: string;
  /** The Strand case the ratios are taken against; absent while Strand's cases are pending. */
  reference?: string;
  cases: CaseResult[];
}

export interface BarResult {
  bar: string;
  measured: string;
  status: "met" | "missed" | "pending";
}

export interface Report {
  generatedAt: string;
  mode: "full" | "quick";
  durationSeconds: number;
  machine: Machine;
  versions: Versions;
  /** How many fresh processes each case ran in, and iterations per process. */
  method: string;
  /** What Strand code was measured: the tsc build of src/, or src/ through tsx. */
  strandSource: string;
  groups: GroupResult[];
  bars: BarResult[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/**
 * `a`'s time over `b`'s, paired by round: the median over rounds of a's process
 * over b's process of the same round, when both ran in the same rounds (two or
 * more); else the ratio of their medians. Two processes of one round ran
 * minutes apart at most, under the same load on the machine, so their ratio
 * leaves out the machine's drift from round to round, which the ratio of two
 * medians keeps (their processes' medians may come from different rounds).
 */
export function pairedRatio(a: CaseResult, b: CaseResult): number {
  const x = a.processMedians;
  const y = b.processMedians;
  if (x.length < 2 || x.length !== y.length) return a.nsPerOp! / b.nsPerOp!;
  return median(x.map((t, round) => t / y[round]));
}

/** Folds a case's process results into one. */
export function caseResult(c: Case, n: number, runs: Run[], pending?: string): CaseResult {
  const base = { id: c.id, group: c.group, system: c.system, variant: c.variant, unit: c.unit, n, processMedians: [] as number[] };
  if (pending !== undefined) return { ...base, status: "pending", detail: pending };
  const ok = runs.filter((r): r is ChildResult => r.status === "ok");
  const failed = runs.find((r) => r.status !== "ok");
  if (ok.length === 0 || failed !== undefined) {
    const detail = failed === undefined ? "no result" : "detail" in failed ? failed.detail : (failed as ChildResult).error;
    return { ...base, status: failed?.status ?? "error", detail };
  }
  const processMedians = ok.map((r) => r.nsPerOp!);
  const range: [number, number] =
    ok.length > 1 ? [Math.min(...processMedians), Math.max(...processMedians)] : [ok[0].samples[0], ok[0].samples[ok[0].samples.length - 1]];
  let memory: Record<string, number> | undefined;
  if (ok[0].probe !== undefined) {
    memory = {};
    for (const key of Object.keys(ok[0].probe)) memory[key] = median(ok.map((r) => r.probe![key]));
  }
  const seconds = ok.reduce((sum, r) => sum + r.wallMs, 0) / 1000;
  return { ...base, status: "ok", nsPerOp: median(processMedians), processMedians, range, memory, seconds };
}

/** Groups case results in order, picks each group's reference and computes the ratios. */
export function groupResults(cases: Case[], results: Map<string, CaseResult>): GroupResult[] {
  const groups = new Map<string, GroupResult>();
  for (const c of cases) {
    const result = results.get(c.id);
    if (result === undefined) continue;
    let group = groups.get(c.group);
    if (group === undefined) groups.set(c.group, (group = { name: c.group, unit: c.unit, cases: [] }));
    group.cases.push(result);
  }
  for (const group of groups.values()) {
    const candidates = cases
      .filter((c) => c.group === group.name && c.ref !== undefined && results.get(c.id)?.status === "ok")
      .sort((a, b) => a.ref! - b.ref!);
    const reference = candidates[0] === undefined ? undefined : results.get(candidates[0].id)!;
    if (reference === undefined) continue;
    group.reference = reference.id;
    reference.reference = true;
    for (const result of group.cases) {
      if (result.status === "ok") result.ratio = pairedRatio(result, reference);
    }
  }
  return [...groups.values()];
}

// ---------------------------------------------------------------------------
// Formatting

export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(3)} µs`;
  return `${ns >= 100 ? ns.toFixed(0) : ns.toPrecision(3)} ns`;
}

export function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toPrecision(2)}×`;
}

export function formatCount(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

export function formatBytes(bytes: number): string {
  return `${Math.round(bytes).toLocaleString("en-US")} B`;
}

export function formatMemory(memory: Record<string, number> | undefined): string {
  if (memory === undefined) return "";
  const parts: string[] = [];
  if (memory.liveBytesPerTask !== undefined) parts.push(`live ${formatBytes(memory.liveBytesPerTask)}/task`);
  if (memory.retainedBytesPerTask !== undefined) parts.push(`kept ${formatBytes(memory.retainedBytesPerTask)}/task`);
  if (memory.p99Ns !== undefined) parts.push(`p99 ${formatNs(memory.p99Ns)}`);
  return parts.join(", ");
}

/** What a case shows instead of a time. */
export function statusText(result: CaseResult): string {
  switch (result.status) {
    case "pending":
      return `pending: ${result.detail}`;
    case "overflow":
      return "overflow (RangeError: call stack)";
    case "timeout":
      return `timeout: ${result.detail}`;
    case "error":
      return `error: ${result.detail}`;
    default:
      return "";
  }
}
