/**
 * Snapshots of coroutines: a suspended compiled coroutine, saved as bytes with
 * everything it reaches (its frames, their locals, closures and objects), and
 * revived — in this process or another — where it stopped.
 *
 * Format: the serializer's (serialize.ts), twice over: an outer value that
 * needs nothing registered — the format tag, a summary of the frames (function
 * id, version hash, resume point) and the inner bytes — so a restore can check
 * versions and name where each changed function stopped before it decodes
 * anything that needs the code; and the inner bytes, the coroutine's state.
 */
import { Coroutine, coroutineFromState, coroutineState, type CoroutineState } from "../coroutine.js";
import { FRAME, Frame, RUNNING, DELEGATED } from "./frame.js";
import { functionInfo } from "./compiled.js";
import { decode, encode, type DecodeOptions, type EncodeOptions, type Signer } from "./serialize.js";
import { SnapshotError, VersionMismatch } from "./errors.js";

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

interface Outer {
  format: string;
  frames: Array<[id: string, hash: string, ip: number]>;
  state: Uint8Array;
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
  if (!(coroutine instanceof Coroutine)) throw new TypeError(`snapshotCoroutine(coroutine): coroutine must be a Coroutine, got ${describe(coroutine)}`);
  const state = coroutineState(coroutine);
  const root = frameOf(state.generator);
  if (root === null) {
    throw new SnapshotError(
      'the coroutine runs a generator that is not compiled: put "use durable"; at the top of the module that defines it, and load it with strand/register (or compile it ahead of time)',
    );
  }
  if (root.st === RUNNING) throw new SnapshotError("the coroutine is running: snapshot it between next() calls, not from inside it");
  if (root.st === DELEGATED) throw new SnapshotError("the coroutine's generator is being driven by another generator's yield*: snapshot that one");
  const frames: Outer["frames"] = [];
  for (let frame: Frame | null = root.top; frame !== null; frame = frame.caller) frames.unshift([frame.info.id, frame.info.hash, frame.ip]);
  const inner = encode(state, options?.sign === undefined ? undefined : ({ sign: options.sign } as EncodeOptions));
  const outer: Outer = { format: TAG, frames, state: inner };
  return encode(outer, options?.sign === undefined ? undefined : ({ sign: options.sign } as EncodeOptions));
}

/**
 * Revives a coroutine from `snapshotCoroutine`'s bytes. The modules that define
 * its functions must be loaded here (imported), compiled from the same code —
 * a function whose code changed fails with `VersionMismatch` naming it and where
 * it stopped, unless `options.migrations` maps it. Corrupt, truncated or
 * wrongly signed bytes fail with `SnapshotError`.
 */
export function restoreCoroutine<R = unknown, S = unknown, T = unknown>(bytes: Uint8Array, options?: RestoreOptions): Coroutine<R, S, T> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`restoreCoroutine(bytes): bytes must be a Uint8Array, got ${describe(bytes)}`);
  const verify = options?.verify;
  const decodeOptions: DecodeOptions = verify === undefined ? {} : { verify };
  const outer = decode(bytes, decodeOptions) as Outer;
  if (typeof outer !== "object" || outer === null || outer.format !== TAG || !Array.isArray(outer.frames) || !(outer.state instanceof Uint8Array)) {
    throw new SnapshotError("these bytes are not a coroutine snapshot (snapshotCoroutine writes them)");
  }
  const migrations = options?.migrations ?? {};
  const changed: Array<{ id: string; snapshotHash: string; hereHash: string | undefined; ip: number; index: number }> = [];
  outer.frames.forEach(([id, hash, ip], index) => {
    const here = functionInfo(id);
    if (here === undefined) {
      throw new SnapshotError(`the snapshot has a frame of ${id} (stopped at ${ip}), which is not loaded here: import the module that defines it before restoring`);
    }
    if (here.hash !== hash) changed.push({ id, snapshotHash: hash, hereHash: here.hash, ip, index });
  });
  const unmigrated = changed.filter((c) => typeof migrations[c.id] !== "function");
  if (unmigrated.length > 0) {
    const error = new VersionMismatch(unmigrated.map((c) => ({ id: c.id, expectedHash: c.hereHash, actualHash: c.snapshotHash })));
    error.message =
      `the code of ${unmigrated.length === 1 ? "a function" : `${unmigrated.length} functions`} with frames in the snapshot changed: ` +
      unmigrated.map((c) => `${c.id} (stopped at resume point ${c.ip}; snapshot version ${c.snapshotHash}, here ${c.hereHash})`).join(", ") +
      "; restore with the code that wrote it, or pass a migration for each in options.migrations";
    throw error;
  }
  const state = decode(outer.state, { ...decodeOptions, versions: changed.length > 0 ? "ignore" : "check" }) as CoroutineState;
  if (typeof state !== "object" || state === null || frameOf(state.generator) === null) throw new SnapshotError("the snapshot's state is not a coroutine's");
  if (changed.length > 0) migrate(frameOf(state.generator)!, changed, migrations);
  return coroutineFromState<R, S, T>(state);
}

function migrate(root: Frame, changed: Array<{ id: string; snapshotHash: string; ip: number }>, migrations: Record<string, Migration>): void {
  const stack: Frame[] = [];
  for (let frame: Frame | null = root.top; frame !== null; frame = frame.caller) stack.unshift(frame);
  for (const frame of stack) {
    const change = changed.find((c) => c.id === frame.info.id && c.ip === frame.ip);
    if (change === undefined) continue;
    const result = migrations[change.id]!({ id: change.id, hash: change.snapshotHash, toHash: frame.info.hash, ip: frame.ip, locals: frame.l as Record<string, unknown> });
    if (typeof result !== "object" || result === null || typeof result.ip !== "number" || typeof result.locals !== "object" || result.locals === null) {
      throw new TypeError(`the migration of ${change.id} must return { ip: number, locals: object }`);
    }
    frame.ip = result.ip;
    frame.l = result.locals;
  }
}

function frameOf(generator: unknown): Frame | null {
  if (typeof generator !== "object" || generator === null) return null;
  const frame = (generator as { [FRAME]?: unknown })[FRAME];
  return frame instanceof Frame ? frame : null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "object" ? Object.prototype.toString.call(value) : typeof value;
}
