/**
 * Snapshots of coroutines: a suspended compiled coroutine, saved as bytes with
 * everything it reaches (its frames, their locals, closures and objects), and
 * revived — in this process or another — where it stopped.
 *
 * Format: the serializer's (serialize.ts), of `{ format, state }`. Its header
 * lists every registered id the state uses with its version hash — for each
 * function with a frame, its body (`id@body`) and generator prototype
 * (`id@generator`) — so a restore checks versions before decoding; when some
 * changed, it decodes without the check only to name where each changed
 * function stopped (or to migrate its frames), never to run them.
 */
import { Coroutine, coroutineFromState, coroutineState, type CoroutineState } from "../coroutine.js";
import { FRAME, Frame, RUNNING, DELEGATED, unsoundStack } from "./frame.js";
import { decode, encode, type DecodeOptions, type Signer } from "./serialize.js";
import { SnapshotError, VersionMismatch } from "./errors.js";
import { show } from "../validate.js";
import { registerCoreTypes } from "./core-types.js";

const TAG = "strand.coroutine/1";

/** One frame of a snapshot, as a migration sees it. */
export interface FrameSummary {
  /** The function's id (`module path#lexical path`). */
  readonly id: string;
  /** Its version hash when the snapshot was written. */
  readonly hash: string;
  /** Where it stopped: the resume point (a case of its compiled body). */
  readonly ip: number;
}

/**
 * Maps a frame of a function whose code changed since the snapshot to the new
 * code: given the old resume point and locals, return the new ones (or throw to
 * refuse). Called once per frame of a changed function, innermost last.
 */
export type Migration = (frame: FrameSummary & { readonly toHash: string; readonly locals: Record<string, unknown> }) => { ip: number; locals: Record<string, unknown> };

export interface SnapshotOptions {
  /** Sign the snapshot: a key for HMAC-SHA256, or a `{ sign, verify }` pair. */
  sign?: Uint8Array | Signer;
}

export interface RestoreOptions {
  /** Verify a signed snapshot: the key or signer it was signed with. */
  verify?: Uint8Array | Signer;
  /** Migrations by function id, for frames of functions whose code changed. */
  migrations?: Record<string, Migration>;
}

interface Saved {
  format: string;
  state: CoroutineState;
}

/**
 * Saves a suspended coroutine over a compiled generator (a generator function
 * of a `"use durable"` module) as bytes: its frames, their locals and
 * everything they reach, and the value given to `send()` for its next resume.
 * The coroutine itself goes on unchanged.
 *
 * ```ts
 * const c = new Coroutine(counter); // counter: function* in a "use durable" module
 * c.next();
 * const bytes = snapshotCoroutine(c);
 * const copy = restoreCoroutine(bytes); // here or in another process
 * copy.next();
 * ```
 */
export function snapshotCoroutine(coroutine: Coroutine<unknown, unknown, unknown>, options?: SnapshotOptions): Uint8Array {
  if (!(coroutine instanceof Coroutine)) throw new TypeError(`snapshotCoroutine(coroutine): coroutine must be a Coroutine, got ${show(coroutine)}`);
  const state = coroutineState(coroutine);
  const root = frameOf(state.generator);
  if (root === null) {
    throw new SnapshotError(
      'the coroutine runs a generator that is not compiled: put "use durable"; at the top of the module that defines it, and load it with strand/register (or compile it ahead of time)',
    );
  }
  registerCoreTypes();
  if (root.st === RUNNING) throw new SnapshotError("the coroutine is running: snapshot it between next() calls, not from inside it");
  if (root.st === DELEGATED) throw new SnapshotError("the coroutine's generator is being driven by another generator's yield*: snapshot that one");
  const saved: Saved = { format: TAG, state };
  return encode(saved, options?.sign === undefined ? undefined : { sign: options.sign });
}

/**
 * Revives a coroutine from `snapshotCoroutine`'s bytes. The modules that define
 * its functions must be loaded here (imported), compiled from the same code —
 * a function whose code changed fails with `VersionMismatch` naming it and where
 * it stopped, unless `options.migrations` maps it. Corrupt, truncated or
 * wrongly signed bytes fail with `SnapshotError`.
 */
export function restoreCoroutine<R = unknown, S = unknown, T = unknown>(bytes: Uint8Array, options?: RestoreOptions): Coroutine<R, S, T> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`restoreCoroutine(bytes): bytes must be a Uint8Array, got ${show(bytes)}`);
  registerCoreTypes();
  const verify = options?.verify;
  const decodeOptions: DecodeOptions = verify === undefined ? {} : { verify };
  let saved: Saved;
  try {
    saved = decode(bytes, decodeOptions) as Saved;
  } catch (error) {
    if (!(error instanceof VersionMismatch)) throw error;
    saved = changedCode(bytes, decodeOptions, error, options?.migrations ?? {}, (decoded) => {
      check(decoded as Saved);
      return [frameOf((decoded as Saved).state.generator)!];
    });
  }
  check(saved);
  return coroutineFromState<R, S, T>(saved.state);
}

function check(saved: Saved): void {
  if (typeof saved !== "object" || saved === null || saved.format !== TAG || typeof saved.state !== "object" || saved.state === null || frameOf(saved.state.generator) === null) {
    throw new SnapshotError("these bytes are not a coroutine snapshot (snapshotCoroutine writes them)");
  }
  const why = unsoundStack(frameOf(saved.state.generator)!);
  if (why !== null) throw new SnapshotError(`these bytes are not a coroutine this code can resume: ${why}`);
}

/**
 * Functions with frames in the snapshot changed since it was written: decode it
 * again without the version check — the frames of changed functions then hold
 * their old resume points and locals, under the new code — and migrate each, or
 * fail naming each changed function and where it stopped. `stacks` lists the
 * root frames of the decoded value's stacks (checking that it is what the
 * caller's bytes should hold).
 */
export function changedCode<T>(
  bytes: Uint8Array,
  decodeOptions: DecodeOptions,
  mismatch: VersionMismatch,
  migrations: Record<string, Migration>,
  stacks: (decoded: unknown) => Frame[],
): T {
  // Ids of compiled functions are registered as `id@body` and `id@generator`.
  const oldHash = new Map<string, string | undefined>();
  const other: string[] = [];
  for (const m of mismatch.mismatches) {
    const at = m.id.lastIndexOf("@");
    const suffix = at < 0 ? "" : m.id.slice(at + 1);
    if (suffix === "body" || suffix === "generator") oldHash.set(m.id.slice(0, at), m.actualHash);
    else other.push(m.id);
  }
  if (other.length > 0) throw mismatch; // a changed class or function that is not a frame's: nothing to migrate
  const decoded = decode(bytes, { ...decodeOptions, versions: "ignore" });
  const unmigrated: Array<{ id: string; from: string | undefined; to: string; ip: number }> = [];
  for (const root of stacks(decoded)) {
    const stack: Frame[] = [];
    for (let frame: Frame | null = root.top; frame !== null; frame = frame.caller) stack.unshift(frame);
    for (const frame of stack) {
      const id = frame.info.id;
      if (!oldHash.has(id)) continue;
      const migration = migrations[id];
      if (typeof migration !== "function") {
        unmigrated.push({ id, from: oldHash.get(id), to: frame.info.hash, ip: frame.ip });
        continue;
      }
      const result = migration({ id, hash: oldHash.get(id) ?? "", toHash: frame.info.hash, ip: frame.ip, locals: frame.l as Record<string, unknown> });
      if (typeof result !== "object" || result === null || typeof result.ip !== "number" || typeof result.locals !== "object" || result.locals === null) {
        throw new TypeError(`the migration of ${id} must return { ip: number, locals: object }`);
      }
      frame.ip = result.ip;
      frame.l = result.locals;
    }
  }
  if (unmigrated.length > 0) {
    const error = new VersionMismatch(unmigrated.map((c) => ({ id: c.id, expectedHash: c.to, actualHash: c.from })));
    error.message =
      `the code of ${unmigrated.length === 1 ? "a function" : `${unmigrated.length} functions`} with frames in the snapshot changed: ` +
      unmigrated.map((c) => `${c.id} (stopped at resume point ${c.ip}; snapshot version ${c.from ?? "?"}, here ${c.to})`).join(", ") +
      "; restore with the code that wrote it, or pass a migration for each in options.migrations";
    throw error;
  }
  return decoded as T;
}

/** The root frame of a compiled generator object, or null for anything else. */
export function frameOf(generator: unknown): Frame | null {
  if (typeof generator !== "object" || generator === null) return null;
  const frame = (generator as { [FRAME]?: unknown })[FRAME];
  return frame instanceof Frame ? frame : null;
}

