/**
 * Probes: a fixed set of hook points in the run loop, for observers outside
 * the core (task dumps, metrics, tracing, the monitor).
 *
 * | hook       | when                                                         |
 * |------------|--------------------------------------------------------------|
 * | spawned    | a task was created (a root, or a child)                      |
 * | stepped    | the run loop is about to resume a task                       |
 * | stepEnded  | that resumption is over (parked, yielded, ended, or queued)  |
 * | hostYield  | a drain used up its time slice and returns to the host       |
 * | parked     | a task parked on a wait (`wait.describe()` says on what)     |
 * | woken      | a parked task was handed its result (it is now queued)       |
 * | ended      | a task ended (its state says how)                            |
 * | timerSet   | a timer was set on a runtime, due at `deadline`              |
 * | timerFired | a timer came due and fired                                   |
 *
 * Cost when nobody listens: each site reads one module-level boolean,
 * `listening`, and calls nothing. Listeners run synchronously inside the run
 * loop: they must be quick and must not throw (an error thrown by one is
 * caught and dropped, so an observer cannot break the program it observes).
 */
import type { Task } from "./task.js";

/** What a parked task waits on, as a probe sees it. */
export interface ProbeWait {
  describe(): string;
}

export interface Probe {
  spawned?(task: Task<unknown>): void;
  stepped?(task: Task<unknown>): void;
  stepEnded?(task: Task<unknown>): void;
  hostYield?(): void;
  parked?(task: Task<unknown>, wait: ProbeWait): void;
  woken?(task: Task<unknown>): void;
  ended?(task: Task<unknown>): void;
  timerSet?(deadline: number): void;
  timerFired?(deadline: number): void;
}

/** True while at least one probe is installed: the only thing a probe site reads when nobody listens. */
export let listening = false;

const probes: Probe[] = [];

/** Installs `probe`; returns the function that removes it. */
export function addProbe(probe: Probe): () => void {
  probes.push(probe);
  listening = true;
  return () => {
    const index = probes.indexOf(probe);
    if (index >= 0) probes.splice(index, 1);
    listening = probes.length > 0;
  };
}

type Hook = Exclude<keyof Probe, never>;

/** Calls `hook` on every probe that has it; a listener's error is dropped. */
export function emit<H extends Hook>(hook: H, ...args: Parameters<NonNullable<Probe[H]>>): void {
  for (const probe of probes) {
    const listener = probe[hook] as ((...args: unknown[]) => void) | undefined;
    if (listener === undefined) continue;
    try {
      listener.apply(probe, args);
    } catch {
      // An observer must not break the program it observes.
    }
  }
}
