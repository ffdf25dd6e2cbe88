/**
 * Compiles a tree's suite and Strand's sources to plain JavaScript in its
 * bench/.build, so the measured processes run what users of the package run
 * rather than tsx's transform of it (see lib/strand.ts for why that matters).
 * The tree is this checkout, or an earlier commit checked out by lib/baseline.ts.
 *
 * Each file is transpiled on its own with TypeScript's `transpileModule` and the
 * tree's compiler options (the project sets `isolatedModules`, so this emits
 * what `tsc` would); type checking stays `npm run typecheck`'s job. Source maps
 * point back at the .ts files, for profiles. Files whose output is newer than
 * their source are left as they are.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === ".build" || entry.name === "results" ? [] : sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/**
 * Builds `root`'s bench/.build and returns the compiled child.js to run, and how
 * many files it compiled. An earlier tree is compiled by this TypeScript, not
 * its own, so two trees compared differ only in their sources.
 */
export function build(root: string): { child: string; seconds: number; compiled: number } {
  const started = performance.now();
  const out = join(root, "bench/.build");
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, ts.sys as unknown as ts.ParseConfigFileHost);
  if (config === undefined) throw new Error(`cannot read ${join(root, "tsconfig.json")}`);
  let compiled = 0;
  for (const file of [...sources(join(root, "src")), ...sources(join(root, "bench"))]) {
    const target = join(out, relative(root, file)).replace(/\.ts$/, ".js");
    if (existsSync(target) && statSync(target).mtimeMs > statSync(file).mtimeMs) continue;
    compiled++;
    const { outputText, sourceMapText, diagnostics } = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: {
        ...config.options,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        declaration: false,
        sourceMap: true,
        sourceRoot: pathToFileURL(dirname(file)).href,
        outDir: undefined,
        rootDir: undefined,
      },
    });
    if (diagnostics !== undefined && diagnostics.length > 0) {
      throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, "\n")}`);
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
    writeFileSync(`${target}.map`, sourceMapText!);
  }
  return { child: join(out, "bench/child.js"), seconds: (performance.now() - started) / 1000, compiled };
}
