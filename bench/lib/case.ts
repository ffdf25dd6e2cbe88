/**
 * What a benchmark case is: one workload, on one system, written the way a user
 * of that system would write it. The runner (run.ts) starts a fresh process per
 * case (child.ts), which loads only that case's system and measures it.
 */

/** The systems compared. Strand is the reference every ratio is taken against. */
export type System = "strand" | "raw" | "effection" | "effect" | "go" | "dbos" | "piscina";

/** Strand modules some workloads need; a case needing a missing one is reported as pending. */
export type Feature = "channel" | "select" | "mutex" | "durable" | "worker" | "monitor";

/** A size for the full run and one for `--quick`. */
export interface Sizes {
  full: number;
  quick: number;
}

/** One iteration's outcome: nothing (the runner timed it), or the time it measured itself. */
export type IterationResult = void | { ns: number };

/** A loaded case: everything the measured iterations need, already imported. */
export interface Bench {
  /**
   * Runs the workload once with `n` operations. Cases that must exclude set-up
   * from the time (building a 10,000-deep chain of frames) measure themselves
   * and return `{ ns }`; set `selfTimed`.
   */
  run(n: number): Promise<IterationResult> | IterationResult;
  selfTimed?: boolean;
  /** An untimed run after the timed ones, returning memory figures (bytes per op). */
  probe?(n: number): Promise<Record<string, number>>;
  /** Releases what `load()` started (a database server) before the process exits. */
  close?(): Promise<void>;
}

export interface Case {
  /** Unique and stable: `workload/system/variant`. Used by `--filter` and in the JSON. */
  id: string;
  /** The comparison this case belongs to: its row in the table and cluster in the chart. */
  group: string;
  system: System;
  /** What API the case uses, in a few words. */
  variant: string;
  /** What one operation is ("resume", "round trip", "task"...). */
  unit: string;
  /** Operations per iteration. Slow peers run fewer; ns/op stays comparable. */
  n: Sizes;
  /**
   * Strand's reference case for its group, with a preference: when several
   * Strand cases could be the reference (one still pending), the available one
   * with the lowest number is used.
   */
  ref?: number;
  /** Strand modules the case needs; without them it is skipped as pending. */
  needs?: Feature[];
  /** Slow cases run in one process only (one round), unless they set `procs`. */
  slow?: boolean;
  /**
   * Processes in a full run when the default (3) leaves the median as noisy as
   * the margin of a bar the case is judged by (a bar comparing two of Strand's
   * own cases a few percent apart). `--procs` overrides it.
   */
  procs?: number;
  /** Timed iterations per process in a full run, when the default (3) would take too long. */
  iterations?: number;
  /**
   * Extra untimed iterations before measuring, for small workloads whose single
   * warm-up iteration would leave the code not yet optimized by the JIT.
   */
  warmups?: number;
  /** Left out of `--quick`. */
  full?: boolean;
  /** Shown in the report under the group. */
  note?: string;
  /** Imports what the case needs and returns its runner. */
  load(): Promise<Bench>;
}

/** Scales a full-run size down for `--quick`, keeping at least `min`. */
export function sizes(full: number, quickDivisor = 10, min = 1): Sizes {
  return { full, quick: Math.max(min, Math.round(full / quickDivisor)) };
}

/** Fails loudly when a workload computed the wrong answer: a benchmark that does no work measures nothing. */
export function check(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Post-GC heap in use, in bytes (needs --expose-gc; the child is started with it). */
export function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("memory probes need node --expose-gc");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
