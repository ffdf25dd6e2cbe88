/**
 * Profiles one case: runs it in a fresh process with the V8 CPU profiler on
 * during the measured iterations (like `node --cpu-prof`, without start-up and
 * module loading; frames mapped to the TypeScript sources), prints the functions
 * with the most self time and the same per file, and deletes the profile unless
 * told to keep it (`--keep x.cpuprofile` opens in Chrome DevTools).
 *
 *   npx tsx bench/profile.ts spawn/strand/idle            # full size
 *   npx tsx bench/profile.ts spawn/strand/idle --quick --top 40
 *   npx tsx bench/profile.ts pingpong/strand/channel --keep /tmp/pingpong.cpuprofile
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "./lib/build.js";
import { summarize, type CpuProfile } from "./lib/profiling.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: "boolean", default: false },
    top: { type: "string", default: "25" },
    keep: { type: "string" },
    tsx: { type: "boolean", default: false },
  },
});
const id = positionals[0];
if (id === undefined) {
  console.error("usage: tsx bench/profile.ts <case id> [--quick] [--top N] [--keep file.cpuprofile] [--tsx]");
  process.exit(2);
}

const dir = mkdtempSync(join(os.tmpdir(), "strand-profile-"));
const file = join(dir, "case.cpuprofile");
const root = fileURLToPath(new URL("../", import.meta.url));
const child = spawnSync(
  process.execPath,
  [
    "--enable-source-maps",
    "--expose-gc",
    ...(values.tsx ? ["--import", "tsx", fileURLToPath(new URL("child.ts", import.meta.url))] : [build(root).child]),
    id,
    values.quick ? "quick" : "full",
  ],
  { cwd: root, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", env: { ...process.env, STRAND_BENCH_PROFILE: file } },
);
console.log(child.stdout.split("\n").find((line) => line.startsWith("RESULT "))?.slice(0, 300) ?? child.stdout.slice(-500));
if (!existsSync(file)) throw new Error("the case wrote no profile (did it fail?)");
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
if (values.keep !== undefined) copyFileSync(file, values.keep);
rmSync(dir, { recursive: true, force: true });

console.log(`\n${id}:`);
console.log(summarize(profile, Number(values.top)));
