/**
 * `strand/register`: importing it installs the module hooks of hooks.ts, so
 * TypeScript files run with their types stripped and `"use durable"` modules run
 * compiled. Use it as `node --import strand/register app.ts`, or after tsx:
 * `node --import tsx --import strand/register app.ts` (hooks registered last run
 * first, so a durable module is compiled from its source before tsx sees it).
 *
 * Uses `module.registerHooks` (in-thread, synchronous) where Node has it
 * (≥ 22.15), and `module.register` (hooks in a loader thread) before that. Also
 * turns source maps on, so stack traces name the lines of the original files.
 */
import * as nodeModule from "node:module";
import type { LoadHook, ResolveHook } from "node:module";

type RegisterHooks = (hooks: { resolve?: ResolveHook; load?: LoadHook }) => unknown;

process.setSourceMapsEnabled(true);

const registerHooks = (nodeModule as { registerHooks?: RegisterHooks }).registerHooks;
if (typeof registerHooks === "function") {
  const { resolve, load } = await import("./hooks.js");
  registerHooks({ resolve, load });
} else {
  nodeModule.register("./hooks.js", import.meta.url);
}
