/** Starts one case in a fresh process (child.ts) and collects what it printed. */
import { spawn } from "node:child_process";
import type { ChildResult } from "../child.js";

/** A process's outcome: child.ts's result, or why there is none. */
export type Run = ChildResult | { status: "timeout" | "error"; detail: string };

/** How to start a tree's child: node's arguments before the case id, and the directory to run it in. */
export interface ChildCommand {
  args: string[];
  cwd: string;
}

/**
 * Runs `node --expose-gc <args> <case id> <full|quick>` and returns the
 * `RESULT {json}` line it printed. child.ts has spoken this protocol since the
 * suite was written, so an earlier tree's compiled child is started the same way.
 */
export function runChild(command: ChildCommand, id: string, mode: "full" | "quick", timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", ...command.args, id, mode], {
      cwd: command.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      if (line !== undefined) resolve(JSON.parse(line.slice("RESULT ".length)) as ChildResult);
      else if (signal === "SIGKILL") resolve({ status: "timeout", detail: `killed after ${timeoutMs / 1000} s` });
      else resolve({ status: "error", detail: `exit ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" ").slice(0, 300)}` });
    });
  });
}

/** What a run that measured nothing shows instead of a time. */
export function failureText(run: Run): string {
  if (run.status === "overflow") return "overflow";
  return `${run.status}: ${"detail" in run ? run.detail : (run as ChildResult).error}`;
}
