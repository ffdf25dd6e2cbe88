#!/usr/bin/env node
/**
 * The `strand` command. `strand compile <paths...> --out-dir <dir>` compiles
 * modules ahead of time, as `strand/register` does when Node loads them: the
 * ones that begin with `"use durable"` get their generator functions compiled;
 * every other TypeScript module gets its types stripped; other JavaScript
 * modules are copied. It either writes every output or, on any error, nothing.
 *
 * Exit status: 0 done, 1 a module did not compile (or writing failed), 2 bad usage.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "../compiler/index.js";
import { mayBeDurable, notAnEsModule, packageScope } from "../compiler/hooks.js";

const USAGE = `Usage: strand compile <file or directory>... --out-dir <dir> [--root <dir>]

Compiles modules ahead of time. Modules whose first statement is "use durable"
get their generator functions compiled into durable coroutines; other
TypeScript modules get their types stripped; other JavaScript modules are
copied. The output mirrors the inputs' tree below their common directory
(.ts → .js, .mts → .mjs, .cts → .cjs), with a source map beside each compiled
file, and strand-manifest.json lists the id, version hash and output file of
every compiled function. Directories are searched for .ts, .mts, .cts, .js,
.mjs and .cjs files (not .d.ts files, node_modules or dot-directories).

Options:
  -o, --out-dir <dir>  where to write the output (required)
      --root <dir>     the package root function ids are relative to
                       (default: each file's nearest directory with a package.json)
  -h, --help           print this help
  -v, --version        print the version
`;

const MANIFEST = "strand-manifest.json";
const MODULE = /\.(?:[cm]?ts|m?js|cjs)$/;
const DECLARATION = /\.d\.[cm]?ts$/;
const OUTPUT_EXTENSION: Record<string, string> = { ".ts": ".js", ".mts": ".mjs", ".cts": ".cjs", ".js": ".js", ".mjs": ".mjs", ".cjs": ".cjs" };

/** Bad usage: reported with a pointer to --help, exit status 2. */
class UsageError extends Error {}

interface Output {
  readonly source: string;
  /** Relative to the output directory, with `/` separators (as the manifest gives it). */
  readonly file: string;
  readonly code: string | null;
  readonly map: object | null;
  readonly functions: readonly { id: string; hash: string }[];
  readonly esm: boolean;
}

process.exitCode = main(process.argv.slice(2));

function main(argv: string[]): number {
  try {
    return run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`strand: ${error.message}\nRun "strand --help" for usage.\n`);
      return 2;
    }
    throw error;
  }
}

function run(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "out-dir": { type: "string", short: "o" },
        root: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const [command, ...paths] = positionals;
  if (command === undefined) throw new UsageError("missing command: strand compile <paths...> --out-dir <dir>");
  if (command !== "compile") throw new UsageError(`unknown command "${command}" (the only command is "compile")`);
  if (paths.length === 0) throw new UsageError("compile needs at least one file or directory");
  if (values["out-dir"] === undefined) throw new UsageError("compile needs --out-dir <dir>");
  const outDir = resolve(values["out-dir"]);
  const root = values.root === undefined ? undefined : resolve(values.root);
  if (root !== undefined && !isDirectory(root)) throw new UsageError(`--root ${values.root}: not a directory`);
  return compileAll(paths, outDir, root);
}

function compileAll(paths: string[], outDir: string, root: string | undefined): number {
  const { files, base } = collect(paths, outDir);
  if (files.length === 0) throw new UsageError(`no modules (.ts, .mts, .cts, .js, .mjs, .cjs) in ${paths.join(" ")}`);
  const outputs: Output[] = [];
  const errors: string[] = [];
  for (const source of files) {
    if (root !== undefined && !isInside(source, root)) {
      errors.push(`${display(source)}: outside --root ${display(root)}; function ids are paths relative to it`);
      continue;
    }
    try {
      outputs.push(compileFile(source, base, outDir, root));
    } catch (error) {
      // A CompileError or a parse error says where in the input; anything else is a bug to report with its stack.
      const report = error instanceof SyntaxError ? error.message : error instanceof Error ? `${source}: ${error.stack}` : String(error);
      errors.push(report.replaceAll(source, display(source)));
    }
  }
  errors.push(...conflicts(outputs, outDir));
  if (errors.length > 0) {
    process.stderr.write(`${errors.join("\n")}\nstrand: ${errors.length} error${errors.length === 1 ? "" : "s"}; nothing written\n`);
    return 1;
  }
  write(outputs, outDir);
  const compiled = outputs.filter((o) => o.code !== null).length;
  const functions = outputs.reduce((n, o) => n + o.functions.length, 0);
  const copied = outputs.length - compiled;
  process.stdout.write(
    `strand: wrote ${display(outDir)}: ${plural(compiled, "module")} compiled, ${plural(copied, "module")} copied, ${plural(functions, "durable function")}\n`,
  );
  return 0;
}

/** The modules named by `paths` (sorted, each once) and the common directory the output mirrors. */
function collect(paths: string[], outDir: string): { files: string[]; base: string } {
  const files = new Set<string>();
  const tops: string[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      throw new UsageError(`${path}: no such file or directory`);
    }
    if (stats.isDirectory()) {
      tops.push(absolute);
      walk(absolute, outDir, files);
    } else if (MODULE.test(absolute) && !DECLARATION.test(absolute)) {
      tops.push(dirname(absolute));
      files.add(absolute);
    } else {
      throw new UsageError(`${path}: not a module (.ts, .mts, .cts, .js, .mjs or .cjs)`);
    }
  }
  return { files: [...files].sort(), base: tops.reduce(commonDirectory) };
}

function walk(dir: string, outDir: string, into: Set<string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // An output directory inside an input one holds earlier output, not input.
      if (entry.name !== "node_modules" && !entry.name.startsWith(".") && path !== outDir) walk(path, outDir, into);
    } else if (entry.isFile() && MODULE.test(entry.name) && !DECLARATION.test(entry.name)) {
      into.add(path);
    }
  }
}

function compileFile(source: string, base: string, outDir: string, root: string | undefined): Output {
  const extension = extname(source);
  const relativeOut = relative(base, source).slice(0, -extension.length) + OUTPUT_EXTENSION[extension];
  const file = relativeOut.split(sep).join("/");
  const scope = packageScope(source);
  const esm = extension === ".mts" || extension === ".mjs" || ((extension === ".ts" || extension === ".js") && scope.type === "module");
  const text = readFileSync(source, "utf8");
  const typescript = extension.endsWith("ts");
  if (!typescript && !mayBeDurable(text)) return { source, file, code: null, map: null, functions: [], esm };
  const result = compile(text, { filename: source, root: root ?? scope.root });
  if (!typescript && !result.durable) return { source, file, code: null, map: null, functions: [], esm };
  if (result.durable && !esm) {
    throw notAnEsModule(source);
  }
  // The map sits beside the output; its source is the input, relative to it.
  const target = join(outDir, relativeOut);
  const map = result.map === null ? null : { ...result.map, file: basename(target), sources: [relative(dirname(target), source).split(sep).join("/")] };
  const code = map === null ? result.code : `${result.code}\n//# sourceMappingURL=${basename(target)}.map\n`;
  return { source, file, code, map, functions: result.functions, esm };
}

/** An input its output would overwrite, two inputs written to one output (`a.ts` and `a.js`), or one function id defined twice. */
function conflicts(outputs: readonly Output[], outDir: string): string[] {
  const errors: string[] = [];
  const files = new Map<string, string>();
  const ids = new Map<string, string>();
  for (const output of outputs) {
    if (resolve(outDir, output.file) === output.source) errors.push(`${display(output.source)}: would be overwritten by its own output; choose another --out-dir`);
    const other = files.get(output.file);
    if (other !== undefined) errors.push(`${display(output.source)} and ${display(other)} would both be written to ${output.file}`);
    files.set(output.file, output.source);
    for (const { id } of output.functions) {
      const first = ids.get(id);
      if (first !== undefined) errors.push(`${display(output.source)}: function id ${id} is also defined in ${display(first)}; compile the two packages separately or pass --root`);
      ids.set(id, output.source);
    }
  }
  return errors;
}

function write(outputs: readonly Output[], outDir: string): void {
  const manifest: { functions: { id: string; hash: string; file: string }[] } = { functions: [] };
  const commonJs = new Set<string>();
  for (const output of outputs) {
    const target = join(outDir, ...output.file.split("/"));
    mkdirSync(dirname(target), { recursive: true });
    if (output.code === null) copyFileSync(output.source, target);
    else writeFileSync(target, output.code);
    if (output.map !== null) writeFileSync(`${target}.map`, JSON.stringify(output.map));
    for (const { id, hash } of output.functions) manifest.functions.push({ id, hash, file: output.file });
    if (output.esm && target.endsWith(".js") && packageScope(target).type !== "module") commonJs.add(output.file);
  }
  writeFileSync(join(outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  if (commonJs.size > 0) {
    // Node reads a .js file by its package's "type": these would load as CommonJS and fail on `import`.
    process.stderr.write(
      `strand: warning: ${plural(commonJs.size, "ES module")} written as .js (${[...commonJs][0]}…) outside a "type": "module" package; add a package.json with "type": "module" to ${display(outDir)} or above\n`,
    );
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function commonDirectory(a: string, b: string): string {
  while (!isInside(b, a)) a = dirname(a);
  return a;
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** A path as the user would type it: relative to the working directory when inside it. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}
