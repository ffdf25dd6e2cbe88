/**
 * Coroutine snapshots across processes and versions: a coroutine saved in one
 * process resumes in another; a changed function fails the restore with
 * VersionMismatch naming it and where it stopped, unless a migration maps it;
 * an unrelated edit in the same module does not matter.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { pathToFileURL, fileURLToPath } from "node:url";
import { compile } from "../../src/compiler/index.js";
import { Coroutine } from "../../src/coroutine.js";
import { restoreCoroutine, snapshotCoroutine, SnapshotError } from "../../src/durable/index.js";

const src = (path: string): string => pathToFileURL(fileURLToPath(new URL(`../../src/${path}`, import.meta.url))).href;

/** Writes `source` compiled as `<dir>/<name>.mjs` (function ids relative to dir). */
function writeCompiled(dir: string, name: string, source: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, compile(source, { filename: join(dir, "workflow.ts"), root: dir, runtime: src("durable/index.ts"), sourceMaps: false }).code);
  return file;
}

/** Runs a script in a fresh Node process (with tsx, for the TypeScript run time); returns its stdout. */
function runProcess(dir: string, script: string): { stdout: string; stderr: string; status: number | null } {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  const result = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", cwd: fileURLToPath(new URL("../../", import.meta.url)) });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

const V1 = `"use durable";
export function* steps(start) {
  let total = start;
  for (let i = 0; i < 3; i++) {
    const got = yield { step: i, total };
    total += got;
  }
  return total;
}
export function unrelated() { return 1; }
`;

/** Saves a coroutine over steps(100) after two steps (sent 5, then 7 pending) into bytes.bin. */
function saveScript(module: string, bytesFile: string): string {
  return `
import { Coroutine } from ${JSON.stringify(src("coroutine.ts"))};
import { snapshotCoroutine } from ${JSON.stringify(src("durable/index.ts"))};
import { writeFileSync } from "node:fs";
const { steps } = await import(${JSON.stringify(pathToFileURL(module).href)});
const c = new Coroutine(() => steps(100));
c.next(); c.send(5); c.next(); c.send(7);
writeFileSync(${JSON.stringify(bytesFile)}, snapshotCoroutine(c));
console.log(JSON.stringify(c.recv()));
`;
}

/** Restores bytes.bin, drives it to the end, prints what it saw (or the error). */
function restoreScript(module: string, bytesFile: string, migrations = "undefined"): string {
  return `
import { Coroutine } from ${JSON.stringify(src("coroutine.ts"))};
import { restoreCoroutine } from ${JSON.stringify(src("durable/index.ts"))};
import { readFileSync } from "node:fs";
await import(${JSON.stringify(pathToFileURL(module).href)});
try {
  const c = restoreCoroutine(readFileSync(${JSON.stringify(bytesFile)}), { migrations: ${migrations} });
  const seen = [];
  while (c.next()) { seen.push(c.recv()); c.send(1000); }
  console.log(JSON.stringify({ seen, result: c.result }));
} catch (error) {
  console.log(JSON.stringify({ error: error.name, message: error.message }));
}
`;
}

describe("coroutine snapshots", () => {
  it("resume in another process where they stopped, with the value sent before the snapshot", () => {
    const dir = mkdtempSync(join(tmpdir(), "strand-snap-"));
    const module = writeCompiled(dir, "v1", V1);
    const bytes = join(dir, "bytes.bin");
    const saved = runProcess(dir, saveScript(module, bytes));
    assert.equal(saved.status, 0, saved.stderr);
    assert.deepEqual(JSON.parse(saved.stdout), { step: 1, total: 105 });
    const restored = runProcess(dir, restoreScript(module, bytes));
    assert.equal(restored.status, 0, restored.stderr);
    // 7 was sent before the snapshot: total 112 at step 2, then 1000 more.
    assert.deepEqual(JSON.parse(restored.stdout), { seen: [{ step: 2, total: 112 }], result: 1112 });
  });

  it("an edit elsewhere in the module does not matter; a changed function fails with VersionMismatch naming it and where it stopped", () => {
    const dir = mkdtempSync(join(tmpdir(), "strand-snap-"));
    const v1 = writeCompiled(dir, "v1", V1);
    const bytes = join(dir, "bytes.bin");
    assert.equal(runProcess(dir, saveScript(v1, bytes)).status, 0);

    const unrelatedEdit = writeCompiled(dir, "v1b", V1.replace("return 1;", "return 2; /* edited */"));
    assert.deepEqual(JSON.parse(runProcess(dir, restoreScript(unrelatedEdit, bytes)).stdout), { seen: [{ step: 2, total: 112 }], result: 1112 });

    const changed = writeCompiled(dir, "v2", V1.replace("total += got;", "total += got * 2;"));
    const out = JSON.parse(runProcess(dir, restoreScript(changed, bytes)).stdout) as { error: string; message: string };
    assert.equal(out.error, "VersionMismatch");
    assert.match(out.message, /workflow\.ts#steps \(stopped at resume point \d+/);
  });

  it("a migration maps a changed function's frame to the new code", () => {
    const dir = mkdtempSync(join(tmpdir(), "strand-snap-"));
    const v1 = writeCompiled(dir, "v1", V1);
    const bytes = join(dir, "bytes.bin");
    assert.equal(runProcess(dir, saveScript(v1, bytes)).status, 0);
    // v2 doubles what it receives; the migration keeps the resume point and halves the total so far.
    const v2 = writeCompiled(dir, "v2", V1.replace("total += got;", "total += got * 2;"));
    const migrations = `{ ${JSON.stringify("workflow.ts#steps")}: ({ ip, locals }) => ({ ip, locals: { ...locals, total: locals.total / 2 } }) }`;
    const out = JSON.parse(runProcess(dir, restoreScript(v2, bytes, migrations)).stdout) as { seen: unknown[]; result: number };
    // total 105 → 52.5; the pending 7 is received by the new code (×2): 66.5 at step 2; then 1000×2.
    assert.deepEqual(out, { seen: [{ step: 2, total: 66.5 }], result: 2066.5 });
  });

  it("refuses coroutines over plain generators, and bytes that are not a snapshot", () => {
    const c = new Coroutine(function* () {
      yield 1;
    });
    c.next();
    assert.throws(() => snapshotCoroutine(c as Coroutine<unknown, unknown, unknown>), (error: unknown) => error instanceof SnapshotError && /not compiled/.test(error.message));
    assert.throws(() => restoreCoroutine(new Uint8Array([1, 2, 3])), SnapshotError);
    assert.throws(() => snapshotCoroutine({} as never), TypeError);
    assert.throws(() => restoreCoroutine("bytes" as never), TypeError);
  });

  it("a flipped bit anywhere in a snapshot is a SnapshotError, never a different state", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strand-snap-"));
    const module = writeCompiled(dir, "flip", V1.replaceAll("workflow", "flip"));
    const { steps } = (await import(pathToFileURL(module).href)) as { steps: (n: number) => Generator<unknown, number, number> };
    const c = new Coroutine(() => steps(1));
    c.next();
    const bytes = snapshotCoroutine(c as Coroutine<unknown, unknown, unknown>);
    for (let bit = 0; bit < bytes.length * 8; bit += 7) {
      const copy = bytes.slice();
      copy[bit >> 3]! ^= 1 << (bit & 7);
      assert.throws(() => restoreCoroutine(copy), SnapshotError, `bit ${bit}`);
    }
    void readFileSync;
  });
});
