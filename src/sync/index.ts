// The `strand/sync` entry: the sync primitives and the Coordinator they are built on.
export {
  Coordinator,
  type WaitHandle,
  type CoordinatorOptions,
  type CoordinatorStats,
  type WaitState,
  type NotifyArgs,
} from "./coordinator.js";
export { waitAll, waitAny, type AllValues, type AnyValue } from "./group.js";
export { Mutex, type MutexStats } from "./mutex.js";
export { Semaphore, type SemaphoreStats } from "./semaphore.js";
export { WaitGroup, type WaitGroupStats } from "./wait-group.js";
export { Latch, Event, type LatchStats, type EventStats } from "./latch.js";
export { Condition, type ConditionStats } from "./condition.js";
export type { SyncOptions } from "./shared.js";
