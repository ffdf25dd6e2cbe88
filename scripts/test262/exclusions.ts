// Which tests are not run, and why.
//
// Only two grounds, as the issue allows:
// - flags: `noStrict` and `raw` tests need a sloppy-mode script; a module is strict.
// - the committed list (test/durable/test262-excluded.json), each entry with a reason:
//     kind "reflective": checks no compiled generator can pass (a native generator's
//       internal slots, %GeneratorFunction.prototype% in the prototype chain). They
//       are excluded only when compiling: uncompiled, they must pass.
//     kind "unsupported": it uses a construct the compiler refuses by design (direct
//       eval inside a generator); excluded only when compiling, like "reflective".
//     kind "script": the test itself needs script (non-module) semantics, compiled or not.

import { readFileSync } from "node:fs";
import type { TestFile } from "./corpus.js";
import { SetupError } from "./setup-error.js";

export type ExclusionKind = "reflective" | "unsupported" | "script";

export interface Exclusion {
  readonly path: string;
  readonly kind: ExclusionKind;
  readonly reason: string;
}

const SLOPPY_FLAGS = ["noStrict", "raw"];
const KINDS: readonly string[] = ["reflective", "unsupported", "script"];

export class Exclusions {
  private constructor(private readonly byPath: ReadonlyMap<string, Exclusion>) {}

  /** Reads and checks the list: known kinds, a reason each, no repeats. */
  static load(file: string): Exclusions {
    const data = JSON.parse(readFileSync(file, "utf8")) as { tests?: unknown };
    if (!Array.isArray(data.tests)) throw new SetupError(`${file}: expected { "tests": [...] }`);
    const byPath = new Map<string, Exclusion>();
    for (const entry of data.tests as Partial<Exclusion>[]) {
      const { path, kind, reason } = entry;
      if (typeof path !== "string" || !KINDS.includes(kind ?? "") || typeof reason !== "string" || reason === "") {
        throw new SetupError(`${file}: each entry needs a path, a kind (${KINDS.join(", ")}) and a reason: ${JSON.stringify(entry)}`);
      }
      if (byPath.has(path)) throw new SetupError(`${file}: ${path} is listed twice`);
      byPath.set(path, { path, kind: kind as ExclusionKind, reason });
    }
    return new Exclusions(byPath);
  }

  /** Why `test` is not run in this mode, or undefined if it runs. */
  reasonFor(test: TestFile, compiling: boolean): string | undefined {
    const flag = SLOPPY_FLAGS.find((f) => test.meta.flags.has(f));
    if (flag) return `flag ${flag}: needs a sloppy-mode script, and a module is strict`;
    const entry = this.byPath.get(test.path);
    if (!entry || (entry.kind !== "script" && !compiling)) return undefined;
    return `${entry.kind}: ${entry.reason}`;
  }

  /** Whether `test` is on the list as reflective (see --check-excluded). */
  isReflective(test: TestFile): boolean {
    const kind = this.byPath.get(test.path)?.kind;
    return kind === "reflective" || kind === "unsupported";
  }

  /** Listed paths that name no test in the corpus (renamed or removed upstream). */
  stale(corpus: readonly TestFile[]): string[] {
    const known = new Set(corpus.map((test) => test.path));
    return [...this.byPath.keys()].filter((path) => !known.has(path));
  }
}
