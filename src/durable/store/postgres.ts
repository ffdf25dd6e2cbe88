/**
 * The PostgreSQL store, for many workers on many machines, through the `pg`
 * driver (an optional peer dependency, loaded when a `postgres://` store is
 * first opened). The schema is driver.ts's; the differences from SQLite:
 * claims take rows with `FOR UPDATE SKIP LOCKED` (workers never wait on each
 * other's claims), and `NOTIFY strand_work` wakes idle workers when a
 * coroutine becomes runnable or is signalled (`LISTEN` on a connection of its
 * own), so they need not poll quickly. Migrations run under an advisory lock,
 * so workers starting together migrate once.
 */
import { createRequire } from "node:module";
import type { Checkpoint, Claimed, CoroutineRow, Driver, Held, Status } from "./driver.js";

/** The subset of `pg` used here. */
interface QueryResult<R> {
  rows: R[];
  rowCount: number | null;
}
interface Queryable {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
interface PoolClient extends Queryable {
  release(): void;
}
interface Pool extends Queryable {
  connect(): Promise<PoolClient>;
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): void;
}
interface Client extends Queryable {
  connect(): Promise<void>;
  end(): Promise<void>;
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
}
interface Pg {
  Pool: new (options: { connectionString: string; max?: number }) => Pool;
  Client: new (options: { connectionString: string }) => Client;
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE strand_coroutines (
     id TEXT PRIMARY KEY,
     fn TEXT NOT NULL,
     status TEXT NOT NULL,
     start BYTEA NOT NULL,
     snapshot BYTEA,
     steps BIGINT NOT NULL DEFAULT 0,
     checkpoints BIGINT NOT NULL DEFAULT 0,
     outcome BYTEA,
     problem TEXT,
     owner TEXT,
     fence BIGINT NOT NULL DEFAULT 0,
     lease_until BIGINT NOT NULL DEFAULT 0,
     cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL
   );
   CREATE INDEX strand_coroutines_claim ON strand_coroutines (status, lease_until, created_at);
   CREATE TABLE strand_steps (
     coroutine TEXT NOT NULL,
     seq BIGINT NOT NULL,
     ok BOOLEAN NOT NULL,
     value BYTEA NOT NULL,
     PRIMARY KEY (coroutine, seq)
   );`,
  `ALTER TABLE strand_coroutines ADD COLUMN suspended_at TEXT;
   CREATE TABLE strand_signals (
     seq BIGSERIAL PRIMARY KEY,
     coroutine TEXT NOT NULL,
     value BYTEA NOT NULL,
     taken BOOLEAN NOT NULL DEFAULT FALSE,
     created_at BIGINT NOT NULL
   );
   CREATE INDEX strand_signals_next ON strand_signals (coroutine, taken, seq);`,
  `ALTER TABLE strand_coroutines ADD COLUMN wake_at BIGINT NOT NULL DEFAULT 0;
   ALTER TABLE strand_coroutines ADD COLUMN pending_signals BIGINT NOT NULL DEFAULT 0;`,
  // 4: a child coroutine (startChild) names its parent, whose wait for it its end wakes.
  `ALTER TABLE strand_coroutines ADD COLUMN parent TEXT;`,
  // 5: an evicted coroutine names the children it waits for: only their end wakes it (NULL: any child's).
  `ALTER TABLE strand_coroutines ADD COLUMN awaits TEXT[];`,
];

const SCHEMA_VERSION = MIGRATIONS.length;

/** In an UPDATE of a parent's row: whether it waits for the child whose id is the parameter `child` (its last eviction named it, or came before schema 5). */
const waitsFor = (child: string) => `(awaits IS NULL OR ${child} = ANY(awaits))`;
/** In an UPDATE of a parent's row: the child's end makes it due if it waits for that child (invariant 4). */
const wakeFor = (child: string) => `wake_at = CASE WHEN ${waitsFor(child)} THEN 0::bigint ELSE wake_at END`;

/** The advisory lock migrations hold (any fixed number: "strand" in ASCII). */
const MIGRATION_LOCK = 0x737472616e64;

function loadPg(url: string): Pg {
  const require = createRequire(import.meta.url);
  try {
    return require("pg") as Pg;
  } catch (error) {
    if ((error as { code?: string }).code !== "MODULE_NOT_FOUND") throw error;
    throw new Error(`openStore(${JSON.stringify(redact(url))}): a PostgreSQL store needs the pg driver: npm install pg`);
  }
}

/** The url without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

/** Connects to the PostgreSQL database at `url` and brings its schema up to date. */
export async function openPostgres(url: string): Promise<Driver> {
  const pg = loadPg(url);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on("error", () => {}); // an idle client's error: the next query reconnects
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresDriver(pool, pg, url);
}

async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS strand_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const found = await client.query<{ value: string }>("SELECT value FROM strand_meta WHERE key = 'schema_version'");
    const version = found.rows.length === 0 ? 0 : Number(found.rows[0]!.value);
    if (version > SCHEMA_VERSION) {
      throw new Error(`the store was written by a newer Strand (schema version ${version}; this one knows up to ${SCHEMA_VERSION}): upgrade Strand to open it`);
    }
    for (let v = version; v < SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v]!);
    await client.query("INSERT INTO strand_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(SCHEMA_VERSION)]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** PostgreSQL's deadlock_detected or serialization_failure: the transaction can simply run again. */
function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "40P01" || code === "40001";
}

const bytes = (value: unknown): Uint8Array => (value instanceof Uint8Array ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(0));
const buffer = (value: Uint8Array): Buffer => Buffer.from(value.buffer, value.byteOffset, value.byteLength);

class PostgresDriver implements Driver {
  private listener: Client | null = null;
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly pool: Pool,
    private readonly pg: Pg,
    private readonly url: string,
  ) {}

  /** Runs `body` in one transaction; one that PostgreSQL chose as a deadlock's victim runs again. */
  private async transaction<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        const result = await body(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        if (!isDeadlock(error) || attempt === 5) throw error;
      } finally {
        client.release();
      }
    }
  }

  /** One statement, run again if it was a deadlock's victim. */
  private async query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pool.query<R>(text, values);
      } catch (error) {
        if (!isDeadlock(error) || attempt === 5) throw error;
      }
    }
  }

  async insert(id: string, fn: string, start: Uint8Array, now: number, parent?: string): Promise<boolean> {
    const result = await this.query(
      "WITH added AS (INSERT INTO strand_coroutines (id, fn, status, start, parent, created_at, updated_at) VALUES ($1, $2, 'runnable', $3, $5, $4, $4) ON CONFLICT (id) DO NOTHING RETURNING id) SELECT pg_notify('strand_work', id) FROM added",
      [id, fn, buffer(start), now, parent ?? null],
    );
    return result.rows.length === 1;
  }

  async claim(owner: string, limit: number, now: number, leaseUntil: number): Promise<Claimed[]> {
    const result = await this.query<{ id: string; start: Uint8Array; snapshot: Uint8Array | null; steps: string; fence: string; cancel_requested: boolean }>(
      `UPDATE strand_coroutines SET status = 'running', owner = $1, fence = fence + 1, lease_until = $3, updated_at = $2
       WHERE id IN (
         SELECT id FROM strand_coroutines
         WHERE (status = 'runnable' AND wake_at <= $2) OR (status = 'running' AND lease_until < $2 AND owner <> $1)
         ORDER BY created_at, id LIMIT $4
         FOR UPDATE SKIP LOCKED
       )
       RETURNING id, start, snapshot, steps, fence, cancel_requested`,
      [owner, now, leaseUntil, limit],
    );
    if (result.rows.length === 0) return [];
    // Read after the claim committed: a step the previous holder recorded committed before it (its record holds
    // the row FOR SHARE, which the claim's update waits for), and none can be recorded by it after (fencing).
    const recorded = await this.query<{ coroutine: string; recorded: string }>(
      "SELECT coroutine, max(seq) + 1 AS recorded FROM strand_steps WHERE coroutine = ANY($1::text[]) GROUP BY coroutine",
      [result.rows.map((row) => row.id)],
    );
    const byId = new Map(recorded.rows.map((row) => [row.coroutine, Number(row.recorded)]));
    return result.rows.map((row) => ({
      id: row.id,
      fence: Number(row.fence),
      start: bytes(row.start),
      snapshot: row.snapshot === null ? null : bytes(row.snapshot),
      steps: Number(row.steps),
      recorded: byId.get(row.id) ?? 0,
      cancelRequested: row.cancel_requested,
    }));
  }

  async checkpoint(owner: string, batch: readonly Checkpoint[], now: number, leaseUntil: number): Promise<string[]> {
    return this.transaction(async (client) => {
      const refused: string[] = [];
      // Rows in id order, as every statement that locks several takes them: no two transactions wait on each other.
      for (const item of [...batch].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
        const updated = await client.query(
          "UPDATE strand_coroutines SET snapshot = $1, steps = $2, suspended_at = $3, checkpoints = checkpoints + 1, problem = NULL, lease_until = $4, updated_at = $5 WHERE id = $6 AND owner = $7 AND fence = $8 AND status = 'running'",
          [buffer(item.snapshot), item.steps, item.where, leaseUntil, now, item.id, owner, item.fence],
        );
        if (updated.rowCount !== 1) refused.push(item.id);
        else if (item.taken.length > 0) {
          const taken = await client.query("UPDATE strand_signals SET taken = TRUE WHERE coroutine = $1 AND seq = ANY($2::bigint[]) AND NOT taken", [item.id, item.taken]);
          if ((taken.rowCount ?? 0) > 0) await client.query("UPDATE strand_coroutines SET pending_signals = pending_signals - $1 WHERE id = $2", [taken.rowCount, item.id]);
        }
      }
      return refused;
    });
  }

  async finish(owner: string, id: string, fence: number, status: "completed" | "failed" | "cancelled" | "stuck", outcome: Uint8Array | null, problem: string | null, now: number): Promise<boolean> {
    const keep = status === "stuck" ? "snapshot" : "NULL";
    // One statement: the row ends, then a parent evicted while it waits for it is due now (invariant 4; the
    // parent's row is locked after the child's, as an eviction locks the parent's and then reads the children's:
    // so the parent's row is updated, and locked, also when it does not wait for this child).
    const result = await this.query<{ ended: string }>(
      `WITH ended AS (
         UPDATE strand_coroutines SET status = $1, outcome = $2, problem = $3, snapshot = ${keep}, owner = NULL, lease_until = 0, updated_at = $4
         WHERE id = $5 AND owner = $6 AND fence = $7 AND status = 'running' RETURNING parent
       ), woken AS (
         UPDATE strand_coroutines SET ${wakeFor("$5")} WHERE $8 AND id IN (SELECT parent FROM ended) RETURNING id, ${waitsFor("$5")} AS woke
       ), notified AS (SELECT pg_notify('strand_work', id) FROM woken WHERE woke)
       SELECT (SELECT count(*) FROM ended) AS ended, (SELECT count(*) FROM notified) AS notified`,
      [status, outcome === null ? null : buffer(outcome), problem, now, id, owner, fence, status !== "stuck"],
    );
    return Number(result.rows[0]!.ended) === 1;
  }

  async evict(owner: string, id: string, fence: number, wakeAt: number, now: number, children: readonly string[]): Promise<boolean> {
    // A signal sent while it ran and not taken yet: it is due now.
    const evict =
      "UPDATE strand_coroutines SET status = 'runnable', owner = NULL, lease_until = 0, wake_at = CASE WHEN pending_signals > 0 THEN 0::bigint ELSE $1::bigint END, awaits = $6::text[], updated_at = $2 WHERE id = $3 AND owner = $4 AND fence = $5 AND status = 'running'";
    const values = [wakeAt, now, id, owner, fence, children];
    if (children.length === 0) return (await this.query(evict, values)).rowCount === 1;
    return this.transaction(async (client) => {
      // A child started before its row named its parent (a store from before schema 4) names it now: its row is
      // locked before the parent's, the order in which a child's end locks them.
      await client.query("UPDATE strand_coroutines SET parent = $1 WHERE id = ANY($2::text[]) AND parent IS NULL", [id, children]);
      if ((await client.query(evict, values)).rowCount !== 1) return false;
      // With the row locked, a new statement (a new snapshot): a child it waits for that has ended, or is not
      // in the store, makes it due now; a child that ends from here on finds the row evicted (invariant 4).
      await client.query(
        `WITH woken AS (
           UPDATE strand_coroutines SET wake_at = 0 WHERE id = $1
           AND (SELECT count(*) FROM strand_coroutines WHERE id = ANY($2::text[]) AND status IN ('runnable', 'running', 'stuck')) < $3
           RETURNING id
         ) SELECT pg_notify('strand_work', id) FROM woken`,
        [id, children, children.length],
      );
      return true;
    });
  }

  async note(owner: string, id: string, fence: number, problem: string | null): Promise<void> {
    await this.query("UPDATE strand_coroutines SET problem = $1 WHERE id = $2 AND owner = $3 AND fence = $4 AND status = 'running'", [problem, id, owner, fence]);
  }

  async renew(owner: string, _now: number, leaseUntil: number): Promise<{ held: Held[]; cancelled: string[] }> {
    const result = await this.query<{ id: string; fence: string; cancel_requested: boolean }>(
      "UPDATE strand_coroutines SET lease_until = $1 WHERE id IN (SELECT id FROM strand_coroutines WHERE owner = $2 AND status = 'running' ORDER BY id FOR UPDATE) AND owner = $2 AND status = 'running' RETURNING id, fence, cancel_requested",
      [leaseUntil, owner],
    );
    return { held: result.rows.map((row) => ({ id: row.id, fence: Number(row.fence) })), cancelled: result.rows.filter((row) => row.cancel_requested).map((row) => row.id) };
  }

  async release(owner: string, now: number): Promise<void> {
    await this.query(
      "WITH released AS (UPDATE strand_coroutines SET status = 'runnable', owner = NULL, lease_until = 0, updated_at = $1 WHERE id IN (SELECT id FROM strand_coroutines WHERE owner = $2 AND status = 'running' ORDER BY id FOR UPDATE) AND owner = $2 AND status = 'running' RETURNING id) SELECT pg_notify('strand_work', id) FROM released",
      [now, owner],
    );
  }

  async recordStep(owner: string, id: string, fence: number, seq: number, ok: boolean, value: Uint8Array): Promise<boolean> {
    // One statement, one round trip: the claim is checked and held (FOR SHARE: a claim by another worker waits
    // for it, or it sees that claim and inserts nothing) in the transaction that inserts the record.
    const inserted = await this.query(
      `INSERT INTO strand_steps (coroutine, seq, ok, value)
       SELECT $1::text, $4::bigint, $5::boolean, $6::bytea WHERE EXISTS (SELECT 1 FROM strand_coroutines WHERE id = $1 AND owner = $2 AND fence = $3 AND status = 'running' FOR SHARE)
       ON CONFLICT (coroutine, seq) DO NOTHING`,
      [id, owner, fence, seq, ok, buffer(value)],
    );
    if (inserted.rowCount === 1) return true;
    // Nothing inserted: refused, or recorded already (its first record stands) while the claim holds.
    const claimed = await this.query("SELECT 1 FROM strand_coroutines WHERE id = $1 AND owner = $2 AND fence = $3 AND status = 'running'", [id, owner, fence]);
    return claimed.rows.length === 1;
  }

  async step(id: string, seq: number): Promise<{ ok: boolean; value: Uint8Array } | null> {
    const result = await this.query<{ ok: boolean; value: Uint8Array }>("SELECT ok, value FROM strand_steps WHERE coroutine = $1 AND seq = $2", [id, seq]);
    const row = result.rows[0];
    return row === undefined ? null : { ok: row.ok, value: bytes(row.value) };
  }

  async outcome(id: string): Promise<{ status: Status; outcome: Uint8Array | null; problem: string | null } | null> {
    const result = await this.query<{ status: Status; outcome: Uint8Array | null; problem: string | null }>("SELECT status, outcome, problem FROM strand_coroutines WHERE id = $1", [id]);
    const row = result.rows[0];
    return row === undefined ? null : { status: row.status, outcome: row.outcome === null ? null : bytes(row.outcome), problem: row.problem };
  }

  async requestCancel(id: string, now: number): Promise<boolean> {
    return this.transaction(async (client) => {
      const found = await client.query<{ status: Status; saved: boolean }>("SELECT status, snapshot IS NOT NULL AS saved FROM strand_coroutines WHERE id = $1 FOR UPDATE", [id]);
      const status = found.rows[0]?.status;
      if (status === undefined) return false;
      if (status === "runnable" && found.rows[0]!.saved) {
        // Handed back with a checkpoint (evicted, or its worker stopped): a worker claims it now and unwinds it.
        await client.query("UPDATE strand_coroutines SET cancel_requested = TRUE, wake_at = 0, updated_at = $1 WHERE id = $2", [now, id]);
        await client.query("SELECT pg_notify('strand_work', $1)", [id]);
        return true;
      }
      if (status === "runnable" || status === "stuck") {
        await client.query("UPDATE strand_coroutines SET status = 'cancelled', snapshot = NULL, outcome = NULL, updated_at = $1 WHERE id = $2", [now, id]);
        // A parent evicted while it waits for this child is due now (invariant 4).
        await client.query(
          `WITH woken AS (UPDATE strand_coroutines SET ${wakeFor("$1")} WHERE id = (SELECT parent FROM strand_coroutines WHERE id = $1) RETURNING id, ${waitsFor("$1")} AS woke)
           SELECT pg_notify('strand_work', id) FROM woken WHERE woke`,
          [id],
        );
        return true;
      }
      if (status !== "running") return false;
      await client.query("UPDATE strand_coroutines SET cancel_requested = TRUE, updated_at = $1 WHERE id = $2", [now, id]);
      return true;
    });
  }

  async signal(id: string, value: Uint8Array, now: number): Promise<boolean> {
    return this.transaction(async (client) => {
      const found = await client.query<{ status: Status }>("SELECT status FROM strand_coroutines WHERE id = $1 FOR UPDATE", [id]);
      const status = found.rows[0]?.status;
      if (status === undefined || status === "completed" || status === "failed" || status === "cancelled") return false;
      await client.query("INSERT INTO strand_signals (coroutine, value, created_at) VALUES ($1, $2, $3)", [id, buffer(value), now]);
      // Counted on the row itself: an eviction racing this signal sees it once it has this row's lock.
      await client.query("UPDATE strand_coroutines SET pending_signals = pending_signals + 1, wake_at = 0 WHERE id = $1", [id]);
      await client.query("SELECT pg_notify('strand_work', $1)", [id]);
      return true;
    });
  }

  async nextSignal(id: string, after: number): Promise<{ seq: number; value: Uint8Array } | null> {
    const result = await this.query<{ seq: string; value: Uint8Array }>(
      "SELECT seq, value FROM strand_signals WHERE coroutine = $1 AND NOT taken AND seq > $2 ORDER BY seq LIMIT 1",
      [id, after],
    );
    const row = result.rows[0];
    return row === undefined ? null : { seq: Number(row.seq), value: bytes(row.value) };
  }

  async retry(id: string, now: number): Promise<boolean> {
    const result = await this.query(
      "WITH retried AS (UPDATE strand_coroutines SET status = 'runnable', problem = NULL, wake_at = 0, updated_at = $1 WHERE id = $2 AND status = 'stuck' RETURNING id) SELECT pg_notify('strand_work', id) FROM retried",
      [now, id],
    );
    return result.rows.length === 1;
  }

  async list(id?: string): Promise<CoroutineRow[]> {
    const columns = "id, fn, status, owner, fence, COALESCE(octet_length(snapshot), 0) AS snapshot_bytes, checkpoints, steps, suspended_at, problem, wake_at, cancel_requested, created_at, updated_at";
    const result = await this.query<Record<string, unknown>>(
      id === undefined ? `SELECT ${columns} FROM strand_coroutines ORDER BY created_at, id` : `SELECT ${columns} FROM strand_coroutines WHERE id = $1`,
      id === undefined ? [] : [id],
    );
    return result.rows.map((row) => ({
      id: row.id as string,
      fn: row.fn as string,
      status: row.status as Status,
      owner: row.owner as string | null,
      fence: Number(row.fence),
      snapshotBytes: Number(row.snapshot_bytes),
      checkpoints: Number(row.checkpoints),
      steps: Number(row.steps),
      suspendedAt: row.suspended_at as string | null,
      wakeAt: Number(row.wake_at) > 0 ? Number(row.wake_at) : null,
      problem: row.problem as string | null,
      cancelRequested: row.cancel_requested === true && (row.status === "runnable" || row.status === "running"),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }));
  }

  /** Calls `wake` when work may be waiting (a coroutine became runnable, or was signalled); returns the function that stops it. */
  onWork(wake: () => void): () => void {
    this.wakers.add(wake);
    if (this.listener === null) {
      const client = new this.pg.Client({ connectionString: this.url });
      this.listener = client;
      client.on("error", () => {}); // a lost listener only slows wake-ups to the workers' polling
      client.on("notification", () => {
        for (const waker of this.wakers) waker();
      });
      client
        .connect()
        .then(() => client.query("LISTEN strand_work"))
        .catch(() => {});
    }
    return () => {
      this.wakers.delete(wake);
    };
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    if (listener !== null) await listener.end().catch(() => {});
    await this.pool.end();
  }
}
