import { setFrameDebug } from "../core/frames.js";

/**
 * Debug mode: from now on, records where each task is spawned and each `fn`
 * call is made, so that dumps and errors' coroutine stacks give
 * `file:line:column` for every frame, not only the one that threw. Costly (a
 * stack capture per spawn and per call): for debugging sessions and tests, not
 * for production. Off by default.
 *
 * ```ts
 * setDebug(true);
 * ```
 */
export function setDebug(on: boolean): void {
  if (typeof on !== "boolean") throw new TypeError(`setDebug(on): on must be a boolean, got ${typeof on}`);
  setFrameDebug(on);
}
