/**
 * What the probe sites cost when nothing listens (issue 12's "≤ 2% when off"):
 * ping-pong on this tree's build (`dist/`, from `npm run build`) against a copy
 * of it with every probe site deleted (`if (probing.on) dispatch.…;`, the run
 * loop's `watched.step` branch, the drain's end of watching and its
 * `drainsUnderWay` entry), in alternating pairs of fresh processes, the order
 * swapped each pair. It fails if any read of `probing.on` is left in the
 * stripped copy.
 *
 *   npm run build && npx tsx bench/probes-off.ts [pairs=40] [V8 flags, e.g. --single-threaded]
 *
 * One process's time varies by ±5–10% with V8's choices (what it inlines, in
 * which order it optimizes), so it takes many pairs: it reports the median of
 * the pairs' ratios and the ratio of the two sides' medians.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pairs = Number(process.argv[2] ?? 40);
/** V8 flags for the measured processes: `--single-threaded` (no concurrent compiling) makes V8's choices, and so the pairs, far steadier. */
const flags = process.argv.slice(3);
const built = fileURLToPath(new URL("../dist", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "strand-probes-off-"));
// Both builds side by side, loaded alike: a copy outside the package (no
// package.json saying "module") was measured 3–4% faster than the same files
// in dist/, enough to hide or fake the whole 2%.
writeFileSync(join(work, "package.json"), `{ "type": "module" }\n`);
const dist = join(work, "with");
const stripped = join(work, "without");
cpSync(built, dist, { recursive: true });
cpSync(built, stripped, { recursive: true });

let sites = 0;
for (const name of readdirSync(join(stripped, "core"))) {
  if (!name.endsWith(".js") || name === "probes.js" || name === "watch.js") continue;
  const file = join(stripped, "core", name);
  const text = readFileSync(file, "utf8");
  const out = text
    .replace(/if \(probing\.on\)\s*(?:dispatch|watched)\.\w+\([^;]*\);/g, () => (sites++, ";"))
    // The run loop's one check a step, and the drain's note that nobody watches, its start and end of watching.
    .replace(/if \(this\.muted === UNWATCHED\)\s*step\(task\);\s*else\s*watched\.step\(this, task\);/g, () => (sites++, "step(task);"))
    .replace(/if \(this\.muted !== UNWATCHED\)\s*watched\.unwatch\(this\);/g, () => (sites++, ";"))
    .replace(/drainsUnderWay\.(?:push\(this\)|pop\(\));/g, () => (sites++, ";"));
  if (/probing\.on|\bwatched\.\w+\(|drainsUnderWay\./.test(out)) throw new Error(`core/${name} still has a probe site after stripping: teach this script its new site`);
  writeFileSync(file, out);
}

const script = join(work, "pingpong.mjs");
writeFileSync(
  script,
  `const { run, spawn, channel } = await import(process.argv[2] + "/index.js");
let ping, pong; const N = 200000;
function* player() { for (let i = 0; i < N; i++) yield* pong.send((yield* ping.receive()) + 1); }
function* main() { ping = channel(0); pong = channel(0); const p = yield* spawn(player); let v = 0;
  for (let i = 0; i < N; i++) { yield* ping.send(v); v = yield* pong.receive(); } yield* p; return v; }
const times = [];
for (let r = 0; r < 30; r++) { const s = performance.now(); await run(main); if (r >= 5) times.push((performance.now() - s) * 1e6 / N); }
console.log(Math.min(...times));`,
);

const once = (build: string): number => {
  const child = spawnSync(process.execPath, [...flags, script, build], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(child.stderr);
  return Number(child.stdout.trim());
};

console.log(`${sites} probe sites stripped; ${pairs} pairs of processes${flags.length > 0 ? ` (${flags.join(" ")})` : ""}, ping-pong, best of 25 runs each`);
const ratios: number[] = [];
const sides: [number[], number[]] = [[], []];
for (let i = 0; i < pairs; i++) {
  const [withSites, without] = i % 2 === 0 ? [once(dist), once(stripped)] : ((b) => [once(dist), b])(once(stripped));
  ratios.push(withSites / without);
  sides[0].push(withSites);
  sides[1].push(without);
  console.log(`pair ${String(i + 1).padStart(2)}: ${withSites.toFixed(1)} ns with the sites, ${without.toFixed(1)} ns without: ${(withSites / without).toFixed(3)}`);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
ratios.sort((a, b) => a - b);
console.log(
  `with ÷ without: median of the pairs ${median(ratios).toFixed(3)} (${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}); ` +
    `medians ${median(sides[0]).toFixed(1)} ÷ ${median(sides[1]).toFixed(1)} ns = ${(median(sides[0]) / median(sides[1])).toFixed(3)}; the bar is ≤ 1.02`,
);
rmSync(work, { recursive: true, force: true });
