/** The machine and the versions a run measured: printed, and stored with the results. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  v8: string;
  /** 1-minute load average when the run started and ended: other work on the machine shows here. */
  loadAverage: { start: number; end?: number };
}

export interface Versions {
  strand: string;
  effect: string;
  effection: string;
  /** DBOS Transact (the durable-execution peer); absent in results stored before it was. */
  dbos?: string;
  mitata: string;
  tsx: string;
}

const root = new URL("../../", import.meta.url);

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), "utf8")).version;
  } catch {
    return "not installed";
  }
}

function osName(): string {
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? os.type();
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osName(),
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage: { start: os.loadavg()[0] },
  };
}

/** Strand's package version and commit; "+changes" when src/ differs from the commit. */
function strandVersion(): string {
  const version = JSON.parse(readFileSync(new URL("package.json", root), "utf8")).version as string;
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const commit = git("rev-parse", "--short", "HEAD");
    const changed = git("status", "--porcelain", "--", "src") !== "";
    return `${version} (${commit}${changed ? "+changes" : ""})`;
  } catch {
    return version;
  }
}

export function versions(): Versions {
  return {
    strand: strandVersion(),
    effect: packageVersion("effect"),
    effection: packageVersion("effection"),
    dbos: packageVersion("@dbos-inc/dbos-sdk"),
    mitata: packageVersion("mitata"),
    tsx: packageVersion("tsx"),
  };
}
