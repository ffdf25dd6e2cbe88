/**
 * Instances: a weak registry of the channels and sync primitives made while
 * something watches (metrics, a test's leak check), so that their `stats()`
 * can be collected without anyone holding them.
 *
 * Cost when nobody watches: a constructor reads one module-level boolean,
 * `watching`, and calls nothing; and a bundle that never watches keeps none of
 * the registry (`made` is installed by `watchInstances`). While watching, each instance costs one
 * `WeakRef` and a registration with a `FinalizationRegistry`, which drops its
 * entry once the instance is collected.
 *
 * Invariants:
 * - The registry never keeps an instance alive (WeakRef only).
 * - Each instance is listed once: a primitive built on another (a mutex on its
 *   coordinator) lists itself and marks the inner one as its part.
 * - An instance made inside a task is also listed for that task's runtime (a
 *   test's leak check asks what was made in it).
 */
import { currentTask } from "./registers.js";
import type { Runtime } from "./runtime.js";

/** What a channel or sync primitive offers an observer. */
export interface Instance {
  readonly name: string;
  stats(): object;
}

/** True while at least one watcher is on: the only thing a constructor reads when nobody watches. */
export let watching = false;
let watchers = 0;

/**
 * A constructor, while `watching`: registers `instance`, of `kind` (made of
 * `inner`, which is not listed then). `register` once something has watched.
 */
export let made: (instance: Instance, kind: string, inner?: object) => void = () => {};

const all = new Set<WeakRef<Instance>>();
const byRuntime = new WeakMap<Runtime, Set<WeakRef<Instance>>>();
/** Instances that are parts of another (a mutex's coordinator): not listed on their own. */
const parts = new WeakSet<object>();
const cleanup = /* @__PURE__ */ new FinalizationRegistry<WeakRef<Instance>>((ref) => all.delete(ref));

/** Starts watching for new instances; returns the function that stops (watchers nest). */
export function watchInstances(): () => void {
  watchers++;
  watching = true;
  made = register;
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    watching = --watchers > 0;
  };
}

/** Each instance's kind ("Channel", "Mutex"…), given by its constructor: a class's name does not survive minifiers and bundlers. */
const kinds = new WeakMap<Instance, string>();

/** `made` once something has watched. */
function register(instance: Instance, kind: string, inner?: object): void {
  kinds.set(instance, kind);
  if (inner !== undefined) parts.add(inner);
  const ref = new WeakRef(instance);
  all.add(ref);
  cleanup.register(instance, ref);
  const task = currentTask();
  if (task === null) return;
  let list = byRuntime.get(task.runtime);
  if (list === undefined) byRuntime.set(task.runtime, (list = new Set()));
  list.add(ref);
}

/** Leaves `instance` out of `instances()` (a sample kept by keep.ts is no instance of the program's). */
export function unlisted(instance: object): void {
  parts.add(instance);
}

/** The live instances registered while watching: all of them, or those made in `runtime`'s tasks. */
export function instances(runtime?: Runtime): Instance[] {
  const refs = runtime === undefined ? all : byRuntime.get(runtime);
  const live: Instance[] = [];
  if (refs === undefined) return live;
  for (const ref of refs) {
    const instance = ref.deref();
    if (instance === undefined) refs.delete(ref);
    else if (!parts.has(instance)) live.push(instance);
  }
  return live;
}

/** The kind `instance` was registered with. */
export function kindOf(instance: Instance): string {
  return kinds.get(instance) ?? "unknown";
}
