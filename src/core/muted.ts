/**
 * What a drain under way mutes of the probe sites (`Runtime.muted`), noted at
 * its start (probes.ts: `drainsUnderWay`). A module of its own, importing
 * nothing, so that bundlers inline the values.
 */

/** Watched, or between drains: a wake calls `wakeWatched`, the run loop takes the watched path (core/watch.ts). */
export const WATCHED = 0;
/**
 * Watched, but no probe needs to see a wake as it happens (none listens to
 * `woken`): a wake reads `muted` alone; tracking stamps a woken task when it
 * steps, or when the drain ends with it still queued.
 */
export const WAKES_UNWATCHED = 1;
/** Nobody watches: the run loop steps plainly, a wake reads `muted` alone. */
export const UNWATCHED = 2;
