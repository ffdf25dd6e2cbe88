/**
 * Prints the README's benchmark table from a stored full run, so the table is
 * the run's, not retyped: one row per group, Strand's reference case against
 * the fastest case of each peer (its time, and that time ÷ Strand's: above 1×,
 * Strand is faster).
 *
 *   npx tsx bench/table.ts [bench/results/latest.json]
 */
import { readFileSync } from "node:fs";
import { formatNs } from "./lib/results.js";

interface StoredCase {
  id: string;
  system: string;
  status: string;
  nsPerOp?: number;
  reference?: boolean;
}
interface StoredRun {
  generatedAt: string;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; node: string; v8: string; loadAverage: { start: number; end: number } };
  groups: { name: string; cases: StoredCase[] }[];
}

const file = process.argv[2] ?? new URL("results/latest.json", import.meta.url);
const stored = JSON.parse(readFileSync(file, "utf8")) as StoredRun;

/** Raw coroutines (bench/lib/raw-coroutines.ts) get a column of their own: the least a design of Strand's shape costs. */
const isRawCoroutines = (c: StoredCase) => c.id.includes("/raw/coroutines");

const columns = [
  { system: "raw", title: "raw V8, fastest (promises, generators)", pick: (c: StoredCase) => c.system === "raw" && !isRawCoroutines(c) },
  { system: "raw", title: "raw coroutines", pick: isRawCoroutines },
  { system: "effection", title: "Effection 4", pick: (c: StoredCase) => c.system === "effection" },
  { system: "effect", title: "Effect 4", pick: (c: StoredCase) => c.system === "effect" },
  { system: "go", title: "Go (1 thread; 2 in the worker rows)", pick: (c: StoredCase) => c.system === "go" },
];

const rows: string[] = [];
for (const group of stored.groups) {
  const strand = group.cases.find((c) => c.reference && c.status === "ok" && c.nsPerOp !== undefined);
  if (strand === undefined) continue;
  const cells = columns.map(({ pick }) => {
    const times = group.cases.filter((c) => pick(c) && c.status === "ok" && c.nsPerOp !== undefined).map((c) => c.nsPerOp!);
    if (times.length === 0) return "—";
    const best = Math.min(...times);
    const ratio = best / strand.nsPerOp!;
    return `${formatNs(best)} (${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×)`;
  });
  if (cells.every((cell) => cell === "—")) continue;
  rows.push(`| ${group.name} | ${formatNs(strand.nsPerOp!)} | ${cells.join(" | ")} |`);
}

const m = stored.machine;
console.log(`| workload (per op) | Strand | ${columns.map((c) => c.title).join(" | ")} |`);
console.log(`|---|---|${columns.map(() => "---").join("|")}|`);
for (const row of rows) console.log(row);
console.log();
console.log(
  `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node} (V8 ${m.v8}); load average ${m.loadAverage.start} → ${m.loadAverage.end}; ${stored.generatedAt}.`,
);
