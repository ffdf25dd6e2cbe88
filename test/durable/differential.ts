/**
 * Differential testing of the durable compiler: the same module run natively and
 * compiled must give the same yields, returns and throws under every way of
 * driving it (next with values, throw() or return() at each yield).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { compile } from "../../src/compiler/index.js";

const runtime = fileURLToPath(new URL("../../src/durable/index.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "strand-durable-"));
let counter = 0;

export interface Modules {
  native: Record<string, unknown>;
  compiled: Record<string, unknown>;
  code: string;
}

/** Loads `source` (a module starting with "use durable") both ways. */
export async function loadBoth(source: string): Promise<Modules> {
  const n = counter++;
  const nativeFile = join(dir, `native${n}.mjs`);
  const compiledFile = join(dir, `compiled${n}.mjs`);
  writeFileSync(nativeFile, source);
  const { code } = compile(source, { filename: join(dir, `m${n}.ts`), root: dir, runtime: pathToFileURL(runtime).href, sourceMaps: false });
  writeFileSync(compiledFile, code);
  const native = (await import(pathToFileURL(nativeFile).href)) as Record<string, unknown>;
  let compiled: Record<string, unknown>;
  try {
    compiled = (await import(pathToFileURL(compiledFile).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`the compiled module does not load: ${String(error)}\n--- compiled code ---\n${code}`, { cause: error });
  }
  return { native, compiled, code };
}

export type Drive = { kind: "next" } | { kind: "throw"; at: number } | { kind: "return"; at: number };

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.constructor.name}: ${error.message}` : `throw ${JSON.stringify(error)}`;

export interface TraceHooks {
  /**
   * Called after each step that yields (not after one that ends the run); its result drives the
   * rest of the run — e.g. a generator restored from a snapshot of this one.
   */
  afterEachYield?: (generator: Iterator<unknown, unknown, unknown>) => Iterator<unknown, unknown, unknown>;
}

/** Drives a generator and records what happens, step by step (at most `limit` steps). */
export function trace(make: () => Iterator<unknown, unknown, unknown>, drive: Drive, limit = 60, hooks: TraceHooks = {}): string[] {
  const log: string[] = [];
  let generator: Iterator<unknown, unknown, unknown>;
  try {
    generator = make();
  } catch (error) {
    return [`call threw ${describeError(error)}`];
  }
  for (let step = 0; step < limit; step++) {
    let result: IteratorResult<unknown>;
    try {
      if (drive.kind === "throw" && step === drive.at) result = generator.throw!(new Error(`thrown at ${step}`));
      else if (drive.kind === "return" && step === drive.at) result = generator.return!(`returned at ${step}`);
      else result = generator.next(step * 10);
    } catch (error) {
      log.push(`threw ${describeError(error)}`);
      return log;
    }
    log.push(`${result.done ? "done" : "yield"} ${safe(result.value)}`);
    if (result.done) return log;
    if (hooks.afterEachYield !== undefined) {
      try {
        generator = hooks.afterEachYield(generator);
      } catch (error) {
        log.push(`hook threw ${describeError(error)}`);
        return log;
      }
    }
  }
  log.push("(limit)");
  return log;
}

function safe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Every way of driving a generator with up to `yields` yields. */
export function drives(yields: number): Drive[] {
  const result: Drive[] = [{ kind: "next" }];
  for (let at = 0; at <= yields; at++) result.push({ kind: "throw", at }, { kind: "return", at });
  return result;
}
