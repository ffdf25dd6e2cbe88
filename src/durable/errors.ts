/** The errors of durable snapshots: users `instanceof` them. */

/**
 * A value cannot be snapshotted, or bytes cannot be restored: malformed,
 * truncated, corrupted, unsigned or wrongly signed, or naming a class, function
 * or type this process has not registered. The decoder throws nothing else on
 * bad input. Encoder errors carry the path to the offending value.
 *
 * @example
 * ```ts
 * try {
 *   encode({ conn: { onData() {} } });
 * } catch (error) {
 *   if (error instanceof SnapshotError) console.log(error.path); // ".conn.onData"
 * }
 * ```
 */
export class SnapshotError extends Error {
  override readonly name: string = "SnapshotError";
  constructor(
    message: string,
    /** Where in the encoded value the problem is (`.frames[3].locals`, "" for the root); undefined when decoding. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One registered id whose version hash differs between the snapshot and this process. */
export interface HashMismatch {
  readonly id: string;
  /** The hash registered in this process (undefined: registered without one). */
  readonly expectedHash: string | undefined;
  /** The hash the snapshot was written with (undefined: written without one). */
  readonly actualHash: string | undefined;
}

/**
 * The snapshot was written by other versions of registered code: the listed ids
 * were registered with other hashes. Thrown by `decode` before it decodes the
 * body; pass `versions: "ignore"` (and check `onHeader` yourself) to migrate.
 *
 * @example
 * ```ts
 * try {
 *   decode(bytes);
 * } catch (error) {
 *   if (error instanceof VersionMismatch) console.log(error.mismatches.map((m) => m.id));
 * }
 * ```
 */
export class VersionMismatch extends SnapshotError {
  override readonly name: string = "VersionMismatch";
  constructor(readonly mismatches: readonly HashMismatch[]) {
    super(
      `the snapshot was written by other versions of ${mismatches.length === 1 ? "this registered id" : `${mismatches.length} registered ids`}: ` +
        mismatches.map(({ id, expectedHash, actualHash }) => `${JSON.stringify(id)} (snapshot ${actualHash ?? "no hash"}, here ${expectedHash ?? "no hash"})`).join(", ") +
        `; restore it with the code that wrote it, or migrate it (decode with versions: "ignore")`,
    );
  }
}
