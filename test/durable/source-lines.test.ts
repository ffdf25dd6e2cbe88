/**
 * The compiler's table from resume points to source lines: a compiled frame
 * suspended at a `yield` says where that `yield` is in the original source
 * (TypeScript included: positions before types are stripped), whatever
 * construct the yield sits in; a snapshot does not carry the table, so the
 * same snapshot restored into code that moved shows the new lines.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { compile } from "../../src/compiler/index.js";
import { FRAME_STACK, type Frame } from "../../src/core/frames.js";
import { snapshotCoroutine } from "../../src/durable/index.js";
import { Coroutine } from "../../src/coroutine.js";

const here = (path: string): string => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;
const runtime = here("../../src/durable/index.ts");
const dir = mkdtempSync(join(tmpdir(), "strand-lines-"));
let counter = 0;

/** Compiles `source` as `<name>.ts` (ids relative to a directory of its own) and loads it. */
async function load(name: string, source: string): Promise<Record<string, unknown>> {
  const folder = join(dir, String(counter++));
  mkdirSync(folder);
  const file = join(folder, `${name}.mjs`);
  writeFileSync(file, compile(source, { filename: join(folder, `${name}.ts`), root: folder, runtime, sourceMaps: false }).code);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** `file:line:column` (1-based) of the first occurrence of `text` in `source`. */
function position(file: string, source: string, text: string): string {
  const at = source.indexOf(text);
  assert.ok(at >= 0, `${text} is in the source`);
  const before = source.slice(0, at).split("\n");
  return `${file}:${before.length}:${before.at(-1)!.length + 1}`;
}

/** Where a compiled generator's frames wait, top first. */
function stackOf(generator: unknown): Array<string | undefined> {
  return (generator as { [FRAME_STACK](): Frame[] })[FRAME_STACK]().map((frame) => frame.at);
}

describe("compiled frames know the source line of their resume point", () => {
  it("a yield in each construct: statements, loops, try/catch/finally, nested expressions, TypeScript", async () => {
    const source = `"use durable";
interface Order { id: string; total: number }
function* price(order: Order): Generator<string, number, unknown> {
  const tax: number = (yield "tax") as number;
  return order.total + tax;
}
export function* main(order: Order) {
  const total: number = yield* price(order);
  for (let i = 0; i < 2; i++) { yield "loop " + i; }
  for (const item of ["a"]) {
    try { yield "try " + item; throw new Error("x"); }
    catch (error: unknown) { yield "catch"; }
    finally { yield "finally"; }
  }
  const both = [(yield "left") as string, (yield "right") as string];
  const chosen = total > 1 ? yield "then" : yield "else";
  return [total, both, chosen];
}
`;
    const module = await load("orders", source);
    const generator = (module.main as (order: unknown) => Iterator<unknown, unknown, unknown>)({ id: "o1", total: 10 });
    const at = (text: string): string => position("orders.ts", source, text);
    const expected: Array<[unknown, Array<string | undefined>]> = [
      ["tax", [at('yield "tax"'), at("yield* price")]],
      ["loop 0", [at('yield "loop "')]],
      ["loop 1", [at('yield "loop "')]],
      ["try a", [at('yield "try "')]],
      ["catch", [at('yield "catch"')]],
      ["finally", [at('yield "finally"')]],
      ["left", [at('yield "left"')]],
      ["right", [at('yield "right"')]],
      ["then", [at('yield "then"')]],
    ];
    let sent: unknown = undefined;
    for (const [value, stack] of expected) {
      const next = generator.next(sent);
      sent = value === "tax" ? 1 : undefined;
      assert.equal(next.value, value);
      assert.deepEqual(stackOf(generator), stack, `suspended at ${String(value)}`);
    }
    assert.deepEqual(generator.next(undefined).value, [11, [undefined, undefined], undefined]);
  });

  it("the table is metadata of the code: a snapshot restored by code that moved shows the new lines", async () => {
    const body = `export function* wait() { const a = yield "first"; const b = yield "second"; return [a, b]; }\n`;
    const before = await load("flow", `"use durable";\n${body}`);
    const coroutine = new Coroutine(before.wait as () => Generator<unknown, unknown, unknown>);
    assert.equal(coroutine.next(), true);
    assert.equal(coroutine.recv(), "first");
    coroutine.send("one");
    assert.equal(coroutine.next(), true);
    const bytes = join(dir, "flow.snapshot");
    writeFileSync(bytes, snapshotCoroutine(coroutine));
    // Another process, where the same function sits two lines further down (its id and version hash ignore positions).
    const movedSource = `"use durable";\n// a comment\n\n${body}`;
    const folder = join(dir, "moved");
    mkdirSync(folder);
    const moved = join(folder, "flow.mjs");
    writeFileSync(moved, compile(movedSource, { filename: join(folder, "flow.ts"), root: folder, runtime, sourceMaps: false }).code);
    const script = join(folder, "restore.mjs");
    writeFileSync(
      script,
      `import { readFileSync } from "node:fs";
await import(${JSON.stringify(pathToFileURL(moved).href)});
const { restoreCoroutine } = await import(${JSON.stringify(runtime)});
const { coroutineState } = await import(${JSON.stringify(here("../../src/coroutine.ts"))});
const restored = restoreCoroutine(readFileSync(${JSON.stringify(bytes)}));
const generator = coroutineState(restored).generator;
const at = generator[Symbol.for("strand.frames")]().map((frame) => frame.at);
restored.send("two");
restored.next();
console.log(JSON.stringify({ at, result: restored.result }));
`,
    );
    const child = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { at: [position("flow.ts", movedSource, 'yield "second"')], result: ["one", "two"] });
    assert.notEqual(position("flow.ts", movedSource, 'yield "second"'), position("flow.ts", `"use durable";\n${body}`, 'yield "second"'));
  });
});
