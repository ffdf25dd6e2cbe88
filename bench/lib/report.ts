/** The run's results as text: a table per group, then the bars. */
import { formatCount, formatMemory, formatNs, formatRatio, statusText, type Report } from "./results.js";

const pad = (text: string, width: number) => (text.length > width ? text.slice(0, width - 1) + "…" : text.padEnd(width));
const lpad = (text: string, width: number) => text.padStart(width);

export function printReport(report: Report): void {
  const { groups, bars } = report;
  console.log(`\nResults: ns per operation; "÷ Strand" is that case's time ÷ Strand's reference (above 1×, Strand is faster).`);
  for (const group of groups) {
    console.log(`\n── ${group.name} (per ${group.unit}) ${"─".repeat(Math.max(0, 90 - group.name.length - group.unit.length))}`);
    for (const c of group.cases) {
      const marker = c.reference ? "▸" : " ";
      const head = `${marker} ${pad(c.system, 10)}${pad(c.variant, 58)}${lpad(formatCount(c.n), 6)}`;
      if (c.status !== "ok") {
        console.log(`${head}   ${statusText(c)}`);
        continue;
      }
      const range = `${formatNs(c.range![0])}–${formatNs(c.range![1])}`;
      const ratio = c.reference ? "ref" : c.ratio !== undefined ? formatRatio(c.ratio) : "–";
      console.log(`${head} ${lpad(formatNs(c.nsPerOp!), 10)}  ${pad(range, 20)}${lpad(ratio, 6)}  ${formatMemory(c.memory)}`);
    }
  }

  console.log(`\nThe bar (issue 4):`);
  for (const b of bars) console.log(`  ${pad(b.status === "missed" ? "MISSED" : b.status, 8)}${pad(b.bar, 100)} ${b.measured}`);
  const met = bars.filter((b) => b.status === "met").length;
  const missed = bars.filter((b) => b.status === "missed").length;
  console.log(`  ${met} met, ${missed} missed, ${bars.length - met - missed} pending`);
}
