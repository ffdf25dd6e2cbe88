/**
 * The README's code examples are tests, so the docs cannot rot.
 *
 * Every ```ts block in README.md must be marked: `<!-- test -->` on the line
 * before it makes it runnable, `<!-- no-test -->` exempts it (say why nearby).
 * A runnable block may be followed by a ```text block marked `<!-- output -->`:
 * what the example prints with console.log, exactly.
 *
 * Each runnable block is written to a module of its own (its `from "strand"`
 * imports pointed at src/), type-checked with the project's tsconfig, then
 * imported here with console.log captured.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { format } from "node:util";
import { compile } from "../../src/compiler/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const work = join(root, "node_modules", ".cache", "strand-readme");

interface Block {
  /** 1-based line of the opening fence in README.md. */
  line: number;
  lang: string;
  code: string;
  marker: "test" | "no-test" | "output" | null;
  output?: string;
}

/** The fenced blocks of a Markdown file, each with the HTML-comment marker just above it, if any. */
function parseBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  let marker: Block["marker"] = null;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    const comment = /^<!--\s*(test|no-test|output)\s*-->\s*$/.exec(text);
    if (comment !== null) {
      marker = comment[1] as Block["marker"];
      continue;
    }
    const fence = /^```(\S*)\s*$/.exec(text);
    if (fence !== null) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      assert.ok(i < lines.length, `README.md:${start + 1}: unclosed code fence`);
      blocks.push({ line: start + 1, lang: fence[1], code: body.join("\n") + "\n", marker });
    }
    if (text.trim() !== "") marker = null; // a marker applies only to the next block
  }
  // Attach each output block to the runnable block it follows.
  const result: Block[] = [];
  for (const block of blocks) {
    if (block.marker === "output") {
      const previous = result.at(-1);
      assert.ok(previous?.marker === "test", `README.md:${block.line}: an output block must follow a <!-- test --> block`);
      assert.equal(previous.output, undefined, `README.md:${block.line}: a second output block for one example`);
      previous.output = block.code;
    } else {
      result.push(block);
    }
  }
  return result;
}

/** The block as a module of its own, importing Strand from the sources. */
function toModule(code: string, file: string): string {
  const src = relative(join(file, ".."), join(root, "src")).split("\\").join("/");
  const rewritten = code
    .replace(/from "strand"/g, `from "${src}/index.js"`)
    .replace(/from "strand\/testing"/g, `from "${src}/testing/index.js"`)
    .replace(/from "strand\/sync"/g, `from "${src}/sync/index.js"`)
    .replace(/from "strand\/channel"/g, `from "${src}/channel/index.js"`)
    .replace(/from "strand\/durable"/g, `from "${src}/durable/index.js"`)
    .replace(/from "strand\/node"/g, `from "${src}/node/index.js"`)
    .replace(/from "strand\/observe"/g, `from "${src}/observe/index.js"`)
    .replace(/from "strand\/observe\/serve"/g, `from "${src}/observe/serve/index.js"`)
    .replace(/from "strand\/io"/g, `from "${src}/io/index.js"`)
    .replace(/from "strand\/ipc"/g, `from "${src}/ipc/index.js"`)
    .replace(/from "strand\/worker"/g, `from "${src}/worker/index.js"`);
  return `${rewritten}\nexport {};\n`;
}

/**
 * What runs: the module itself, or — for a `"use durable"` example — the module
 * compiled by Strand's compiler, as the loader would run it.
 */
function runnableFile(file: string): string {
  const code = readFileSync(file, "utf8");
  if (!code.startsWith('"use durable"')) return file;
  const compiled = file.replace(/\.ts$/, ".compiled.mjs");
  const runtime = pathToFileURL(join(root, "src", "durable", "index.ts")).href;
  writeFileSync(compiled, compile(code, { filename: file, root: work, runtime, sourceMaps: false }).code);
  return compiled;
}

const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = parseBlocks(readme);
const runnable = blocks.filter((block) => block.marker === "test");

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
// Inside node_modules, Node does not look further up for the package's "type": "module".
writeFileSync(join(work, "package.json"), JSON.stringify({ type: "module" }));
const files = new Map<Block, string>();
for (const block of runnable) {
  const file = join(work, `readme-line-${String(block.line).padStart(4, "0")}.ts`);
  writeFileSync(file, toModule(block.code, file));
  files.set(block, file);
}

describe("README.md", () => {
  test("every ts block is marked runnable (<!-- test -->) or exempt (<!-- no-test -->)", () => {
    const unmarked = blocks.filter((block) => block.lang === "ts" && block.marker !== "test" && block.marker !== "no-test");
    assert.deepEqual(
      unmarked.map((block) => `README.md:${block.line}`),
      [],
    );
    assert.ok(runnable.length > 0);
  });

  test("the examples type-check", () => {
    writeFileSync(
      join(work, "tsconfig.json"),
      // Examples are judged as user code, by the compiler's strict checks, not by the project's unused-name rule
      // (`await using ticker = ...` binds a name only for its disposal).
      JSON.stringify({ extends: "../../../tsconfig.json", include: ["*.ts"], compilerOptions: { noEmit: true, noUnusedLocals: false } }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const { status, stdout, stderr } = spawnSync(process.execPath, [tsc, "-p", join(work, "tsconfig.json")], {
      encoding: "utf8",
    });
    // Point errors at README lines: the module's line n is the block's line n.
    const report = (stdout + stderr).replace(/(?:\S*[\\/])?readme-line-0*(\d+)\.ts\((\d+),(\d+)\)/g, (_, fence, line) => `README.md:${Number(fence) + Number(line)}`);
    assert.equal(status, 0, report);
  });

  for (const block of runnable) {
    test(`the example at README.md:${block.line} runs${block.output !== undefined ? " and prints what the README says" : ""}`, async () => {
      const printed: string[] = [];
      const log = console.log;
      const exitCode = process.exitCode;
      console.log = (...args: unknown[]) => void printed.push(format(...args));
      try {
        await import(pathToFileURL(runnableFile(files.get(block)!)).href);
      } finally {
        console.log = log;
      }
      const code = process.exitCode;
      process.exitCode = exitCode;
      assert.ok(code === exitCode || code === 0, `the example set process.exitCode to ${code}`);
      if (block.output !== undefined) assert.equal(printed.map((line) => `${line}\n`).join(""), block.output);
    });
  }
});
