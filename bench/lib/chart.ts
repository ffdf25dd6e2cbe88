/**
 * Draws a report as an SVG: one cluster of horizontal bars per group, ns/op on a
 * shared log scale, each peer labelled with its time ÷ Strand's.
 */
import type { Report } from "./results.js";
import { formatCount, formatNs, formatRatio, statusText } from "./results.js";
import type { System } from "./case.js";

const COLORS: Record<System, string> = {
  strand: "#2563eb",
  raw: "#6b7280",
  effection: "#16a34a",
  effect: "#9333ea",
  go: "#0891b2",
  dbos: "#ea580c",
  piscina: "#ca8a04",
};

const WIDTH = 1120;
const LABEL_X = 12;
const BAR_X = 530;
const BAR_WIDTH = 420;
const ROW = 17;
const GROUP_GAP = 26;
const TOP = 148;

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + "…";
}

export function chart(report: Report): string {
  const times = report.groups.flatMap((g) => g.cases.filter((c) => c.status === "ok").map((c) => c.nsPerOp!));
  const lo = Math.floor(Math.log10(Math.max(1, Math.min(...times, 10))));
  const hi = Math.ceil(Math.log10(Math.max(...times, 1000)));
  const x = (ns: number): number => BAR_X + ((Math.log10(Math.max(ns, 10 ** lo)) - lo) / (hi - lo)) * BAR_WIDTH;

  const rows = report.groups.reduce((sum, g) => sum + g.cases.length, 0);
  const height = TOP + report.groups.length * GROUP_GAP + rows * ROW + 40;
  const out: string[] = [];
  const text = (tx: number, ty: number, body: string, attributes = "") => out.push(`<text x="${tx}" y="${ty}"${attributes ? " " + attributes : ""}>${escape(body)}</text>`);

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="ui-sans-serif, system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  );
  const m = report.machine;
  const v = report.versions;
  text(LABEL_X, 22, `Strand benchmarks: time per operation, log scale. (k×) = that system's time ÷ Strand's: above 1×, Strand is faster`, `font-size="14" font-weight="bold"`);
  text(LABEL_X, 40, `${report.generatedAt} · ${report.mode} run in ${Math.round(report.durationSeconds)} s · 1-minute load average ${m.loadAverage.start.toFixed(1)} → ${m.loadAverage.end?.toFixed(1) ?? "?"}`);
  text(LABEL_X, 55, report.method);
  text(LABEL_X, 70, `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · ${m.os}, Linux ${m.kernel} · Node ${m.node} (V8 ${m.v8})`);
  text(LABEL_X, 85, `strand ${v.strand}: ${report.strandSource} · effect ${v.effect} · effection ${v.effection} · mitata ${v.mitata}`);
  let lx = LABEL_X;
  for (const system of Object.keys(COLORS) as System[]) {
    out.push(`<rect x="${lx}" y="97" width="10" height="10" fill="${COLORS[system]}"/>`);
    text(lx + 14, 106, system === "raw" ? "raw V8 / promises" : system);
    lx += 130;
  }

  // Grid: one line per power of ten.
  const gridBottom = height - 30;
  for (let p = lo; p <= hi; p++) {
    const gx = x(10 ** p);
    out.push(`<line x1="${gx}" y1="${TOP - 14}" x2="${gx}" y2="${gridBottom}" stroke="#e5e7eb"/>`);
    text(gx, TOP - 18, formatNs(10 ** p), `text-anchor="middle" fill="#6b7280"`);
    text(gx, gridBottom + 12, formatNs(10 ** p), `text-anchor="middle" fill="#6b7280"`);
  }

  let y = TOP;
  for (const group of report.groups) {
    y += GROUP_GAP - 8;
    text(LABEL_X, y, `${group.name} (per ${group.unit})`, `font-weight="bold" font-size="12"`);
    y += 8;
    for (const c of group.cases) {
      const label = `${c.system}${c.reference ? " (ref)" : ""} · ${truncate(c.variant, 64)} · n=${formatCount(c.n)}`;
      text(LABEL_X + 8, y + 12, label, c.reference ? `font-weight="bold"` : "");
      if (c.status === "ok") {
        const width = Math.max(1, x(c.nsPerOp!) - BAR_X);
        out.push(`<rect x="${BAR_X}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 5}" fill="${COLORS[c.system]}"${c.reference ? "" : ` fill-opacity="0.8"`}/>`);
        const ratio = c.ratio !== undefined && !c.reference ? ` (${formatRatio(c.ratio)})` : "";
        text(BAR_X + width + 4, y + 12, `${formatNs(c.nsPerOp!)}${ratio}`);
      } else {
        const color = c.status === "pending" ? "#9ca3af" : "#dc2626";
        text(BAR_X + 4, y + 12, truncate(statusText(c), 90), `fill="${color}" font-style="italic"`);
      }
      y += ROW;
    }
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
