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
       strand worker <module>... --store <url> [--concurrency <n>] [--lease <ms>] [--name <name>]
       strand inspect <store url> [<id>] [--json]
       strand cancel <store url> <id>
       strand retry <store url> <id>
       strand monitor <url> [--tty | --web] [--port <n>] [--no-open] [--once] [--state <s>] [--search <text>]

compile: compiles modules ahead of time. Modules whose first statement is "use durable"
get their generator functions compiled into durable coroutines; other
TypeScript modules get their types stripped; other JavaScript modules are
copied. The output mirrors the inputs' tree below their common directory
(.ts → .js, .mts → .mjs, .cts → .cjs), with a source map beside each compiled
file, and strand-manifest.json lists the id, version hash and output file of
every compiled function. Directories are searched for .ts, .mts, .cts, .js,
.mjs and .cjs files (not .d.ts files, node_modules or dot-directories).

worker: loads the modules (compiling "use durable" ones, as strand/register
does) and runs the durable coroutines of the store (strand/durable/store)
until SIGINT or SIGTERM, which hands the ones still running back to the store.

inspect: lists the store's durable coroutines (or one): status, worker, claims,
checkpoints, steps, snapshot size, where each is suspended, and any problem.
cancel: cancels a coroutine. retry: makes a stuck coroutine (its code had
changed) runnable again, for a worker running code that can resume it.

monitor: watches a program that serves its tasks and metrics with serve()
from strand/observe/serve (or STRAND_MONITOR_PORT=<port> node --import
strand/observe/serve app.js). <url> is what serve() printed, host:port, or a
port on this machine. By default a local page (127.0.0.1) shows the live task
tree, the waits, and each channel's throughput and buffer over time, and a
browser is opened at it; with --tty, or when there is no display, the
terminal shows them instead.

Options:
  -o, --out-dir <dir>  where to write the output (compile; required)
      --store <url>    the store, e.g. sqlite:./app.db (worker; required)
      --concurrency <n>  coroutines a worker runs at once (default 16)
      --lease <ms>     a worker's lease on each coroutine (default 30000)
      --name <name>    the worker's name in the store
      --json           inspect: print JSON
      --tty            monitor: the terminal view
      --web            monitor: the web page, even without a display
      --port <n>       monitor: the local page's port (default: any free one)
      --no-open        monitor: serve the page without opening a browser
      --once           monitor: print one terminal frame and exit
      --state <s>      monitor (terminal): only tasks in this state or activity
                       (ready, parked, executing, closing, cancelling…)
      --search <text>  monitor (terminal): only tasks whose name, wait or frames contain it
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`strand: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

async function main(argv: string[]): Promise<number | undefined> {
  try {
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`strand: ${error.message}\nRun "strand --help" for usage.\n`);
      return 2;
    }
    throw error;
  }
}

async function run(argv: string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "out-dir": { type: "string", short: "o" },
        root: { type: "string" },
        store: { type: "string" },
        concurrency: { type: "string" },
        lease: { type: "string" },
        name: { type: "string" },
        json: { type: "boolean" },
        tty: { type: "boolean" },
        web: { type: "boolean" },
        port: { type: "string" },
        "no-open": { type: "boolean" },
        once: { type: "boolean" },
        state: { type: "string" },
        search: { type: "string" },
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
  if (command === undefined) throw new UsageError("missing command: strand compile | worker | inspect | cancel | retry | monitor");
  if (command === "worker") return worker(paths, values);
  if (command === "monitor") return monitorCommand(paths, values);
  if (command === "inspect" || command === "cancel" || command === "retry") return storeCommand(command, paths, values.json === true);
  if (command !== "compile") throw new UsageError(`unknown command "${command}" (commands: compile, worker, inspect, cancel, retry, monitor)`);
  if (paths.length === 0) throw new UsageError("compile needs at least one file or directory");
  if (values["out-dir"] === undefined) throw new UsageError("compile needs --out-dir <dir>");
  const outDir = resolve(values["out-dir"]);
  const root = values.root === undefined ? undefined : resolve(values.root);
  if (root !== undefined && !isDirectory(root)) throw new UsageError(`--root ${values.root}: not a directory`);
  return compileAll(paths, outDir, root);
}

/** `strand worker <modules> --store <url>`: runs the store's durable coroutines until a signal. */
async function worker(modules: string[], values: { store?: string; concurrency?: string; lease?: string; name?: string }): Promise<undefined> {
  if (modules.length === 0) throw new UsageError("worker needs the modules that define the durable coroutines: strand worker <module>... --store <url>");
  if (values.store === undefined) throw new UsageError("worker needs --store <url>, e.g. --store sqlite:./app.db");
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isSafeInteger(concurrency) && concurrency >= 1)) throw new UsageError(`--concurrency ${values.concurrency}: a whole number ≥ 1`);
  const lease = values.lease === undefined ? undefined : Number(values.lease);
  if (lease !== undefined && !(lease >= 10)) throw new UsageError(`--lease ${values.lease}: milliseconds ≥ 10`);
  await import("../compiler/register.js"); // "use durable" modules compile as they load
  const { pathToFileURL } = await import("node:url");
  for (const module of modules) {
    const path = resolve(module);
    if (!existsSync(path)) throw new UsageError(`${module}: no such file`);
    await import(pathToFileURL(path).href);
  }
  const { openStore, runWorker } = await import("../durable/store/index.js");
  const { main } = await import("../main.js");
  const store = await openStore(values.store);
  const name = values.name ?? `worker-${process.pid}`;
  process.stderr.write(`strand: worker ${name} runs the durable coroutines of ${values.store} (${modules.join(", ")}); SIGINT or SIGTERM stops it\n`);
  try {
    await main(() => runWorker({ store, name, ...(concurrency === undefined ? {} : { concurrency }), ...(lease === undefined ? {} : { lease }) }), { name: "worker" });
  } finally {
    await store.close();
  }
  return undefined;
}

/** `strand monitor <url>`: the live view of a program running serve() (cli/monitor.ts). */
async function monitorCommand(
  args: string[],
  values: { tty?: boolean; web?: boolean; port?: string; "no-open"?: boolean; once?: boolean; state?: string; search?: string },
): Promise<number> {
  if (args.length !== 1) throw new UsageError("monitor needs one url, the one serve() printed: strand monitor http://127.0.0.1:9300");
  if (values.tty === true && values.web === true) throw new UsageError("monitor: --tty and --web exclude each other");
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!(Number.isSafeInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`--port ${values.port}: a port number from 0 to 65535`);
  const { monitor, monitorUrl } = await import("./monitor.js");
  let target;
  try {
    target = monitorUrl(args[0]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return monitor(target, {
    tty: values.tty === true,
    web: values.web === true,
    open: values["no-open"] !== true,
    once: values.once === true,
    port,
    state: values.state,
    search: values.search,
  });
}

/** `strand inspect|cancel|retry <url> [id]`. */
async function storeCommand(command: "inspect" | "cancel" | "retry", args: string[], json: boolean): Promise<number> {
  const [url, id] = args;
  if (url === undefined) throw new UsageError(`${command} needs the store's url, e.g. strand ${command} sqlite:./app.db${command === "inspect" ? "" : " <id>"}`);
  if (command !== "inspect" && id === undefined) throw new UsageError(`${command} needs the coroutine's id: strand ${command} <url> <id>`);
  const { openStore, inspect, cancel, retryStuck } = await import("../durable/store/index.js");
  const store = await openStore(url);
  try {
    if (command === "cancel") {
      const done = await cancel(store, id!);
      process.stdout.write(done ? `cancelled ${id} (one that has run is unwound by a worker: its finally blocks run there)\n` : `${id} has ended or does not exist: nothing to cancel\n`);
      return done ? 0 : 1;
    }
    if (command === "retry") {
      const done = await retryStuck(store, id!);
      process.stdout.write(done ? `${id} is runnable again\n` : `${id} is not stuck: nothing to retry\n`);
      return done ? 0 : 1;
    }
    const rows = await inspect(store, id);
    if (id !== undefined && rows.length === 0) {
      process.stderr.write(`strand: no durable coroutine ${JSON.stringify(id)} in ${url}\n`);
      return 1;
    }
    if (json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    for (const row of rows) {
      process.stdout.write(
        `${row.id}  ${row.status}${row.cancelRequested ? " (cancel requested)" : ""}  ${row.fn}` +
          `${row.owner !== null ? `  on ${row.owner}` : ""}  claims ${row.fence}  checkpoints ${row.checkpoints}  steps ${row.steps}  snapshot ${row.snapshotBytes} B\n` +
          (row.suspendedAt !== null && (row.status === "running" || row.status === "runnable" || row.status === "stuck") ? row.suspendedAt.split("\n").map((line) => `    ${line}\n`).join("") : "") +
          (row.problem !== null ? `    problem: ${row.problem}\n` : ""),
      );
    }
    if (rows.length === 0) process.stdout.write("no durable coroutines\n");
    return 0;
  } finally {
    await store.close();
  }
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
