/**
 * OpenTelemetry metrics export: observable instruments on an OpenTelemetry
 * meter, fed from `metrics()` once per collection (one batch callback, so
 * every instrument of a collection reads the same snapshot).
 *
 * `@opentelemetry/api` is an optional peer dependency: it is loaded the
 * first time `exportMetrics()` runs, and its absence is an error that names it.
 *
 * | instrument                       | kind    | attributes                  |
 * |----------------------------------|---------|-----------------------------|
 * | strand.runtimes, strand.tasks    | gauge   |                             |
 * | strand.tasks.runnable / .parked  | gauge   |                             |
 * | strand.steps, strand.parks, strand.wakes, strand.host_yields | counter |  |
 * | strand.tasks.spawned / .ended    | counter |                             |
 * | strand.step.longest (ms)         | gauge   | since the previous collection |
 * | strand.timers.pending            | gauge   |                             |
 * | strand.timers.set / .fired       | counter |                             |
 * | strand.channel.sent / .received  | counter | strand.channel              |
 * | strand.channel.buffered / .capacity / .waiting_senders / .waiting_receivers | gauge | strand.channel |
 * | strand.sync.waiting              | gauge   | strand.sync.kind, strand.sync.name |
 */
import type { Attributes, Meter, Observable, ObservableCounter, ObservableGauge } from "@opentelemetry/api";
import { metrics, type InstanceMetrics } from "./metrics.js";
import { track } from "./track.js";
import { checkOptions, show } from "../validate.js";

/** Whatever gives OpenTelemetry meters: a `MeterProvider` of the SDK, or of `@opentelemetry/api`. */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): object;
}

/** Options of `exportMetrics()`. */
export interface MetricsExportOptions {
  /** Where the instruments are made (default: the global one, `metrics.getMeterProvider()` of `@opentelemetry/api`). */
  meterProvider?: MeterProviderLike;
  /** The instruments' name prefix (default "strand"). */
  prefix?: string;
}

type Api = typeof import("@opentelemetry/api");
let api: Api | null = null;

async function loadApi(): Promise<Api> {
  if (api !== null) return api;
  try {
    api = await import("@opentelemetry/api");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new Error("exportMetrics(): OpenTelemetry's API is needed: npm install @opentelemetry/api (and an SDK, e.g. @opentelemetry/sdk-metrics, to collect)", { cause: error });
  }
  return api;
}

/**
 * Exports `metrics()` as OpenTelemetry observable instruments (gauges for
 * what is live now, counters for totals; per channel with the attribute
 * `strand.channel`), read at each collection of the meter provider's
 * readers. Turns `track()` on until the returned function is called. Loads
 * `@opentelemetry/api` (an optional peer dependency: install it) on first use.
 *
 * ```ts
 * const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter })] });
 * const stop = await exportMetrics({ meterProvider: provider });
 * ```
 */
export async function exportMetrics(options?: MetricsExportOptions): Promise<() => void> {
  checkOptions("exportMetrics(options)", options);
  const provider = options?.meterProvider;
  if (provider !== undefined && (typeof provider !== "object" || provider === null || typeof provider.getMeter !== "function")) {
    throw new TypeError(`exportMetrics(options): meterProvider must have getMeter(name), got ${show(provider)}`);
  }
  const prefix = options?.prefix ?? "strand";
  if (typeof prefix !== "string" || !/^[A-Za-z][\w.-]{0,62}$/.test(prefix)) {
    throw new TypeError(`exportMetrics(options): prefix must be an instrument name such as "strand" (a letter, then letters, digits, _ . -), got ${show(prefix)}`);
  }
  const { ValueType, metrics: global } = await loadApi();
  const meter = (provider ?? global.getMeterProvider()).getMeter("strand") as Meter;

  const name = (suffix: string): string => `${prefix}.${suffix}`;
  const gauge = (suffix: string, description: string, unit = "{count}"): ObservableGauge =>
    meter.createObservableGauge(name(suffix), { description, unit, valueType: suffix === "step.longest" ? ValueType.DOUBLE : ValueType.INT });
  const counter = (suffix: string, description: string, unit = "{count}"): ObservableCounter =>
    meter.createObservableCounter(name(suffix), { description, unit, valueType: ValueType.INT });

  const runtimes = gauge("runtimes", "Live runtimes (runs whose root has not ended)");
  const tasks = gauge("tasks", "Live tasks");
  const runnable = gauge("tasks.runnable", "Tasks queued to run");
  const parked = gauge("tasks.parked", "Tasks parked on a wait");
  const steps = counter("steps", "Steps taken (a task resumed until it parked, yielded or ended)");
  const parks = counter("parks", "Times a task parked");
  const wakes = counter("wakes", "Times a parked task was woken");
  const hostYields = counter("host_yields", "Drains that used up their time slice and returned to the host");
  const spawned = counter("tasks.spawned", "Tasks created");
  const ended = counter("tasks.ended", "Tasks ended");
  const longest = gauge("step.longest", "The longest step since the previous collection", "ms");
  const timersPending = gauge("timers.pending", "Timers set now");
  const timersSet = counter("timers.set", "Timers set");
  const timersFired = counter("timers.fired", "Timers that came due");
  const sent = counter("channel.sent", "Elements sent on the channel");
  const received = counter("channel.received", "Elements received from the channel");
  const buffered = gauge("channel.buffered", "Elements in the channel's buffer");
  const capacity = gauge("channel.capacity", "The channel's buffer capacity (not reported for unbounded channels)");
  const waitingSenders = gauge("channel.waiting_senders", "Senders parked on the channel");
  const waitingReceivers = gauge("channel.waiting_receivers", "Receivers parked on the channel");
  const syncWaiting = gauge("sync.waiting", "Tasks waiting on the sync primitive");
  const observables: Observable[] = [runtimes, tasks, runnable, parked, steps, parks, wakes, hostYields, spawned, ended, longest, timersPending, timersSet, timersFired, sent, received, buffered, capacity, waitingSenders, waitingReceivers, syncWaiting];

  const collect = (result: { observe(observable: Observable, value: number, attributes?: Attributes): void }): void => {
    const now = metrics();
    const s = now.scheduler;
    result.observe(runtimes, s.runtimes);
    result.observe(tasks, s.tasks);
    result.observe(runnable, s.runnable);
    result.observe(parked, s.parked);
    result.observe(steps, s.steps);
    result.observe(parks, s.parks);
    result.observe(wakes, s.wakes);
    result.observe(hostYields, s.hostYields);
    result.observe(spawned, s.spawned);
    result.observe(ended, s.ended);
    result.observe(longest, s.longestStepMs);
    result.observe(timersPending, now.timers.pending);
    result.observe(timersSet, now.timers.set);
    result.observe(timersFired, now.timers.fired);
    for (const [label, channel] of unique(now.channels)) {
      const attributes = { [`${prefix}.channel`]: label };
      result.observe(sent, channel.sent as number, attributes);
      result.observe(received, channel.received as number, attributes);
      result.observe(buffered, channel.buffered as number, attributes);
      if (Number.isFinite(channel.capacity)) result.observe(capacity, channel.capacity as number, attributes);
      result.observe(waitingSenders, channel.waitingSenders as number, attributes);
      result.observe(waitingReceivers, channel.waitingReceivers as number, attributes);
    }
    for (const [label, primitive] of unique(now.sync)) {
      if (typeof primitive.waiting === "number") result.observe(syncWaiting, primitive.waiting, { [`${prefix}.sync.kind`]: primitive.kind, [`${prefix}.sync.name`]: label });
    }
  };

  const stopTracking = track();
  meter.addBatchObservableCallback(collect, observables);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    meter.removeBatchObservableCallback(collect, observables);
    stopTracking();
  };
}

/** Each instance with a label of its own: a name used twice gets " (2)", in the order they were made. */
function unique(list: InstanceMetrics[]): [string, InstanceMetrics][] {
  const seen = new Map<string, number>();
  return list.map((instance) => {
    const n = (seen.get(instance.name) ?? 0) + 1;
    seen.set(instance.name, n);
    return [n === 1 ? instance.name : `${instance.name} (${n})`, instance];
  });
}
