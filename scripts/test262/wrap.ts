// Wraps a test262 test as one `"use durable"` module: the directive, the harness
// files it needs, then the test's own text.
//
// test262 runs a test as a *script* with the harness prepended. A module differs in
// ways the wrapper can partly restore:
// - A script's top-level `function` and `var` declarations become properties of the
//   global object; the harness relies on this (asyncHelpers.js checks
//   `Object.prototype.hasOwnProperty.call(globalThis, "$DONE")`). After the harness,
//   the wrapper defines each harness binding on globalThis as a script would
//   (writable, enumerable, non-configurable). The test body is left as written:
//   tests that need script semantics of their own are listed as excluded.
// - Host hooks (`$262`, `print`) are globals the host defines before the module runs
//   (see host.ts), as a test262 host does.
// What cannot be restored: modules are strict (so `noStrict` tests are excluded), and
// top-level `this` is undefined.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestFile } from "./corpus.js";
import { SetupError } from "./setup-error.js";

/** The directive that makes the compiler turn the module's generators into state machines. */
const DIRECTIVE = '"use durable";';

/** Reads harness files once and knows which global bindings each one declares. */
export class Harness {
  private readonly files = new Map<string, { source: string; globals: string[] }>();

  constructor(private readonly dir: string) {}

  /** The harness files a test needs, in the order test262 prepends them, without repeats. */
  filesFor(test: TestFile): string[] {
    const names = ["assert.js", "sta.js"];
    if (test.meta.flags.has("async")) names.push("doneprintHandle.js");
    names.push(...test.meta.includes);
    return [...new Set(names)];
  }

  /** The module text for `test`; a `module`-flag test is already a module and is wrapped the same way. */
  wrap(test: TestFile): string {
    const parts = [DIRECTIVE];
    const globals: string[] = [];
    for (const name of this.filesFor(test)) {
      const file = this.read(name);
      parts.push(`// ---- harness/${name}`, file.source);
      globals.push(...file.globals);
    }
    parts.push(`// ---- harness bindings as globals, as in a script`, defineGlobals(globals));
    parts.push(`// ---- ${test.path}`, test.source);
    return parts.join("\n") + "\n";
  }

  private read(name: string) {
    let file = this.files.get(name);
    if (!file) {
      const path = join(this.dir, name);
      if (!existsSync(path)) throw new SetupError(`harness file ${path} does not exist`);
      const source = readFileSync(path, "utf8");
      file = { source, globals: topLevelNames(source) };
      this.files.set(name, file);
    }
    return file;
  }
}

/**
 * The names a harness file's top-level `function` and `var` declarations bind.
 * Harness files write every top-level declaration at column 0 and nothing else
 * there that could look like one, so a line match is exact for them.
 */
function topLevelNames(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/^(?:function\s*\*?\s*|var\s+)([A-Za-z_$][\w$]*)/gm)) {
    names.push(match[1]);
  }
  return names;
}

function defineGlobals(names: readonly string[]): string {
  const unique = [...new Set(names)];
  const entries = unique.map(
    (name) => `  ${name}: { value: ${name}, writable: true, enumerable: true, configurable: false },`,
  );
  return `Object.defineProperties(globalThis, {\n${entries.join("\n")}\n});`;
}
