// The `strand/observe` entry: task dumps, coroutine stacks, tracking (re-exports only).
export { dump, dumpJSON, renderDump, type Dump, type DumpOptions, type FrameDump, type RuntimeDump, type TaskActivity, type TaskDump } from "./dump.js";
export { setDebug } from "./debug.js";
export { track } from "./track.js";
export { metrics, type InstanceMetrics, type Metrics, type SchedulerMetrics, type TimerMetrics } from "./metrics.js";
export { exportMetrics, type MeterProviderLike, type MetricsExportOptions } from "./otel.js";
