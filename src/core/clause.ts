/**
 * The select clause protocol: what `select` asks of a clause, so that anything
 * that can be waited on — a channel end, a lock, a task's end, a timer, later a
 * shared-memory channel or an I/O handle — can be one of its clauses.
 *
 * A select runs in two phases:
 *
 * 1. **Attempt.** In random order (`selectBiased`: in order), it asks each
 *    clause to complete at once: `attempt()` either completes the clause —
 *    takes the element, the lock, the permits — and returns its result, or
 *    returns `NOT_READY` having changed nothing. The first to complete wins.
 * 2. **Wait.** If none could, the select `enqueue`s every clause with itself as
 *    the `Selector`, parks, and the clauses' counterparts complete one later:
 *
 *    - *Edge-triggered* (a channel partner, an unlock, a task's end, a timer):
 *      the counterpart calls `selector.choose(wait)` before handing anything
 *      over. Only if it returns true (no other clause has won) may it complete
 *      the hand-off; then it calls `selector.complete()`. On false it must
 *      hand nothing over (and passes the notification on, if it was one).
 *    - *Level-triggered* (readiness that may change under it, e.g. shared
 *      memory written by another thread): the clause calls `selector.retry()`
 *      when it may have become ready; the select withdraws every wait and
 *      goes back to phase 1.
 *
 * Invariants, which every clause must keep:
 * - `attempt()` that returns `NOT_READY` changes nothing.
 * - A wait completes only after winning `choose`, so exactly one clause of a
 *   select completes.
 * - `withdraw()` leaves no registration behind; it is called on every wait
 *   that did not win, before the select returns (or when its task is
 *   cancelled while waiting), and may be called more than once.
 * - `giveBack()` undoes a completed hand-off whose select was cancelled before
 *   its task ran (prompt cancellation): the element goes back to its channel,
 *   the lock or permits to the next waiter. Nothing is lost, nothing is taken twice.
 * - `result()` runs in the selecting task after it won, and applies the
 *   clause's handler; it may throw (a closed channel's `ChannelClosed`, a
 *   failed task's error).
 */

/** What `attempt()` returns when the clause cannot complete without waiting. */
export const NOT_READY: unique symbol = Symbol("not ready");

/** A clause of `select`: see the protocol above. `R` is what the select returns when it wins. */
export interface SelectClause<R> {
  /** What the clause waits for, in words: "receive on channel \"jobs\"", "lock of mutex #1". */
  describe(): string;
  /** Completes the clause now and returns its result, or returns `NOT_READY` having changed nothing. May throw. */
  attempt(): R | typeof NOT_READY;
  /** Registers a wait that completes the clause later, through `selector`. */
  enqueue(selector: Selector): ClauseWait<R>;
}

/** A clause's registration while its select waits. */
export interface ClauseWait<R> {
  /** Leaves the wait without completing; no registration may remain. Safe to call twice. */
  withdraw(): void;
  /** Undoes a hand-off completed for a select whose task was cancelled before it ran. */
  giveBack(): void;
  /** The clause's result once it won (in the selecting task); may throw. */
  result(): R;
}

/** The select, as its clauses' waits see it. */
export interface Selector {
  /**
   * Claims the select for `wait`: true if no other clause has won (the caller
   * then completes the hand-off and calls `complete()`), false if one has (the
   * caller must hand nothing over).
   */
  choose(wait: ClauseWait<unknown>): boolean;
  /** The wait that won has completed its hand-off: resume the selecting task. */
  complete(): void;
  /** Level-triggered readiness: a clause may be ready now; a waiting select attempts its clauses again. */
  retry(): void;
}

/** True if `value` implements the clause protocol. */
export function isSelectClause(value: unknown): value is SelectClause<unknown> {
  const clause = value as Partial<SelectClause<unknown>> | null;
  return (
    typeof clause === "object" &&
    clause !== null &&
    typeof clause.attempt === "function" &&
    typeof clause.enqueue === "function" &&
    typeof clause.describe === "function"
  );
}
