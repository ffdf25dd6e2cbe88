/**
 * Go as a peer: the reference programs in bench/go, run on one thread
 * (GOMAXPROCS=1; two for a workload between two threads), interleaved with
 * the other systems like any case.
 *
 * The program is built with the machine's Go toolchain (Debian's `golang-go`)
 * the first time a Go case loads, into bench/.build/go; without a toolchain the
 * Go cases are pending, and the bars that need them say "not measured".
 *
 * Go needs no JIT warm-up, but its heap and goroutine stacks do grow on first
 * use: every timed iteration is a fresh `gobench` process that runs one warm-up
 * iteration and then the measured one, and reports the time it measured itself.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench, Case, Sizes } from "./case.js";

/** bench/go in the source tree (this file may run compiled from bench/.build/lib). */
function sourceDir(): string {
  for (const up of ["../go/", "../../../go/"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, "main.go"))) return dir;
  }
  throw new Error("bench/go/main.go not found");
}

/** Why Go cases cannot run here, or undefined when a Go toolchain is on the PATH. */
export function goPending(): string | undefined {
  const found = spawnSync("go", ["version"], { stdio: "ignore" });
  return found.status === 0 ? undefined : "no Go toolchain on the PATH (Debian: apt-get install golang-go)";
}

/** Builds bench/go into bench/.build/go/gobench when a source is newer than the binary. */
function binary(): string {
  const dir = sourceDir();
  const outDir = join(dir, "../.build/go");
  const out = join(outDir, "gobench");
  const newest = Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));
  if (!existsSync(out) || statSync(out).mtimeMs < newest) {
    mkdirSync(outDir, { recursive: true });
    execFileSync("go", ["build", "-o", out, "."], { cwd: dir, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, GOFLAGS: "-mod=mod" } });
  }
  return out;
}

interface GoResult {
  nsPerOp: number;
  n: number;
  probe: Record<string, number> | null;
}

function runGo(program: string, workload: string, n: number, probe: boolean, threads: number): GoResult {
  const stdout = execFileSync(program, [workload, "1", String(n), ...(probe ? ["probe"] : [])], {
    encoding: "utf8",
    env: { ...process.env, GOMAXPROCS: String(threads) },
    maxBuffer: 1 << 20,
  });
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line === undefined) throw new Error(`gobench ${workload} printed no RESULT line`);
  return JSON.parse(line.slice("RESULT ".length)) as GoResult;
}

export interface GoCase {
  id: string;
  group: string;
  /** The workload's name in bench/go/main.go. */
  workload: string;
  variant: string;
  unit: string;
  n: Sizes;
  /** GOMAXPROCS: 1 (the default) but for a workload that is about two threads. */
  threads?: number;
  /** Turns the program's probe figures into the memory figures the group reports. */
  memory?: (probe: Record<string, number>, n: number) => Record<string, number>;
}

/** A case running one workload of bench/go on one thread. */
export function goCase(spec: GoCase): Case {
  return {
    id: spec.id,
    group: spec.group,
    system: "go",
    variant: spec.variant,
    unit: spec.unit,
    n: spec.n,
    async load(): Promise<Bench> {
      const program = binary();
      const memory = spec.memory;
      const threads = spec.threads ?? 1;
      return {
        selfTimed: true,
        run(n) {
          const result = runGo(program, spec.workload, n, false, threads);
          return { ns: result.nsPerOp * n };
        },
        probe:
          memory === undefined
            ? undefined
            : async (n) => {
                const result = runGo(program, spec.workload, n, true, threads);
                return memory(result.probe ?? {}, n);
              },
      };
    },
  };
}
