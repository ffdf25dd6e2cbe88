// Runs every test file under test/ with Node's own runner, through tsx.
// Node 20's --test does not expand globs, so the files are listed here.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

const files = collect("test").sort();
const extra = process.argv.slice(2);
const { status } = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...extra, ...files],
  { stdio: "inherit" },
);
process.exit(status ?? 1);
