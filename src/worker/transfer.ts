import type { TransferListItem } from "node:worker_threads";
/** `transferring(value, list)`: a worker's result whose buffers move to the caller instead of being copied. */

const TRANSFERRING: unique symbol = Symbol.for("strand.worker.transferring");

/** A value to post with a transfer list (see `transferring`). */
export interface Transferring<T> {
  readonly [TRANSFERRING]: true;
  readonly value: T;
  readonly transfer: readonly TransferListItem[];
}

/**
 * Wraps a remote function's result so that the `ArrayBuffer`s (and other
 * transferables) in `transfer` move to the caller rather than being copied;
 * they detach on the worker. The caller's `yield* task` gets `value`.
 *
 * ```ts
 * // in the pool's module
 * export function* render(width: number) {
 *   const pixels = new Uint8Array(width * width);
 *   // ... fill pixels ...
 *   return transferring(pixels, [pixels.buffer]);
 * }
 * ```
 */
export function transferring<T>(value: T, transfer: readonly TransferListItem[]): T {
  if (!Array.isArray(transfer)) throw new TypeError(`transferring(value, transfer): transfer must be an array of transferables, got ${typeof transfer}`);
  const wrapped: Transferring<T> = { [TRANSFERRING]: true, value, transfer };
  return wrapped as unknown as T; // unwrapped by the worker before it posts
}

/** @internal The value and transfer list to post for a remote function's result. */
export function unwrapTransfer(result: unknown): { value: unknown; transfer: readonly TransferListItem[] } {
  if (typeof result === "object" && result !== null && (result as Partial<Transferring<unknown>>)[TRANSFERRING] === true) {
    const wrapped = result as Transferring<unknown>;
    return { value: wrapped.value, transfer: wrapped.transfer };
  }
  return { value: result, transfer: [] };
}
