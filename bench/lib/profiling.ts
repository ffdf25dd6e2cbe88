/**
 * In-process CPU profiling for bench/profile.ts: profiles only the measured part
 * of a case (not process start-up and module loading), and maps each frame back
 * to its TypeScript source — tsx emits whitespace-minified code, so without the
 * source maps every frame would sit on line 1. Needs `--enable-source-maps`.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { findSourceMap } from "node:module";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

/** Starts profiling; the returned function stops it and writes the source-mapped profile to `path`. */
export async function startProfile(path: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await post(session, "Profiler.enable");
  await post(session, "Profiler.setSamplingInterval", { interval: 200 });
  await post(session, "Profiler.start");
  return async () => {
    const { profile } = await post<{ profile: CpuProfile }>(session, "Profiler.stop");
    session.disconnect();
    for (const node of profile.nodes) {
      const frame = node.callFrame;
      if (!frame.url.startsWith("file:")) continue;
      const map = findSourceMap(frame.url) ?? findSourceMap(fileURLToPath(frame.url));
      const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
      if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
        frame.url = entry.originalSource;
        frame.lineNumber = entry.originalLine;
      }
    }
    writeFileSync(path, JSON.stringify(profile));
  };
}

/** Self time per function and per file, as text: each sample counts for the frame on top of the stack. */
export function summarize(profile: CpuProfile, top = 25): string {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const selfMicros = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    selfMicros.set(profile.samples[i], (selfMicros.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i]);
  }
  let total = 0;
  for (const micros of selfMicros.values()) total += micros;

  const where = (frame: CallFrame): string => {
    const url = frame.url.replace(/^file:\/\//, "").replace(root, "").replace(/^.*node_modules\//, "~/");
    return url === "" ? "" : `${url}:${frame.lineNumber + 1}`;
  };
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (micros === 0) continue;
    const place = where(node.callFrame);
    const name = `${node.callFrame.functionName || "(anonymous)"}  ${place}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const file = place.replace(/:\d+$/, "") || node.callFrame.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
  }
  const lines = [`${(total / 1000).toFixed(0)} ms sampled`];
  const table = (title: string, entries: Map<string, number>, count: number) => {
    lines.push("", title);
    for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      lines.push(`${((100 * micros) / total).toFixed(1).padStart(6)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
    }
  };
  table("self time by function", byFunction, top);
  table("self time by file", byFile, 12);
  return lines.join("\n");
}
