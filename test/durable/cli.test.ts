/**
 * `strand compile <paths...> --out-dir <dir>`: compiles a fixture tree
 * (test/durable/fixtures/tree/) ahead of time with the installed `strand` bin
 * (fixtures/installed.ts), checks the mirrored tree, the source maps and the
 * manifest, and runs the output with a plain `node`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { dirname, join, relative, resolve } from "node:path";
import { compile } from "../../src/compiler/index.js";
import { installedProject, repository, type Project } from "./fixtures/installed.js";

interface Manifest {
  functions: { id: string; hash: string; file: string }[];
}

/** Every file under `dir`, relative to it, with `/` separators, sorted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

describe("strand compile", () => {
  let project: Project;
  let bin: string;
  const strand = (args: readonly string[]) => project.node([bin, ...args]);

  before(() => {
    project = installedProject();
    project.copy("tree", "src");
    const pkg = JSON.parse(readFileSync(join(repository, "package.json"), "utf8")) as { bin: { strand: string } };
    bin = join(project.strand, pkg.bin.strand);
  });
  after(() => project.remove());

  test("the bin is an executable script that survives tsc with its #! line", () => {
    assert.match(readFileSync(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
  });

  describe("a tree of modules", () => {
    let out: string;
    let result: ReturnType<Project["node"]>;

    before(() => {
      out = join(project.dir, "out");
      result = strand(["compile", "src", "--out-dir", "out"]);
    });

    test("is mirrored below the inputs' directory: .ts → .js, .mts → .mjs, plain .js copied, .d.ts left out", () => {
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, "");
      assert.match(result.stdout, /4 modules compiled, 1 module copied, 2 durable functions/);
      assert.deepEqual(tree(out), [
        "counter.mjs",
        "counter.mjs.map",
        "durable/steps.js",
        "durable/steps.js.map",
        "legacy.js",
        "main.js",
        "main.js.map",
        "strand-manifest.json",
        "util/format.js",
        "util/format.js.map",
      ]);
      assert.equal(readFileSync(join(out, "legacy.js"), "utf8"), readFileSync(join(project.dir, "src", "legacy.js"), "utf8"));
    });

    test("durable modules import their run time as strand/durable; other modules have their types stripped", () => {
      assert.match(readFileSync(join(out, "durable", "steps.js"), "utf8"), /^import \{ compiled as \w+ \} from "strand\/durable";$/m);
      const format = readFileSync(join(out, "util", "format.js"), "utf8");
      assert.doesNotMatch(format, /strand\/durable|: number|type Row/);
    });

    test("each compiled file has a source map beside it, pointing at its input", () => {
      for (const file of ["main.js", "durable/steps.js", "counter.mjs", "util/format.js"]) {
        const code = readFileSync(join(out, file), "utf8");
        const name = file.split("/").pop()!;
        assert.match(code, new RegExp(`\\n//# sourceMappingURL=${name.replace(".", "\\.")}\\.map\\n$`), file);
        const map = JSON.parse(readFileSync(join(out, `${file}.map`), "utf8")) as { file: string; sources: string[]; sourcesContent: string[] };
        assert.equal(map.file, name, file);
        const source = resolve(dirname(join(out, file)), map.sources[0]!);
        assert.ok(existsSync(source), `${file}: ${map.sources[0]} exists`);
        assert.equal(map.sourcesContent[0], readFileSync(source, "utf8"), file);
      }
    });

    test("the manifest lists every durable function's id, hash and output file, as compile() gives them", () => {
      const manifest = JSON.parse(readFileSync(join(out, "strand-manifest.json"), "utf8")) as Manifest;
      const expected = [
        ["src/counter.mts", "counter.mjs"],
        ["src/durable/steps.ts", "durable/steps.js"],
      ].flatMap(([input, file]) => {
        const filename = join(project.dir, input!);
        const { functions } = compile(readFileSync(filename, "utf8"), { filename, root: project.dir });
        return functions.map(({ id, hash }) => ({ id, hash, file: file! }));
      });
      assert.deepEqual(
        manifest.functions.map((f) => f.id),
        ["src/counter.mts#countdown", "src/durable/steps.ts#steps"],
      );
      assert.deepEqual(manifest.functions, expected);
    });

    test("runs with node, the durable generators compiled", () => {
      const run = project.node(["out/main.js"]);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { durable: true, countdown: [3, 2, 1], formatted: "total=60,last=30", legacy: "legacy" });
    });

    test("runs under strand/register too: compiled output carries no directive, so it is not compiled again", () => {
      assert.ok(!readFileSync(join(out, "durable", "steps.js"), "utf8").includes('"use durable"'));
      const run = project.node(["--import", "strand/register", "out/main.js"]);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).countdown.length, 3);
    });
  });

  test("--root sets what function ids are relative to", () => {
    const result = strand(["compile", "src/durable/steps.ts", "--out-dir", "out-root", "--root", "src"]);
    assert.equal(result.status, 0, result.stderr);
    // One file: its own directory is the base of the output tree.
    const manifest = JSON.parse(readFileSync(join(project.dir, "out-root", "strand-manifest.json"), "utf8")) as Manifest;
    assert.deepEqual(
      manifest.functions.map(({ id, file }) => ({ id, file })),
      [{ id: "durable/steps.ts#steps", file: "steps.js" }],
    );
  });

  test("a module that does not compile: file:line:column, exit status 1, nothing written", () => {
    writeFileSync(join(project.dir, "bad.ts"), '"use durable";\nexport function* g(code: string) {\n  yield eval(code);\n}\n');
    const result = strand(["compile", "bad.ts", "src", "-o", "out-bad"]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^bad\.ts:3:9: direct eval inside a generator is not supported in a durable module/m);
    assert.match(result.stderr, /1 error; nothing written/);
    assert.equal(existsSync(join(project.dir, "out-bad")), false);
  });

  test("an input its output would overwrite, or two inputs with one output: exit status 1, nothing written", () => {
    const inPlace = strand(["compile", "src", "--out-dir", "src"]);
    assert.equal(inPlace.status, 1);
    assert.match(inPlace.stderr, /^src\/legacy\.js: would be overwritten by its own output; choose another --out-dir$/m);
    assert.equal(existsSync(join(project.dir, "src", "main.js")), false);

    writeFileSync(join(project.dir, "src", "util", "format.js"), "export {};\n");
    try {
      const twice = strand(["compile", "src", "--out-dir", "out-twice"]);
      assert.equal(twice.status, 1);
      assert.match(twice.stderr, /src\/util\/format\.(ts|js) and src\/util\/format\.(ts|js) would both be written to util\/format\.js/);
      assert.equal(existsSync(join(project.dir, "out-twice")), false);
    } finally {
      rmSync(join(project.dir, "src", "util", "format.js"));
    }
  });

  describe("bad usage: a message, a pointer to --help, exit status 2", () => {
    const cases: [string, string[], RegExp][] = [
      ["no command", [], /missing command/],
      ["an unknown command", ["build", "src"], /unknown command "build"/],
      ["no paths", ["compile", "--out-dir", "out"], /at least one file or directory/],
      ["no --out-dir", ["compile", "src"], /needs --out-dir/],
      ["a path that does not exist", ["compile", "nowhere", "--out-dir", "out"], /nowhere: no such file or directory/],
      ["a file that is not a module", ["compile", "package.json", "--out-dir", "out"], /package\.json: not a module/],
      ["an unknown option", ["compile", "src", "--out-dir", "out", "--watch"], /Unknown option '--watch'/],
    ];
    for (const [name, args, message] of cases) {
      test(name, () => {
        const result = strand(args);
        assert.equal(result.status, 2);
        assert.match(result.stderr, message);
        assert.match(result.stderr, /Run "strand --help" for usage/);
      });
    }
  });

  test("--help prints the usage", () => {
    const result = strand(["--help"]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^Usage: strand compile <file or directory>\.\.\. --out-dir <dir> \[--root <dir>\]/);
  });
});

describe("strand worker, inspect, cancel, retry", () => {
  let project: Project;
  let bin: string;
  const strand = (args: readonly string[]) => project.node([bin, ...args]);

  before(() => {
    project = installedProject();
    const pkg = JSON.parse(readFileSync(join(repository, "package.json"), "utf8")) as { bin: { strand: string } };
    bin = join(project.strand, pkg.bin.strand);
    writeFileSync(
      join(project.dir, "jobs.ts"),
      `"use durable";
import { sleep } from "strand";
import { step, receiveSignal } from "strand/durable/store";
export function* greet(name: string) {
  const greeting = yield* step(() => "hello, " + name);
  yield* sleep(5);
  return greeting;
}
export function* waiting() {
  return yield* receiveSignal();
}
`,
    );
    writeFileSync(
      join(project.dir, "enqueue.ts"),
      `import { openStore, start } from "strand/durable/store";
import { greet, waiting } from "./jobs.ts";
const store = await openStore("sqlite:app.db");
await start(store, greet, ["ada"], { id: "g1" });
await start(store, waiting, [], { id: "w1" });
await store.close();
`,
    );
  });
  after(() => project.remove());

  test("a worker runs a module's coroutines until SIGTERM hands the rest back; inspect shows each; cancel ends one", async () => {
    const enqueued = project.node(["--import", "strand/register", "enqueue.ts"]);
    assert.equal(enqueued.status, 0, enqueued.stderr);
    const worker = spawn(process.execPath, [bin, "worker", "jobs.ts", "--store", "sqlite:app.db", "--name", "cli-worker", "--lease", "200"], { cwd: project.dir, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    worker.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
    // Wait (on the store's state) for the greeting to complete and the waiting one to be checkpointed.
    const until = Date.now() + 30_000;
    for (;;) {
      const listed = JSON.parse(strand(["inspect", "sqlite:app.db", "--json"]).stdout) as Array<{ id: string; status: string; checkpoints: number }>;
      const byId = new Map(listed.map((row) => [row.id, row]));
      if (byId.get("g1")?.status === "completed" && (byId.get("w1")?.checkpoints ?? 0) > 0) break;
      if (Date.now() > until) assert.fail(`the worker did not get there: ${JSON.stringify(listed)}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    worker.kill("SIGTERM");
    assert.equal(await exited, 128 + 15, stderr);
    assert.match(stderr, /strand: worker cli-worker runs the durable coroutines of sqlite:app\.db/);
    const text = strand(["inspect", "sqlite:app.db"]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^g1 {2}completed {2}jobs\.ts#greet/m);
    // Where it waits: its task, then each compiled frame at the line of the yield it waits at (jobs.ts line 10: `return yield* receiveSignal()`).
    assert.match(text.stdout, /^w1 {2}runnable {2}jobs\.ts#waiting.*\n {4}.*: waits on receiveSignal\(\)\n {6}at waiting \(jobs\.ts:10:10\)$/m);
    // It has run (its checkpoint is in the store): a worker claims it at once and unwinds it.
    const cancelled = strand(["cancel", "sqlite:app.db", "w1"]);
    assert.equal(cancelled.status, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /cancelled w1 \(one that has run is unwound by a worker/);
    assert.match(strand(["inspect", "sqlite:app.db", "w1"]).stdout, /^w1 {2}runnable \(cancel requested\) {2}jobs\.ts#waiting/m);
    const unwinder = spawn(process.execPath, [bin, "worker", "jobs.ts", "--store", "sqlite:app.db", "--name", "cli-worker-2"], { cwd: project.dir, stdio: "ignore" });
    const unwound = new Promise<number | null>((resolve) => unwinder.once("exit", (code) => resolve(code)));
    try {
      for (const until = Date.now() + 30_000; !/^w1 {2}cancelled/m.test(strand(["inspect", "sqlite:app.db", "w1"]).stdout); ) {
        if (Date.now() > until) assert.fail("no worker unwound the cancelled coroutine");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      unwinder.kill("SIGTERM");
      await unwound;
    }
    assert.equal(strand(["cancel", "sqlite:app.db", "w1"]).status, 1, "ended: nothing to cancel");
    assert.equal(strand(["retry", "sqlite:app.db", "g1"]).status, 1, "not stuck: nothing to retry");
  });

  test("bad usage exits with 2 and says what is missing", () => {
    const noStore = strand(["worker", "jobs.ts"]);
    assert.equal(noStore.status, 2);
    assert.match(noStore.stderr, /worker needs --store <url>/);
    const noModule = strand(["worker", "--store", "sqlite:app.db"]);
    assert.equal(noModule.status, 2);
    assert.match(noModule.stderr, /worker needs the modules/);
    const noId = strand(["cancel", "sqlite:app.db"]);
    assert.equal(noId.status, 2);
    assert.match(noId.stderr, /cancel needs the coroutine's id/);
  });
});
