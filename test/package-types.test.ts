// The shipped declarations (dist/*.d.ts, built with stripInternal) must
// type-check on their own, for users who compile without skipLibCheck: a
// declaration that refers to something stripped as @internal would break their
// build. Builds the package into a temporary node_modules and compiles a user
// file against it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

test("dist/*.d.ts type-checks without skipLibCheck, as a user's compiler sees it", () => {
  const work = mkdtempSync(join(os.tmpdir(), "strand-types-"));
  try {
    const pkg = join(work, "node_modules", "strand");
    mkdirSync(pkg, { recursive: true });
    cpSync(join(root, "package.json"), join(pkg, "package.json"));
    const build = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", join(pkg, "dist")], {
      encoding: "utf8",
    });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    writeFileSync(join(work, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(
      join(work, "user.ts"),
      [
        'import { run, spawn, channel, select, onTimeout, type Task } from "strand";',
        'import { Mutex, waitAny } from "strand/sync";',
        'import { runTest } from "strand/testing";',
        'import { channel as ch2 } from "strand/channel";',
        'import { dump, dumpJSON, type TaskDump } from "strand/observe";',
        "void [run, spawn, channel, select, onTimeout, Mutex, waitAny, runTest, ch2, dump, dumpJSON];",
        "export type D = TaskDump;",
        "export type T = Task<number>;",
      ].join("\n"),
    );
    writeFileSync(
      join(work, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          lib: ["ES2022", "ESNext.Disposable", "DOM"],
          types: [],
        },
        files: ["user.ts"],
      }),
    );
    const check = spawnSync(process.execPath, [tsc, "-p", join(work, "tsconfig.json")], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
