// The test262 corpus: finds the test files and reads each one's front matter.
//
// A test file is a script with a YAML block `/*--- ... ---*/`. Only the keys that
// decide how a test runs are read (includes, flags, features, negative); the rest
// (description, info, esid) is prose. test262 writes these keys in two YAML forms,
// a flow list `flags: [a, b]` and a block list of `- a` lines, and `negative` as a
// two-key mapping; that small subset is parsed here rather than with a YAML library.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { SetupError } from "./setup-error.js";

/** When a negative test's error must happen (test262 INTERPRETING.md). */
export type Phase = "parse" | "resolution" | "runtime";

export interface Negative {
  readonly phase: Phase;
  /** The constructor name of the expected error, e.g. "SyntaxError". */
  readonly type: string;
}

export interface Meta {
  readonly includes: readonly string[];
  readonly flags: ReadonlySet<string>;
  readonly features: readonly string[];
  readonly negative: Negative | undefined;
}

export interface TestFile {
  /** Path relative to the test262 root, with `/` separators: `test/language/...js`. */
  readonly path: string;
  readonly absolutePath: string;
  readonly source: string;
  readonly meta: Meta;
}

/** Every `.js` test under `<root>/test`, sorted by path; `_FIXTURE.js` files are not tests. */
export function loadCorpus(root: string): TestFile[] {
  return listFiles(join(root, "test"))
    .filter((file) => file.endsWith(".js") && !file.endsWith("_FIXTURE.js"))
    .map((absolutePath) => {
      const source = readFileSync(absolutePath, "utf8");
      const path = relative(root, absolutePath).split(sep).join("/");
      return { path, absolutePath, source, meta: parseMeta(source, path) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

const PHASES: readonly string[] = ["parse", "resolution", "runtime"];

/** Reads the front matter of a test (or harness) file; `path` only names it in errors. */
export function parseMeta(source: string, path: string): Meta {
  const start = source.indexOf("/*---");
  const end = source.indexOf("---*/", start);
  if (start < 0 || end < 0) throw new SetupError(`${path}: no /*--- ... ---*/ front matter`);
  const lines = source.slice(start + 5, end).split(/\r?\n/);

  const lists = new Map<string, string[]>();
  const mappings = new Map<string, Map<string, string>>();
  for (let i = 0; i < lines.length; i++) {
    // Keys sit at column 0; prose values (description, info) are indented blocks.
    const key = /^([A-Za-z_]+):\s*(.*?)\s*$/.exec(lines[i]);
    if (!key) continue;
    const [, name, inline] = key;
    if (inline.startsWith("[")) {
      lists.set(name, splitFlowList(inline, path));
      continue;
    }
    if (inline !== "") continue;
    // A block: `- item` lines form a list, `key: value` lines a mapping.
    const items: string[] = [];
    const entries = new Map<string, string>();
    while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1])) {
      const line = lines[++i].trim();
      const item = /^-\s+(.+)$/.exec(line);
      const entry = /^([A-Za-z_]+):\s*(.+)$/.exec(line);
      if (item) items.push(unquote(item[1]));
      else if (entry) entries.set(entry[1], unquote(entry[2]));
    }
    if (items.length > 0) lists.set(name, items);
    if (entries.size > 0) mappings.set(name, entries);
  }

  let negative: Negative | undefined;
  const neg = mappings.get("negative");
  if (neg) {
    const phase = neg.get("phase") ?? "";
    const type = neg.get("type") ?? "";
    if (!PHASES.includes(phase) || type === "") {
      throw new SetupError(`${path}: negative needs a phase (${PHASES.join(", ")}) and a type`);
    }
    negative = { phase: phase as Phase, type };
  }
  return {
    includes: lists.get("includes") ?? [],
    flags: new Set(lists.get("flags") ?? []),
    features: lists.get("features") ?? [],
    negative,
  };
}

function splitFlowList(text: string, path: string): string[] {
  if (!text.endsWith("]")) throw new SetupError(`${path}: unterminated list ${text}`);
  return text
    .slice(1, -1)
    .split(",")
    .map((item) => unquote(item.trim()))
    .filter((item) => item !== "");
}

function unquote(text: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(text);
  return quoted ? quoted[2] : text;
}
