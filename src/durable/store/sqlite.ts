/**
 * The embedded store: SQLite through better-sqlite3 (an optional peer
 * dependency, loaded when a `sqlite:` store is first opened), or Node's
 * built-in `node:sqlite` where the runtime has it (Node ≥ 22.5) and
 * better-sqlite3 is not installed (or was built for another Node). WAL journal, `synchronous = FULL`: each
 * commit is on disk (fsync'd) when it returns. Both drivers are synchronous:
 * a write blocks the event loop for its fsync, which is what the embedded
 * default trades for needing no server.
 */
import { createRequire } from "node:module";
import type { Checkpoint, Claimed, CoroutineRow, Driver, Held, Status } from "./driver.js";

/** The subset of better-sqlite3's and node:sqlite's APIs used here (they agree on it). */
interface Statement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

/** Schema migrations, in order: `strand_meta.schema_version` says how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE strand_coroutines (
     id TEXT PRIMARY KEY,
     fn TEXT NOT NULL,
     status TEXT NOT NULL,
     start BLOB NOT NULL,
     snapshot BLOB,
     steps INTEGER NOT NULL DEFAULT 0,
     checkpoints INTEGER NOT NULL DEFAULT 0,
     outcome BLOB,
     problem TEXT,
     owner TEXT,
     fence INTEGER NOT NULL DEFAULT 0,
     lease_until INTEGER NOT NULL DEFAULT 0,
     cancel_requested INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX strand_coroutines_claim ON strand_coroutines (status, lease_until, created_at);
   CREATE TABLE strand_steps (
     coroutine TEXT NOT NULL,
     seq INTEGER NOT NULL,
     ok INTEGER NOT NULL,
     value BLOB NOT NULL,
     PRIMARY KEY (coroutine, seq)
   );`,
  // 2: where each coroutine was suspended at its last checkpoint (for inspect), and signals.
  `ALTER TABLE strand_coroutines ADD COLUMN suspended_at TEXT;
   CREATE TABLE strand_signals (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     coroutine TEXT NOT NULL,
     value BLOB NOT NULL,
     taken INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX strand_signals_next ON strand_signals (coroutine, taken, seq);`,
  // 3: a coroutine evicted while it sleeps is claimed again at wake_at (ms since the epoch), or at once if a signal is pending.
  `ALTER TABLE strand_coroutines ADD COLUMN wake_at INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE strand_coroutines ADD COLUMN pending_signals INTEGER NOT NULL DEFAULT 0;`,
  // 4: a child coroutine (startChild) names its parent, whose wait for it its end wakes.
  `ALTER TABLE strand_coroutines ADD COLUMN parent TEXT;`,
  // 5: an evicted coroutine names the children it waits for (a JSON array): only their end wakes it (NULL: any child's).
  `ALTER TABLE strand_coroutines ADD COLUMN awaits TEXT;`,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Opens (creating if needed) the SQLite store at `path` and brings its schema up to date. */
export function openSqlite(path: string): Driver {
  const db = connect(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;");
  migrate(db);
  return new SqliteDriver(db);
}

function connect(path: string): Database {
  const require = createRequire(import.meta.url);
  let Better: (new (path: string) => Database) | undefined;
  try {
    Better = require("better-sqlite3") as new (path: string) => Database;
  } catch (error) {
    if ((error as { code?: string }).code !== "MODULE_NOT_FOUND") throw error;
  }
  if (Better !== undefined) {
    try {
      return new Better(path);
    } catch (error) {
      // better-sqlite3 built for another Node (its addon loads on first use): node:sqlite, if there is one, serves instead.
      if (!isAddonMismatch(error) || builtinSqlite(require) === undefined) throw error;
    }
  }
  const builtin = builtinSqlite(require);
  if (builtin !== undefined) return new builtin.DatabaseSync(path);
  throw new Error(
    `openStore("sqlite:${path}"): a SQLite driver is needed: install better-sqlite3 (npm install better-sqlite3@12, for Node 20), or use Node ≥ 22.5, whose node:sqlite is built in`,
  );
}

/** Node's node:sqlite, where the runtime has it (loaded only when needed: Node 22 warns that it is experimental). */
function builtinSqlite(require: NodeJS.Require): { DatabaseSync: new (path: string) => Database } | undefined {
  try {
    return require("node:sqlite") as { DatabaseSync: new (path: string) => Database };
  } catch {
    return undefined; // Not in this runtime (Node < 22.5).
  }
}

/** A native addon compiled for another Node version, or one that cannot load here. */
function isAddonMismatch(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "ERR_DLOPEN_FAILED" || (typeof message === "string" && /NODE_MODULE_VERSION|Could not locate the bindings file/.test(message));
}

function migrate(db: Database): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("CREATE TABLE IF NOT EXISTS strand_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const row = db.prepare("SELECT value FROM strand_meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    const version = row === undefined ? 0 : Number(row.value);
    if (!Number.isInteger(version) || version < 0) throw new Error(`the store's schema_version is ${row?.value}`);
    if (version > SCHEMA_VERSION) {
      throw new Error(`the store was written by a newer Strand (schema version ${version}; this one knows up to ${SCHEMA_VERSION}): upgrade Strand to open it`);
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.prepare("INSERT INTO strand_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(SCHEMA_VERSION));
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

interface Row {
  id: string;
  fn: string;
  status: Status;
  owner: string | null;
  fence: number;
  snapshot_bytes: number | null;
  checkpoints: number;
  steps: number;
  suspended_at: string | null;
  wake_at: number;
  cancel_requested: number;
  problem: string | null;
  created_at: number;
  updated_at: number;
}

const bytes = (value: unknown): Uint8Array => (value instanceof Uint8Array ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(0));

class SqliteDriver implements Driver {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  /** Runs `body` in one transaction (BEGIN IMMEDIATE: writers queue on the file lock). */
  private transaction<T>(body: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = body();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  async insert(id: string, fn: string, start: Uint8Array, now: number, parent?: string): Promise<boolean> {
    const changes = this.sql(
      "INSERT INTO strand_coroutines (id, fn, status, start, parent, created_at, updated_at) VALUES (?, ?, 'runnable', ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    ).run(id, fn, start, parent ?? null, now, now).changes;
    return Number(changes) === 1;
  }

  async claim(owner: string, limit: number, now: number, leaseUntil: number): Promise<Claimed[]> {
    return this.transaction(() => {
      const rows = this.sql(
        "SELECT id, start, snapshot, steps, fence, cancel_requested FROM strand_coroutines WHERE (status = 'runnable' AND wake_at <= ?) OR (status = 'running' AND lease_until < ? AND owner <> ?) ORDER BY created_at, id LIMIT ?",
      ).all(now, now, owner, limit) as { id: string; start: Uint8Array; snapshot: Uint8Array | null; steps: number; fence: number; cancel_requested: number }[];
      const update = this.sql("UPDATE strand_coroutines SET status = 'running', owner = ?, fence = fence + 1, lease_until = ?, updated_at = ? WHERE id = ?");
      const recorded = this.sql("SELECT coalesce(max(seq) + 1, 0) AS recorded FROM strand_steps WHERE coroutine = ?");
      return rows.map((row) => {
        update.run(owner, leaseUntil, now, row.id);
        const steps = Number((recorded.get(row.id) as { recorded: number | bigint }).recorded);
        return {
          id: row.id,
          fence: row.fence + 1,
          start: bytes(row.start),
          snapshot: row.snapshot === null ? null : bytes(row.snapshot),
          steps: row.steps,
          recorded: steps,
          cancelRequested: row.cancel_requested === 1,
        };
      });
    });
  }

  async checkpoint(owner: string, batch: readonly Checkpoint[], now: number, leaseUntil: number): Promise<string[]> {
    return this.transaction(() => {
      const update = this.sql(
        "UPDATE strand_coroutines SET snapshot = ?, steps = ?, suspended_at = ?, checkpoints = checkpoints + 1, problem = NULL, lease_until = ?, updated_at = ? WHERE id = ? AND owner = ? AND fence = ? AND status = 'running'",
      );
      const take = this.sql("UPDATE strand_signals SET taken = 1 WHERE coroutine = ? AND seq = ? AND taken = 0");
      const untake = this.sql("UPDATE strand_coroutines SET pending_signals = pending_signals - ? WHERE id = ?");
      const refused: string[] = [];
      for (const item of batch) {
        if (Number(update.run(item.snapshot, item.steps, item.where, leaseUntil, now, item.id, owner, item.fence).changes) !== 1) refused.push(item.id);
        else {
          let taken = 0;
          for (const seq of item.taken) taken += Number(take.run(item.id, seq).changes);
          if (taken > 0) untake.run(taken, item.id);
        }
      }
      return refused;
    });
  }

  async finish(owner: string, id: string, fence: number, status: "completed" | "failed" | "cancelled" | "stuck", outcome: Uint8Array | null, problem: string | null, now: number): Promise<boolean> {
    const keep = status === "stuck" ? "snapshot" : "NULL"; // a stuck coroutine keeps its checkpoint, to be resumed by the right code
    return this.transaction(() => {
      const changes = this.sql(
        `UPDATE strand_coroutines SET status = ?, outcome = ?, problem = ?, snapshot = ${keep}, owner = NULL, lease_until = 0, updated_at = ? WHERE id = ? AND owner = ? AND fence = ? AND status = 'running'`,
      ).run(status, outcome, problem, now, id, owner, fence).changes;
      if (Number(changes) !== 1) return false;
      if (status !== "stuck") this.wakeParent(id);
      return true;
    });
  }

  /** A parent evicted while it waits for child `id`, which has just ended: due now (invariant 4). In a transaction, after the child's row. */
  private wakeParent(id: string): void {
    this.sql(
      "UPDATE strand_coroutines SET wake_at = 0 WHERE id = (SELECT parent FROM strand_coroutines WHERE id = ?) AND (awaits IS NULL OR EXISTS (SELECT 1 FROM json_each(awaits) WHERE value = ?))",
    ).run(id, id);
  }

  async evict(owner: string, id: string, fence: number, wakeAt: number, now: number, children: readonly string[]): Promise<boolean> {
    return this.transaction(() => {
      // A child started before its row named its parent (a store from before schema 4) names it now.
      if (children.length > 0) this.sql("UPDATE strand_coroutines SET parent = ? WHERE id IN (SELECT value FROM json_each(?)) AND parent IS NULL").run(id, JSON.stringify(children));
      const changes = this.sql(
        // A signal sent while it ran and not taken yet: it is due now.
        "UPDATE strand_coroutines SET status = 'runnable', owner = NULL, lease_until = 0, wake_at = CASE WHEN pending_signals > 0 THEN 0 ELSE ? END, awaits = ?, updated_at = ? WHERE id = ? AND owner = ? AND fence = ? AND status = 'running'",
      ).run(wakeAt, JSON.stringify(children), now, id, owner, fence).changes;
      if (Number(changes) !== 1) return false;
      // A child it waits for that has ended (or is not in the store): due now (invariant 4).
      if (children.length > 0) {
        const live = this.sql(
          "SELECT count(*) AS live FROM strand_coroutines WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('runnable', 'running', 'stuck')",
        ).get(JSON.stringify(children)) as { live: number | bigint };
        if (Number(live.live) < children.length) this.sql("UPDATE strand_coroutines SET wake_at = 0 WHERE id = ?").run(id);
      }
      return true;
    });
  }

  async note(owner: string, id: string, fence: number, problem: string | null): Promise<void> {
    this.sql("UPDATE strand_coroutines SET problem = ? WHERE id = ? AND owner = ? AND fence = ? AND status = 'running'").run(problem, id, owner, fence);
  }

  async renew(owner: string, now: number, leaseUntil: number): Promise<{ held: Held[]; cancelled: string[] }> {
    return this.transaction(() => {
      this.sql("UPDATE strand_coroutines SET lease_until = ? WHERE owner = ? AND status = 'running'").run(leaseUntil, owner);
      const rows = this.sql("SELECT id, fence, cancel_requested FROM strand_coroutines WHERE owner = ? AND status = 'running'").all(owner) as { id: string; fence: number | bigint; cancel_requested: number }[];
      return { held: rows.map((row) => ({ id: row.id, fence: Number(row.fence) })), cancelled: rows.filter((row) => row.cancel_requested === 1).map((row) => row.id) };
    });
  }

  async release(owner: string, now: number): Promise<void> {
    this.sql("UPDATE strand_coroutines SET status = 'runnable', owner = NULL, lease_until = 0, updated_at = ? WHERE owner = ? AND status = 'running'").run(now, owner);
  }

  async recordStep(owner: string, id: string, fence: number, seq: number, ok: boolean, value: Uint8Array): Promise<boolean> {
    return this.transaction(() => {
      const claimed = this.sql("SELECT 1 FROM strand_coroutines WHERE id = ? AND owner = ? AND fence = ? AND status = 'running'").get(id, owner, fence);
      if (claimed === undefined) return false;
      this.sql("INSERT INTO strand_steps (coroutine, seq, ok, value) VALUES (?, ?, ?, ?) ON CONFLICT (coroutine, seq) DO NOTHING").run(id, seq, ok ? 1 : 0, value);
      return true;
    });
  }

  async step(id: string, seq: number): Promise<{ ok: boolean; value: Uint8Array } | null> {
    const row = this.sql("SELECT ok, value FROM strand_steps WHERE coroutine = ? AND seq = ?").get(id, seq) as { ok: number; value: Uint8Array } | undefined;
    return row === undefined ? null : { ok: row.ok === 1, value: bytes(row.value) };
  }

  async outcome(id: string): Promise<{ status: Status; outcome: Uint8Array | null; problem: string | null } | null> {
    const row = this.sql("SELECT status, outcome, problem FROM strand_coroutines WHERE id = ?").get(id) as { status: Status; outcome: Uint8Array | null; problem: string | null } | undefined;
    return row === undefined ? null : { status: row.status, outcome: row.outcome === null ? null : bytes(row.outcome), problem: row.problem };
  }

  async requestCancel(id: string, now: number): Promise<boolean> {
    return this.transaction(() => {
      const row = this.sql("SELECT status, snapshot IS NOT NULL AS saved FROM strand_coroutines WHERE id = ?").get(id) as { status: Status; saved: number } | undefined;
      if (row === undefined) return false;
      if (row.status === "runnable" && row.saved === 1) {
        // Handed back with a checkpoint (evicted, or its worker stopped): a worker claims it now and unwinds it.
        this.sql("UPDATE strand_coroutines SET cancel_requested = 1, wake_at = 0, updated_at = ? WHERE id = ?").run(now, id);
        return true;
      }
      if (row.status === "runnable" || row.status === "stuck") {
        this.sql("UPDATE strand_coroutines SET status = 'cancelled', snapshot = NULL, outcome = NULL, updated_at = ? WHERE id = ?").run(now, id);
        this.wakeParent(id);
        return true;
      }
      if (row.status !== "running") return false;
      this.sql("UPDATE strand_coroutines SET cancel_requested = 1, updated_at = ? WHERE id = ?").run(now, id);
      return true;
    });
  }

  async signal(id: string, value: Uint8Array, now: number): Promise<boolean> {
    return this.transaction(() => {
      const row = this.sql("SELECT status FROM strand_coroutines WHERE id = ?").get(id) as { status: Status } | undefined;
      if (row === undefined || row.status === "completed" || row.status === "failed" || row.status === "cancelled") return false;
      this.sql("INSERT INTO strand_signals (coroutine, value, created_at) VALUES (?, ?, ?)").run(id, value, now);
      this.sql("UPDATE strand_coroutines SET pending_signals = pending_signals + 1, wake_at = 0 WHERE id = ?").run(id); // an evicted one wakes for it
      return true;
    });
  }

  async nextSignal(id: string, after: number): Promise<{ seq: number; value: Uint8Array } | null> {
    const row = this.sql("SELECT seq, value FROM strand_signals WHERE coroutine = ? AND taken = 0 AND seq > ? ORDER BY seq LIMIT 1").get(id, after) as { seq: number; value: Uint8Array } | undefined;
    return row === undefined ? null : { seq: Number(row.seq), value: bytes(row.value) };
  }

  async retry(id: string, now: number): Promise<boolean> {
    const changes = this.sql("UPDATE strand_coroutines SET status = 'runnable', problem = NULL, wake_at = 0, updated_at = ? WHERE id = ? AND status = 'stuck'").run(now, id).changes;
    return Number(changes) === 1;
  }

  async list(id?: string): Promise<CoroutineRow[]> {
    const columns = "id, fn, status, owner, fence, length(snapshot) AS snapshot_bytes, checkpoints, steps, suspended_at, problem, wake_at, cancel_requested, created_at, updated_at";
    const rows = (
      id === undefined
        ? this.sql(`SELECT ${columns} FROM strand_coroutines ORDER BY created_at, id`).all()
        : this.sql(`SELECT ${columns} FROM strand_coroutines WHERE id = ?`).all(id)
    ) as Row[];
    return rows.map((row) => ({
      id: row.id,
      fn: row.fn,
      status: row.status,
      owner: row.owner,
      fence: Number(row.fence),
      snapshotBytes: Number(row.snapshot_bytes ?? 0),
      checkpoints: Number(row.checkpoints),
      steps: Number(row.steps),
      suspendedAt: row.suspended_at,
      wakeAt: Number(row.wake_at) > 0 ? Number(row.wake_at) : null,
      problem: row.problem,
      cancelRequested: row.cancel_requested === 1 && (row.status === "runnable" || row.status === "running"),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
