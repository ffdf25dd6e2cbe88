/**
 * What the probe sites cost when nothing listens (issue 12's "≤ 2% when off"):
 * ping-pong on this tree's build (`dist/`, from `npm run build`) against a copy
 * of it with every probe site (`if (probing.on) dispatch.…;`, the run loop's
 * `probedStep` branch, the drain's `quietDrain` note) deleted, in alternating
 * pairs of fresh processes, the order swapped each pair. It fails if any read
 * of `probing.on` is left in the stripped copy.
 *
 *   npm run build && npx tsx bench/probes-off.ts [pairs=20]
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pairs = Number(process.argv[2] ?? 20);
const dist = fileURLToPath(new URL("../dist", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "strand-probes-off-"));
const stripped = join(work, "dist");
cpSync(dist, stripped, { recursive: true });

let sites = 0;
for (const name of readdirSync(join(stripped, "core"))) {
  if (!name.endsWith(".js") || name === "probes.js") continue;
  const file = join(stripped, "core", name);
  const text = readFileSync(file, "utf8");
  const out = text
    .replace(/if \(probing\.on\)\s*dispatch\.\w+\([^;]*\);/g, () => (sites++, ";"))
    // The run loop's one check a step, and the drain's note that nobody watches.
    .replace(/if \(probing\.on\) \{\s*this\.quietDrain = false;\s*probedStep\(task\);\s*\}\s*else\s*step\(task\);/g, () => (sites++, "step(task);"))
    .replace(/this\.quietDrain = !probing\.on;/g, () => (sites++, "this.quietDrain = true;"));
  if (out.includes("probing.on")) throw new Error(`core/${name} still reads probing.on after stripping: teach this script its new site`);
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
  const child = spawnSync(process.execPath, [script, build], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(child.stderr);
  return Number(child.stdout.trim());
};

console.log(`${sites} probe sites stripped; ${pairs} pairs of processes, ping-pong, best of 25 runs each`);
const ratios: number[] = [];
for (let i = 0; i < pairs; i++) {
  const [withSites, without] = i % 2 === 0 ? [once(dist), once(stripped)] : ((b) => [once(dist), b])(once(stripped));
  ratios.push(withSites / without);
  console.log(`pair ${String(i + 1).padStart(2)}: ${withSites.toFixed(1)} ns with the sites, ${without.toFixed(1)} ns without: ${(withSites / without).toFixed(3)}`);
}
ratios.sort((a, b) => a - b);
console.log(`with ÷ without: median ${ratios[ratios.length >> 1]!.toFixed(3)} (${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}); the bar is ≤ 1.02`);
rmSync(work, { recursive: true, force: true });
