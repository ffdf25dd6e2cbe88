/**
 * Where the Strand under test comes from, and which of its modules exist yet.
 *
 * run.ts compiles this suite and src/ to JavaScript (lib/build.ts) and runs the
 * compiled files, so these imports load Strand as users get it. Running the
 * TypeScript through tsx instead (`--tsx`) measures tsx's transform too: it
 * compiles with esbuild's `keepNames`, which redefines each class's `name`, and
 * in V8 11 (Node 20) that makes `new` of a derived class — every `Suspension`
 * subclass, allocated per send, receive and sleep — hundreds of times slower.
 *
 * Cases that need modules Strand does not have yet name them in `needs`; the
 * runner reports those cases as pending instead of running them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Case, Feature } from "./case.js";

export type Strand = typeof import("../../src/index.js");
export type StrandTesting = typeof import("../../src/testing/index.js");
export type StrandSync = typeof import("../../src/sync/index.js");

export const strand = (): Promise<Strand> => import("../../src/index.js");
export const strandTesting = (): Promise<StrandTesting> => import("../../src/testing/index.js");
export const strandSync = (): Promise<StrandSync> => import("../../src/sync/index.js");

/** The source tree this file belongs to (run.ts asks from the source tree, not bench/.build). */
const sourceRoot = fileURLToPath(new URL("../../", import.meta.url));

/** The source files that provide each feature, relative to a tree's root (any one will do: files move between commits). */
const sources: Record<Feature, string[]> = {
  channel: ["src/channel/channel.ts", "src/channel.ts"],
  select: ["src/select.ts"],
  mutex: ["src/sync/mutex.ts"],
  durable: ["src/durable/snapshot.ts"],
  worker: ["src/worker/pool.ts"],
  monitor: ["src/observe/serve/server.ts"],
};

/**
 * Why a case cannot run in a tree (this one, or an earlier commit's) because a
 * Strand module it needs has not been written there yet; undefined when it can.
 */
export function pendingReason(c: Pick<Case, "needs">, root = sourceRoot): string | undefined {
  const missing = (c.needs ?? []).filter((feature) => !sources[feature].some((file) => existsSync(join(root, file))));
  if (missing.length === 0) return undefined;
  return `needs Strand ${missing.map((f) => (f === "mutex" ? "Mutex (src/sync)" : f === "durable" ? "durable coroutines (src/durable)" : f === "worker" ? "worker threads (src/worker)" : f === "monitor" ? "the monitor (src/observe/serve)" : `src/${f}.ts`)).join(" and ")}`;
}
