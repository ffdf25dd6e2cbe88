/**
 * What a store's database does for durable execution (worker.ts): one table
 * of durable coroutines, one of recorded steps. A driver per database
 * (sqlite.ts; PostgreSQL next) implements it with the same schema.
 *
 * A coroutine's row, by status:
 *
 * | status    | meaning                                                            |
 * |-----------|--------------------------------------------------------------------|
 * | runnable  | recorded by `start`, or handed back (a worker stopped, or evicted) |
 * | running   | claimed by `owner` until `lease_until`; `fence` counts the claims  |
 * | completed | ended with the value in `outcome`                                  |
 * | failed    | ended with the error in `outcome`                                  |
 * | cancelled | ended by `cancel`                                                  |
 * | stuck     | cannot be resumed here (`problem` says why: its code changed)      |
 *
 * ```
 * runnable ──claim──▶ running ──ends──▶ completed | failed | cancelled
 *    ▲  └──cancel──▶ cancelled   │  └──code changed──▶ stuck
 *    └───worker stops (release)──┘  (its lease lapses: claimed again, fence + 1)
 * ```
 *
 * Invariants:
 * 1. A claim increments `fence`; every write of a running coroutine (a
 *    checkpoint, a step, its end) names the owner and fence it was claimed
 *    with and is refused otherwise, so a worker whose lease lapsed (another
 *    claimed the coroutine since) can change nothing.
 * 2. `snapshot` is the tree as it was at a suspension, with `steps` the number
 *    of steps it had taken then, written in one transaction.
 * 3. A recorded step is never replaced: its first record stands.
 * 4. An evicted coroutine is never left asleep past what wakes it: a signal
 *    or the end of a child it waits for, also one that races its eviction,
 *    makes it due at once. A signal is counted on the coroutine's own row. An
 *    eviction writes the children its tree waits for in the parent's row
 *    (`awaits`); a child's end, after the child's row is written, sets its
 *    parent's `wake_at` to 0 if `awaits` names it (or is NULL: the parent was
 *    not evicted since schema 5), and an eviction, after writing the parent's
 *    row, looks again at the children it waits for. The end of a child the
 *    parent does not wait for (it sleeps, or joins another) leaves it asleep.
 */

export type Status = "runnable" | "running" | "completed" | "failed" | "cancelled" | "stuck";

/** A coroutine as `inspect` reports it. */
export interface CoroutineRow {
  readonly id: string;
  /** The id of its function (`module path#name`). */
  readonly fn: string;
  readonly status: Status;
  /** The worker running it, while running. */
  readonly owner: string | null;
  /** Claims so far: each resume on a worker is one. */
  readonly fence: number;
  /** Bytes of its last checkpoint (0 before the first). */
  readonly snapshotBytes: number;
  /** Checkpoints written. */
  readonly checkpoints: number;
  /** Steps recorded at its last checkpoint. */
  readonly steps: number;
  /** Where it was suspended at its last checkpoint: each task's path and its frames, innermost first. */
  readonly suspendedAt: string | null;
  /** Evicted while it sleeps: when it is due (ms since the epoch; a signal, or the end of a child it waits for, wakes it earlier), else null. */
  readonly wakeAt: number | null;
  /** Why it is stuck, or why its last checkpoint could not be taken. */
  readonly problem: string | null;
  /** Its cancellation was requested and a worker has yet to unwind it (`cancel`). */
  readonly cancelRequested: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A claimed coroutine: what a worker needs to run it. */
export interface Claimed {
  readonly id: string;
  readonly fence: number;
  /** `{ fn, args }` as `start` encoded it. */
  readonly start: Uint8Array;
  /** The last checkpoint, or null: start from `start`. */
  readonly snapshot: Uint8Array | null;
  readonly steps: number;
  /**
   * One more than the highest step recorded when it was claimed (0: none).
   * Steps from this number on cannot be in the store — only the claimant
   * records its steps — so they are run without looking them up first.
   */
  readonly recorded: number;
  /** Its cancellation was requested: the worker unwinds it (its `finally` blocks run) as soon as it is restored. */
  readonly cancelRequested: boolean;
}

export interface Checkpoint {
  readonly id: string;
  readonly fence: number;
  readonly snapshot: Uint8Array;
  readonly steps: number;
  /** Where its tasks are suspended, for `inspect`. */
  readonly where: string;
  /** Signals it took since its last checkpoint: marked taken in the same transaction. */
  readonly taken: readonly number[];
}

/** A coroutine a worker holds in the store: its id and the fence of its claim. */
export interface Held {
  readonly id: string;
  readonly fence: number;
}

export interface Driver {
  /** Records a new coroutine (a child of `parent`, if given: its end wakes the parent); false if `id` exists (then nothing changes). */
  insert(id: string, fn: string, start: Uint8Array, now: number, parent?: string): Promise<boolean>;
  /** Claims up to `limit` runnable coroutines (or running ones whose lease lapsed) for `owner`. */
  claim(owner: string, limit: number, now: number, leaseUntil: number): Promise<Claimed[]>;
  /** Writes checkpoints in one transaction; returns the ids refused (not claimed by `owner` with that fence any more). */
  checkpoint(owner: string, batch: readonly Checkpoint[], now: number, leaseUntil: number): Promise<string[]>;
  /** Ends a claimed coroutine, and makes its parent due at once if the parent's eviction named it among those it waits for (invariant 4); false if refused (invariant 1). */
  finish(owner: string, id: string, fence: number, status: "completed" | "failed" | "cancelled" | "stuck", outcome: Uint8Array | null, problem: string | null, now: number): Promise<boolean>;
  /**
   * Hands back a claimed coroutine that sleeps, to be claimed again at `wakeAt`
   * (ms since the epoch), when signalled, or when one of `children` ends; due
   * at once if a signal is pending or one of `children` (those it waits for)
   * has ended; false if refused.
   */
  evict(owner: string, id: string, fence: number, wakeAt: number, now: number, children: readonly string[]): Promise<boolean>;
  /** Notes why a claimed coroutine's checkpoint could not be taken (it keeps running). */
  note(owner: string, id: string, fence: number, problem: string | null): Promise<void>;
  /** Extends `owner`'s leases: returns the coroutines it still holds (id and fence), and the ids of those whose cancellation was requested. */
  renew(owner: string, now: number, leaseUntil: number): Promise<{ held: Held[]; cancelled: string[] }>;
  /** Hands `owner`'s running coroutines back (a worker that stops). */
  release(owner: string, now: number): Promise<void>;
  /** Records step `seq` of a claimed coroutine (its first record stands); false if refused (invariant 1). */
  recordStep(owner: string, id: string, fence: number, seq: number, ok: boolean, value: Uint8Array): Promise<boolean>;
  /** Step `seq` of coroutine `id`, if recorded. */
  step(id: string, seq: number): Promise<{ ok: boolean; value: Uint8Array } | null>;
  /** The row's status and outcome, or null if there is no such coroutine. */
  outcome(id: string): Promise<{ status: Status; outcome: Uint8Array | null; problem: string | null } | null>;
  /**
   * Cancels a coroutine that has nothing to unwind at once (never checkpointed,
   * or stuck); asks a worker to unwind one that has (running: its worker;
   * runnable with a checkpoint, evicted or handed back: the next worker to claim
   * it, due at once). False if it has ended (or does not exist).
   */
  requestCancel(id: string, now: number): Promise<boolean>;
  /** Queues a signal for a coroutine that has not ended; false if it has (or does not exist). */
  signal(id: string, value: Uint8Array, now: number): Promise<boolean>;
  /** The first signal of `id` not taken yet after `after`, in the order they were sent. */
  nextSignal(id: string, after: number): Promise<{ seq: number; value: Uint8Array } | null>;
  /** Makes a stuck coroutine runnable again (for code that can resume it); false if it is not stuck. */
  retry(id: string, now: number): Promise<boolean>;
  /** Calls `wake` when work may be waiting (PostgreSQL's NOTIFY); without it, workers poll. Returns the function that stops it. */
  onWork?(wake: () => void): () => void;
  /** Every coroutine, or the one with `id`. */
  list(id?: string): Promise<CoroutineRow[]>;
  close(): Promise<void>;
}
