/**
 * Which test files run on which runtime: the one place to extend when a subpath
 * or a test folder is added. Entries are files or folders (every `*.test.ts` under
 * a folder, recursively), relative to the repository root.
 *
 * - `portable`: the core and the portable primitives (they import no Node
 *   built-in), run unchanged on Node 20/22/24, Bun, Deno and headless Chromium.
 * - `nodeOnly`: parts that need Node (I/O handles, the IPC bridge, the loader,
 *   the SQLite store), run on Node 22 and 24 as well (Node 20 runs them in
 *   `npm test`).
 * - `exclude`: files under a listed folder that cannot run there, each with why.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export interface Suite {
  readonly include: readonly string[];
  readonly exclude: Readonly<Record<string, string>>;
}

const spawnsProcesses = "spawns Node child processes to watch signals and exit codes";

export const portable: Suite = {
  include: [
    "test/actor.test.ts",
    "test/core",
    "test/channel",
    "test/sync",
    "test/observe/leaks.test.ts",
    "test/observe/metrics.test.ts",
    "test/durable/serialize.test.ts",
    "test/durable/serialize-fuzz.test.ts",
    "test/examples/counter.test.ts",
    "test/examples/generator.test.ts",
    "test/examples/ping-pong.test.ts",
    "test/examples/pipeline-deadline.test.ts",
  ],
  exclude: {
    "test/core/deadlock.test.ts": spawnsProcesses,
    "test/core/defects.test.ts": spawnsProcesses,
    "test/core/main.test.ts": spawnsProcesses,
    "test/sync/exports.test.ts": "reads the package's files with node:fs",
  },
};

/** Portable files the browser cannot run: they check against a Node built-in. */
export const browserExclude: Readonly<Record<string, string>> = {
  "test/durable/serialize.test.ts": "checks the HMAC against node:crypto's",
  "test/core/interop.test.ts": "wraps node:events' EventEmitter",
  "test/examples/counter.test.ts": "the example program imports node:url",
  "test/examples/generator.test.ts": "the example program imports node:url",
  "test/examples/ping-pong.test.ts": "the example program imports node:url",
  "test/examples/pipeline-deadline.test.ts": "the example program imports node:url",
};

/**
 * Single tests the browser cannot run, by full name (file > suite > test): the
 * bundle puts every module in one file, so a stack line cannot name the test's.
 */
export const browserSkipTests: Readonly<Record<string, string>> = {
  "test/core/frames.test.ts > frames > debug mode records where each frame was entered": "a bundle's stack lines name the bundle, not the test file",
};

export const nodeOnly: Suite = {
  include: [
    "test/io",
    "test/ipc",
    "test/node",
    "test/worker",
    "test/observe/serve.test.ts",
    "test/durable/loader.test.ts",
  ],
  exclude: {},
};

/**
 * The store on Node 22 and 24, where SQLite is node:sqlite (better-sqlite3 is
 * built for Node 20): its behaviours, the changed-code checks and the workers
 * killed with SIGKILL, run apart with a name pattern. Left out: PostgreSQL
 * (plain JavaScript, run on Node 20) and the tests of several workers on it.
 */
export const nodeStore = {
  file: "test/durable/store.test.ts",
  pattern: "^(durable execution on SQLite|changed code|killed workers)",
  env: { STRAND_STORES: "sqlite" },
} as const;

/** The files of `suite`, sorted, less `extraExclude`. */
export function files(suite: Suite, extraExclude: Readonly<Record<string, string>> = {}): string[] {
  const found = suite.include.flatMap((entry) => (statSync(entry).isDirectory() ? collect(entry) : [entry]));
  return [...new Set(found)].filter((file) => !(file in suite.exclude) && !(file in extraExclude)).sort();
}

function collect(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}
