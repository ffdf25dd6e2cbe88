// The `strand/worker` entry (Node only): a pool of worker threads, tasks spawned on them, shared-memory channels.
export { createPool, spawnOn, Pool, type PoolOptions, type PoolStats, type SpawnOnOptions } from "./pool.js";
export { transferring } from "./transfer.js";
export {
  sharedChannel,
  attachChannel,
  type SharedChannel,
  type SharedChannelHandle,
  type SharedChannelOptions,
  type SharedCodec,
  type SharedCodecOption,
} from "./shared-channel.js";
export { WorkerTaskError, WorkerCrashed, PoolClosed } from "./errors.js";
