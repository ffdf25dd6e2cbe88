/**
 * The durable compiler: `compile(source, { filename })` turns a module whose
 * first statement is `"use durable"` into one whose generator functions are
 * compiled coroutines (see transform.ts). Other modules come back unchanged
 * (TypeScript still stripped). Node-only (Babel).
 */
import { transformFromAstSync, transformSync, type BabelFileResult } from "@babel/core";
import presetTypescript from "@babel/preset-typescript";
import { durablePlugin, type CompiledFunction, type TransformState } from "./transform.js";

import { CompileError } from "./errors.js";

export { CompileError } from "./errors.js";
export type { CompiledFunction } from "./transform.js";

export interface CompileOptions {
  /** The file's path: used in error messages, in source maps, and (relative to `root`) in function ids. */
  filename: string;
  /** The package root function ids are relative to (default: the directory of `filename`... the caller's package). */
  root?: string;
  /** Emit a source map (default true). */
  sourceMaps?: boolean;
  /** The specifier compiled code imports its run time from (default "strand/durable"). */
  runtime?: string;
}

export interface CompileResult {
  readonly code: string;
  readonly map: object | null;
  /** Whether the module had the directive (and was compiled). */
  readonly durable: boolean;
  /** The compiled generator functions: their ids and version hashes. */
  readonly functions: readonly CompiledFunction[];
}

const TYPESCRIPT = /\.[cm]?tsx?$/;

export function compile(source: string, options: CompileOptions): CompileResult {
  if (typeof source !== "string") throw new TypeError(`compile(source, options): source must be a string, got ${typeof source}`);
  if (options === null || typeof options !== "object" || typeof options.filename !== "string") {
    throw new TypeError("compile(source, options): options.filename must be a string");
  }
  const filename = options.filename;
  const root = options.root;
  const modulePath = relativePath(filename, root);
  const state: TransformState = { modulePath, file: filename, runtime: options.runtime ?? "strand/durable", durable: false, functions: [] };
  const sourceMaps = options.sourceMaps ?? true;
  try {
    return run(source, filename, state, sourceMaps);
  } catch (error) {
    // Babel prefixes the file name to errors thrown in plugins; ours name it already.
    if (error instanceof CompileError) error.message = error.detail;
    throw error;
  }
}

function run(source: string, filename: string, state: TransformState, sourceMaps: boolean): CompileResult {
  // 1. Parse (and strip types): keeps original locations on the nodes.
  const parsed = transformSync(source, {
    filename,
    ast: true,
    code: false,
    babelrc: false,
    configFile: false,
    sourceType: "module",
    presets: TYPESCRIPT.test(filename) ? [[presetTypescript, { allowDeclareFields: true, onlyRemoveTypeImports: true }]] : [],
    parserOpts: { allowReturnOutsideFunction: false },
  }) as BabelFileResult;
  // 2. The durable transform, with a source map back to the original.
  const result = transformFromAstSync(parsed.ast!, source, {
    filename,
    babelrc: false,
    configFile: false,
    sourceMaps,
    sourceType: "module",
    plugins: [durablePlugin(state)],
    retainLines: false,
    compact: false,
  }) as BabelFileResult;
  return { code: result.code ?? "", map: (result.map as object | null | undefined) ?? null, durable: state.durable, functions: state.functions };
}

function relativePath(filename: string, root: string | undefined): string {
  const normalized = filename.replace(/\\/g, "/");
  if (root === undefined) return normalized.split("/").pop() ?? normalized;
  const base = root.replace(/\\/g, "/").replace(/\/?$/, "/");
  return normalized.startsWith(base) ? normalized.slice(base.length) : normalized;
}
