// The directory a run writes its test modules to, under node_modules/.cache/test262/.
//
// Layout of one run (`<mode>.<pid>` while running, renamed to `<mode>` at the end so
// the last run's modules stay there to inspect, and two runs at once do not collide):
//   host.mjs                       host.ts's worker module
//   package.json                   {"type": "module"}: fixtures written as .js are ESM
//   node_modules/strand/           the runtime package, compiled mode only:
//     package.json                 exports "./durable" -> ./src/durable/index.js
//     src/**.js                    src/**.ts, type-stripped
//   test/.../name.js.mjs           one wrapped (and compiled) module per test
//
// Compiled modules import their runtime as the bare specifier "strand/durable". Node
// resolves it from the test module upward to node_modules/strand/ here, so compiled
// output is written as the compiler produced it, not rewritten. The runtime is
// type-stripped once per run with TypeScript's transpileModule so the workers need no
// TypeScript loader (tsx in a worker costs ~130 ms a test; without it a test takes ~15).

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { HOST_SOURCE } from "./host.js";
import { SetupError } from "./setup-error.js";

export class Workspace {
  readonly hostUrl: string;
  private readonly dir: string;

  /** Creates `<cacheDir>/<mode>.<pid>`; with `repo`, also the runtime package built from `<repo>/src`. */
  constructor(
    private readonly cacheDir: string,
    private readonly mode: string,
    repo: string | undefined,
  ) {
    this.dir = join(cacheDir, `${mode}.${process.pid}`);
    removeAbandonedRuns(cacheDir, mode);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, "host.mjs"), HOST_SOURCE);
    writeFileSync(join(this.dir, "package.json"), '{ "type": "module" }\n');
    this.hostUrl = pathToFileURL(join(this.dir, "host.mjs")).href;
    if (repo !== undefined) buildRuntimePackage(join(repo, "src"), join(this.dir, "node_modules", "strand"));
  }

  /** Writes a test's module (and its `_FIXTURE.js` siblings, for module tests); returns its file: URL. */
  writeModule(testPath: string, code: string, fixtures: readonly { name: string; source: string }[] = []): string {
    const file = join(this.dir, testPath + ".mjs");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
    for (const fixture of fixtures) writeFileSync(join(dirname(file), fixture.name), fixture.source);
    return pathToFileURL(file).href;
  }

  /** Where `testPath`'s module is (or will be) once the run is finished. */
  finalPath(testPath: string): string {
    return join(this.cacheDir, this.mode, testPath + ".mjs");
  }

  /** `text` (a stack trace) with this run's directory named as it will be after finish(). */
  finalText(text: string): string {
    return text.split(pathToFileURL(this.dir).href).join(pathToFileURL(join(this.cacheDir, this.mode)).href).split(this.dir).join(join(this.cacheDir, this.mode));
  }

  /** Moves this run's files to `<cacheDir>/<mode>`, replacing the previous run's. */
  finish(): void {
    const final = join(this.cacheDir, this.mode);
    try {
      rmSync(final, { recursive: true, force: true });
      renameSync(this.dir, final);
    } catch (error) {
      // Another run of the same mode finished at the same moment; ours stays where it is.
      console.error(`test262: kept this run's modules in ${this.dir}: ${(error as Error).message}`);
    }
  }
}

/** Removes `<mode>.<pid>` directories left by runs whose process is gone (killed mid-run). */
function removeAbandonedRuns(cacheDir: string, mode: string): void {
  if (!existsSync(cacheDir)) return;
  for (const name of readdirSync(cacheDir)) {
    const run = new RegExp(`^${mode}\\.(\\d+)$`).exec(name);
    if (run && !isAlive(Number(run[1]))) rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Type-strips every `.ts` file of `srcDir` into `<packageDir>/src`, keeping the tree. */
function buildRuntimePackage(srcDir: string, packageDir: string): void {
  const entry = join(srcDir, "durable", "index.ts");
  if (!existsSync(entry)) throw new SetupError(`${entry} does not exist: the compiled tests have no runtime to import`);
  for (const file of listTs(srcDir)) {
    const out = join(packageDir, "src", relative(srcDir, file).replace(/\.ts$/, ".js"));
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        inlineSourceMap: true,
      },
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  const manifest = {
    name: "strand",
    private: true,
    type: "module",
    exports: { ".": "./src/index.js", "./durable": "./src/durable/index.js" },
  };
  writeFileSync(join(packageDir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTs(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

