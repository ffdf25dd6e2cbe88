/**
 * Probes: a fixed set of hook points in the run loop, for observers outside
 * the core (task dumps, metrics, tracing, the monitor).
 *
 * | hook       | when                                                         |
 * |------------|--------------------------------------------------------------|
 * | spawned    | a task was created (a root, or a child)                      |
 * | draining   | a runtime starts running its ready tasks (a drain)            |
 * | stepped    | the run loop is about to resume a task                       |
 * | stepEnded  | that resumption is over (parked, yielded, ended, or queued)  |
 * | drained    | a drain of a runtime's ready tasks is over (no step under way until the next `stepped`) |
 * | hostYield  | a drain used up its time slice and returns to the host       |
 * | parked     | a task parked on a wait (`wait.describe()` says on what)     |
 * | woken      | a parked task was handed its result (it is now queued)       |
 * | ended      | a task ended (its state says how)                            |
 * | timerSet   | a timer was set on a runtime, due at `deadline`              |
 * | timerFired | a timer came due and fired                                   |
 *
 * Cost when nobody listens: each site reads one boolean, `probing.on`, and
 * calls nothing. Sites call `dispatch.<hook>(...)`. The sites a hand-off
 * passes are gathered off its path: a drain notes at its start whether anyone
 * watches (`drainsUnderWay`); if someone does, it takes the watched path
 * (core/watch.ts): it counts steps, parks and wakes itself and calls stepped,
 * parked, stepEnded and woken only if a probe listens to them. So a probe
 * installed in the middle of a step sees wake-ups at once, and stepped,
 * parked and stepEnded from the next step on.
 *
 * Listeners run synchronously inside the run loop: they must be quick and
 * must not throw (an error thrown by one is caught and dropped, so an
 * observer cannot break the program it observes).
 */
import type { Runtime } from "./runtime.js";
import { settledTally, stampUnderWay, watching, type tally } from "./watch.js";
import type { Task } from "./task.js";

/** What a parked task waits on, as a probe sees it. */
export interface ProbeWait {
  describe(): string;
}

export interface Probe {
  spawned?(task: Task<unknown>): void;
  draining?(runtime: Runtime): void;
  stepped?(task: Task<unknown>): void;
  stepEnded?(task: Task<unknown>): void;
  drained?(): void;
  hostYield?(): void;
  parked?(task: Task<unknown>, wait: ProbeWait): void;
  woken?(task: Task<unknown>): void;
  ended?(task: Task<unknown>): void;
  timerSet?(deadline: number): void;
  timerFired?(deadline: number): void;
}

/**
 * `on` is true while at least one probe is installed: the only thing a probe
 * site reads when nobody listens. A field of a constant object rather than a
 * module variable: optimized code holds the object and reads one field, where
 * a variable imported from another module is read through its module's cell.
 */
export const probing = { on: false };

/**
 * The runtimes draining now, innermost last (a run inside a step nests its
 * drain). A drain notes at its start whether nobody watches (`Runtime.muted`):
 * its run loop and wake-ups then read only that field of their own runtime. A
 * probe installed in the middle of a drain makes it watched: wake-ups are
 * seen at once, the run loop's events from the next step on.
 */
export const drainsUnderWay: Runtime[] = [];

/**
 * The run loop's watched path (core/watch.ts): what a drain does while
 * anyone watches. Installed by the first `addProbe` (it is read only while
 * `probing.on`), so a bundle that never adds a probe keeps none of it.
 */
export let watched: typeof watching = undefined as unknown as typeof watching;

/**
 * Whether some probe listens to the hooks on a hand-off's path: `step` to
 * stepped, parked or stepEnded, `woken` to woken. The run loop calls
 * `dispatch` for those alone.
 */
export const listening = { step: false, woken: false };

/** What the run loop counted while watched (core/watch.ts `tally`), with the groups of steps under way added. */
export function counted(): Readonly<typeof tally> {
  return settledTally(drainsUnderWay);
}

/** Before a dump reads tasks' stamps: the tasks queued in the drains under way are stamped (core/watch.ts). */
export function stampQueuedUnderWay(): void {
  stampUnderWay(drainsUnderWay);
}

const probes: Probe[] = [];
/** Probes whose hooks never throw and never read `this` (Strand's own): a hook they alone listen to is called directly. */
const direct = new WeakSet<Probe>();

const HOOKS = ["spawned", "draining", "stepped", "stepEnded", "drained", "hostYield", "parked", "woken", "ended", "timerSet", "timerFired"] as const;
type Hook = (typeof HOOKS)[number];
type Listener = (a?: unknown, b?: unknown) => void;

/**
 * What probe sites call: `if (probing.on) dispatch.parked(task, wait)`. An
 * object with a function per hook, rebuilt whenever a probe is added or
 * removed: a hook no probe has is an empty function, the others call the
 * probes that have it in turn (a call site sees one target per hook, with no
 * keyed lookup, rest array or apply: the generic emit these replace cost more
 * than a channel hand-off). A listener's error is caught and dropped. Built
 * first by `addProbe` (sites read it only while `probing.on`), so a bundle
 * that never adds a probe keeps none of this.
 */
export let dispatch: Required<Probe> = {} as Required<Probe>;

function build(): Required<Probe> {
  const hooks = {} as Record<Hook, Listener>;
  for (const hook of HOOKS) {
    const listeners = probes.filter((probe) => probe[hook] !== undefined);
    // The listeners' functions are read here, once, not at each call: a call
    // would read `probe[hook]` with a different key in each hook's closure.
    const functions = listeners.map((probe) => probe[hook] as Listener);
    if (listeners.length === 0) {
      hooks[hook] = () => {};
    } else if (listeners.length === 1 && direct.has(listeners[0]!)) {
      // The common case (tracking alone): the site calls the probe's own function.
      hooks[hook] = functions[0]!;
    } else if (listeners.length === 1) {
      const [probe] = listeners;
      const listener = functions[0]!;
      hooks[hook] = (a, b) => {
        try {
          listener.call(probe, a, b);
        } catch {
          // An observer must not break the program it observes.
        }
      };
    } else {
      hooks[hook] = (a, b) => {
        for (let i = 0; i < listeners.length; i++) {
          try {
            functions[i]!.call(listeners[i], a, b);
          } catch {
            // An observer must not break the program it observes.
          }
        }
      };
    }
  }
  const has = (hook: Hook) => probes.some((probe) => probe[hook] !== undefined);
  listening.step = has("stepped") || has("parked") || has("stepEnded");
  listening.woken = has("woken");
  return hooks as unknown as Required<Probe>;
}

/**
 * Installs `probe`; returns the function that removes it. `options.direct`:
 * its hooks never throw and never read `this`, so a hook only it listens to is
 * called directly by the probe sites, without the guard that catches an
 * observer's error (tracking's probe, on every step while the monitor is on).
 */
export function addProbe(probe: Probe, options?: { direct?: boolean }): () => void {
  probes.push(probe);
  if (options?.direct === true) direct.add(probe);
  dispatch = build();
  watched = watching;
  probing.on = true;
  for (const runtime of drainsUnderWay) watching.watch(runtime);
  return () => {
    const index = probes.indexOf(probe);
    if (index < 0) return;
    probes.splice(index, 1);
    dispatch = build();
    probing.on = probes.length > 0;
  };
}
