/**
 * The module hooks behind `strand/register`: TypeScript files lose their types
 * and modules that begin with the directive `"use durable"` are compiled (see
 * index.ts), as Node loads them.
 *
 * One implementation serves both hook APIs. Under `module.register` (Node 20 to
 * 22.14) hooks run in a loader thread and `nextResolve`/`nextLoad` return
 * promises; under `module.registerHooks` (Node ≥ 22.15) they run in-thread and
 * must return synchronously. So the hooks are synchronous code that continues
 * after a `next*` call through `then()` below, which waits only when given a promise.
 *
 * What must hold:
 * - A file under node_modules is changed only when it carries the directive.
 * - A TypeScript module with the directive is compiled from the file as written,
 *   never from another loader's output, so its function ids, version hashes and
 *   source map are the ones `strand compile` and the bundler plugin give.
 * - A TypeScript module without the directive is left to a TypeScript-aware loader
 *   further down the chain (tsx) when there is one; its types are stripped here
 *   only when what comes back is still the file as written.
 *
 * Chaining with tsx: the hooks registered last run first. With
 * `node --import tsx --import strand/register` (and `tsx --import strand/register`)
 * these hooks see each module first: a durable module is compiled here and tsx
 * never sees it; every other module goes on to tsx unchanged. (Synchronous hooks
 * run before any asynchronous ones, so under `registerHooks` this holds whatever
 * the order, as long as tsx registers asynchronously.)
 */
import { readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { LoadFnOutput, LoadHook, ResolveFnOutput, ResolveHook } from "node:module";
import { compile, CompileError } from "./index.js";
import { DIRECTIVE } from "./transform.js";

/**
 * Whether `source` may begin with the directive: true when its first statement
 * (after a BOM, a hashbang, whitespace and comments) is the directive's string.
 * Never false for a module that has the directive; the parse that follows decides.
 */
export function mayBeDurable(source: string): boolean {
  return FIRST_STATEMENT.test(source);
}

// Each alternative starts with a different character (whitespace, `//`, `/*`) and
// a comment matches only whole (to the line's end, to its first `*/`), so nothing
// backtracks into a comment: linear in the prefix it scans.
const FIRST_STATEMENT = new RegExp(`^\\uFEFF?(?:#![^\\n]*)?(?:\\s|//[^\\n]*(?![^\\n])|/\\*(?:[^*]|\\*(?!/))*\\*/)*(["'])${DIRECTIVE}\\1`);

export interface PackageScope {
  /** The nearest directory (the file's own or above) with a package.json: function ids are relative to it. */
  readonly root: string;
  /** That package.json's "type": how Node reads `.js` and `.ts` files in it. */
  readonly type: "module" | "commonjs";
}

const scopes = new Map<string, PackageScope | null>();

/** The package a file belongs to. Without any package.json above it: its directory, CommonJS (as Node reads it). */
export function packageScope(file: string): PackageScope {
  return nearestPackage(dirname(file)) ?? { root: dirname(file), type: "commonjs" };
}

/** The package scope of a directory, cached for it (null: no package.json here or above). */
function nearestPackage(dir: string): PackageScope | null {
  let scope = scopes.get(dir);
  if (scope === undefined) {
    const parent = dirname(dir);
    scope = readScope(dir) ?? (parent === dir ? null : nearestPackage(parent));
    scopes.set(dir, scope);
  }
  return scope;
}

function readScope(dir: string): PackageScope | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, "package.json"), "utf8");
  } catch {
    return undefined;
  }
  let type: unknown;
  try {
    type = (JSON.parse(text) as { type?: unknown }).type;
  } catch {
    // Node reports a malformed package.json itself when it reads it.
  }
  return { root: dir, type: type === "module" ? "module" : "commonjs" };
}

/** Whether a path lies inside a node_modules directory. */
function inNodeModules(file: string): boolean {
  return file.includes(`${sep}node_modules${sep}`);
}

/** Appends `map` to `code` as an inline source map whose source is `file`. */
function withInlineMap(code: string, map: object | null, file: string): string {
  if (map === null) return code;
  const inline = { ...map, sources: [pathToFileURL(file).href] };
  return `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(inline)).toString("base64")}\n`;
}

type MaybePromise<T> = T | Promise<T>;

/** `f(value)`, after `value` settles when it is a promise (the `module.register` chain), at once otherwise. */
function then<T, R>(value: MaybePromise<T>, f: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** `run()`, or `recover(error)` when it throws or its promise rejects. */
function attempt<T>(run: () => MaybePromise<T>, recover: (error: unknown) => MaybePromise<T>): MaybePromise<T> {
  let result: MaybePromise<T>;
  try {
    result = run();
  } catch (error) {
    return recover(error);
  }
  return result instanceof Promise ? result.catch(recover) : result;
}

const TYPESCRIPT = /\.[cm]?ts$/;
const JAVASCRIPT = /\.m?js$/;

/**
 * Resolves as Node does; when Node finds nothing for a relative, absolute or
 * `file:` specifier, tries the TypeScript file it stands for: `./a.js` → `./a.ts`
 * (`.mjs` → `.mts`, `.cjs` → `.cts`); `./a` (or `./a.service`) → `./a.ts`
 * (`./a.service.ts`), then `./a/index.ts`.
 */
export const resolve: ResolveHook = (specifier, context, nextResolve) =>
  attempt(
    () => nextResolve(specifier, context),
    (error) => {
      const code = (error as { code?: unknown } | null)?.code;
      if ((code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT") || !isPathLike(specifier)) throw error;
      // Each candidate in turn; when none resolves, Node's own error (it names the specifier as written).
      const candidates = typescriptCandidates(specifier);
      const tryFrom = (i: number): MaybePromise<ResolveFnOutput> => {
        if (i === candidates.length) throw error;
        return attempt(
          () => nextResolve(candidates[i]!, context),
          () => tryFrom(i + 1),
        );
      };
      return tryFrom(0);
    },
  );

function isPathLike(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/") || specifier.startsWith("file:") || specifier === "." || specifier === "..";
}

function typescriptCandidates(specifier: string): string[] {
  const cut = specifier.search(/[?#]/);
  const path = cut === -1 ? specifier : specifier.slice(0, cut);
  const suffix = cut === -1 ? "" : specifier.slice(cut);
  const swapped = path.replace(/\.(m|c)?js$/, (_, kind: string | undefined) => `.${kind ?? ""}ts`);
  if (swapped !== path) return [swapped + suffix];
  if (/(^|\/)\.{0,2}$/.test(path)) return [`${path.replace(/\/?$/, "/")}index.ts${suffix}`]; // ".", "..", "dir/"
  return [`${path}.ts${suffix}`, `${path}/index.ts${suffix}`];
}

/**
 * Loads `.ts`/`.mts`/`.cts` files (types stripped, compiled when they carry the
 * directive) and `.js`/`.mjs` files (compiled when they carry the directive);
 * anything else goes down the chain untouched.
 */
export const load: LoadHook = (url, context, nextLoad) => {
  if (!url.startsWith("file:")) return nextLoad(url, context);
  const file = fileURLToPath(url);
  if (TYPESCRIPT.test(file)) return loadTypeScript(url, file, context, nextLoad);
  if (JAVASCRIPT.test(file)) return then(nextLoad(url, context), (loaded) => loadJavaScript(loaded, file));
  return nextLoad(url, context);
};

type NextLoad = Parameters<LoadHook>[2];
type LoadContext = Parameters<LoadHook>[1];

function loadTypeScript(url: string, file: string, context: LoadContext, nextLoad: NextLoad): MaybePromise<LoadFnOutput> {
  const written = readFileSync(file, "utf8");
  const scope = packageScope(file);
  const format = file.endsWith(".mts") ? "module" : file.endsWith(".cts") ? "commonjs" : scope.type;
  let compiled = mayBeDurable(written) ? compileModule(written, file, scope) : undefined;
  if (compiled?.durable) return durableModule(compiled.source, file, format);
  if (inNodeModules(file)) return nextLoad(url, context);
  // A loader further down that knows TypeScript (tsx) loads the file its own way.
  // Node alone fails on `.ts` without a format (Node 20), reads it as it is
  // given one, or reports a `*-typescript` format (Node ≥ 22.6 strips types itself).
  const hint = context.format ?? format;
  return then(nextLoad(url, { ...context, format: hint }), (loaded) => {
    const text = sourceText(loaded.source);
    const asWritten = text === undefined || text === written || loaded.format === "module-typescript" || loaded.format === "commonjs-typescript";
    if (!asWritten) return loaded;
    compiled ??= compileModule(written, file, scope);
    return { format: String(loaded.format ?? hint).replace(/-typescript$/, ""), source: compiled.source };
  });
}

function loadJavaScript(loaded: LoadFnOutput, file: string): LoadFnOutput {
  // Most modules (all of node_modules, mostly) never mention the directive: a
  // byte search rules them out before any decoding.
  if (!mentionsDirective(loaded.source)) return loaded;
  const text = sourceText(loaded.source)!;
  if (!mayBeDurable(text)) return loaded;
  const compiled = compileModule(text, file, packageScope(file));
  if (!compiled.durable) return loaded;
  return durableModule(compiled.source, file, loaded.format === "module" ? "module" : "commonjs");
}

function durableModule(source: string, file: string, format: string): LoadFnOutput {
  if (format !== "module") throw notAnEsModule(file);
  return { format: "module", source, shortCircuit: true };
}

/** The error for a durable module Node would read as CommonJS: compiled code imports its run time. */
export function notAnEsModule(file: string): CompileError {
  const advice = 'a durable module must be an ES module: name it .mts (or .mjs), or set "type": "module" in its package.json';
  return new CompileError(advice, { file, line: 1, column: 0 });
}

function compileModule(source: string, file: string, scope: PackageScope): { source: string; durable: boolean } {
  let result;
  try {
    result = compile(source, { filename: file, root: scope.root });
  } catch (error) {
    throw concise(error, file);
  }
  return { source: withInlineMap(result.code, result.map, file), durable: result.durable };
}

/**
 * A compile error or a parse error is about the user's code, and its message
 * says where (`file:line:column: …`, or Babel's code frame); the compiler's own
 * frames in its stack would only bury that, so its stack is that one place.
 */
export function concise(error: unknown, file: string): unknown {
  if (!(error instanceof Error)) return error;
  const at =
    error instanceof CompileError
      ? { line: error.line, column: error.column }
      : (error as { code?: unknown }).code === "BABEL_PARSE_ERROR"
        ? (error as { loc?: { line: number; column: number } }).loc
        : undefined;
  if (at !== undefined) error.stack = `${error.name}: ${error.message}\n    at ${file}:${at.line}:${at.column + 1}`;
  return error;
}

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

function sourceText(source: LoadFnOutput["source"]): string | undefined {
  if (source === undefined || source === null) return undefined;
  return typeof source === "string" ? source : decoder.decode(source);
}

/** Whether the source contains the directive's text anywhere (false without a source: CommonJS, read by its own loader). */
function mentionsDirective(source: LoadFnOutput["source"]): boolean {
  if (source === undefined || source === null) return false;
  if (typeof source === "string") return source.includes(DIRECTIVE);
  const bytes = ArrayBuffer.isView(source) ? Buffer.from(source.buffer, source.byteOffset, source.byteLength) : Buffer.from(source);
  return bytes.includes(DIRECTIVE);
}
