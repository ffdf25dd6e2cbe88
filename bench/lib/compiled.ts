/**
 * Workloads written as users write them, in a `"use durable"` module compiled
 * by Strand's compiler when the case loads (as `strand/register` would), so a
 * case can measure compiled coroutines next to the plain generators.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** A module's exports, called by the cases. */
export type Module = Record<string, (...args: never[]) => unknown>;

/** A Strand source file of this tree (works from bench/.build too: the build mirrors src/). */
export const src = (path: string): string => new URL(`../../src/${path}`, import.meta.url).href;

const loaded = new Map<string, Promise<{ compiled: Module; native: Module }>>();

/**
 * Compiles `source` (a `"use durable"` module whose imports of Strand say
 * `"STRAND"`) once per process, and loads it both compiled and as written.
 */
export function durableModule(name: string, source: string): Promise<{ compiled: Module; native: Module }> {
  let modules = loaded.get(name);
  if (modules === undefined) {
    modules = (async () => {
      const { compile } = (await import(src("compiler/index.js"))) as typeof import("../../src/compiler/index.js");
      const dir = mkdtempSync(join(tmpdir(), `strand-bench-${name}-`));
      const text = source.replaceAll('"STRAND"', JSON.stringify(src("index.js")));
      const compiledFile = join(dir, "compiled.mjs");
      const nativeFile = join(dir, "native.mjs");
      writeFileSync(compiledFile, compile(text, { filename: join(dir, `${name}.ts`), root: dir, runtime: src("durable/index.js"), sourceMaps: false }).code);
      writeFileSync(nativeFile, text);
      return { compiled: (await import(pathToFileURL(compiledFile).href)) as Module, native: (await import(pathToFileURL(nativeFile).href)) as Module };
    })();
    loaded.set(name, modules);
  }
  return modules;
}
