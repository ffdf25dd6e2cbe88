/**
 * `strand/plugin`: the durable compiler as a bundler plugin (built on unplugin),
 * for builds that bundle durable modules instead of loading them with
 * `strand/register` or compiling them with `strand compile`. It compiles the
 * modules whose first statement is `"use durable"` (their types stripped too)
 * and leaves every other module to the bundler.
 *
 * @example
 * // vite.config.ts
 * import { strandDurable } from "strand/plugin";
 * export default { plugins: [strandDurable.vite()] };
 *
 * // esbuild
 * await esbuild.build({ entryPoints: ["app.ts"], bundle: true, plugins: [strandDurable.esbuild()] });
 */
import { createUnplugin, type UnpluginInstance } from "unplugin";
import { compile } from "./index.js";
import { concise, mayBeDurable, packageScope } from "./hooks.js";

export interface StrandDurableOptions {
  /** The package root function ids are relative to (default: each module's nearest directory with a package.json). */
  root?: string;
  /** The specifier compiled modules import their run time from (default "strand/durable"). */
  runtime?: string;
}

/** The modules that may be durable: TypeScript or JavaScript ES modules, with a query string or not. */
const MODULE = /\.(?:[cm]?ts|m?js)(?:\?.*)?$/;

/** The plugin, with an adapter per bundler: `strandDurable.vite()`, `.rollup()`, `.esbuild()` (and unplugin's others). */
export const strandDurable: UnpluginInstance<StrandDurableOptions | undefined, false> = createUnplugin((options: StrandDurableOptions | undefined) => ({
  name: "strand-durable",
  // Before the bundler's own TypeScript transform: ids and hashes come from the source as written.
  enforce: "pre",
  transform: {
    // Bundlers that filter natively (Rollup ≥ 4.40, Vite) then never call the handler for other modules.
    filter: { id: MODULE, code: "use durable" },
    handler(code, id) {
      if (id.startsWith("\0")) return null; // a virtual module
      if (!mayBeDurable(code)) return null;
      const file = id.replace(/\?.*$/, "");
      let result;
      try {
        result = compile(code, { filename: file, root: options?.root ?? packageScope(file).root, runtime: options?.runtime });
      } catch (error) {
        throw concise(error, file);
      }
      if (!result.durable) return null;
      return { code: result.code, map: result.map as { mappings: string; names: string[]; sources: string[]; version: number } | null };
    },
  },
}));
