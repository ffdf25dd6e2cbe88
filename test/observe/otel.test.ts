// OpenTelemetry export (issue 12, item 3): exportMetrics() feeds observable
// instruments from metrics(), collected here by the real SDK
// (@opentelemetry/sdk-metrics: a MeterProvider, a periodic reader, the in-memory exporter).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import { resolve } from "node:path";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { call, channel, sleep, spawn, yieldNow } from "../../src/index.js";
import { Semaphore } from "../../src/sync/index.js";
import { exportMetrics } from "../../src/observe/index.js";
import { tracking } from "../../src/observe/track.js";
import { runTest } from "../../src/testing/index.js";

/** A provider whose exporter keeps what it gets; collection happens when the test flushes. */
function sdk(): { provider: MeterProvider; collect(): Promise<ResourceMetrics> } {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      const all = exporter.getMetrics();
      return all[all.length - 1];
    },
  };
}

/** The value of `name`'s data point whose attributes include `attributes`. */
function value(metrics: ResourceMetrics, name: string, attributes: Record<string, string> = {}): number | undefined {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        if (Object.entries(attributes).every(([key, v]) => point.attributes[key] === v)) return point.value as number;
      }
    }
  }
  return undefined;
}

test("the scheduler, timers, channels and sync primitives as OpenTelemetry instruments, read at each collection", async () => {
  const { provider, collect } = sdk();
  const stop = await exportMetrics({ meterProvider: provider });
  try {
    assert.equal(tracking(), true);
    await runTest(function* () {
      const jobs = channel<number>(4, { name: "otel-jobs" });
      const replies = channel<number>(0, { name: "otel-replies" });
      const permits = new Semaphore(1, { name: "otel-permits" });
      yield* permits.acquire();
      yield* spawn(function* () { yield* permits.acquire(); permits.release(); });
      const receiver = yield* spawn(function* () { return yield* replies.receive(); });
      const sleeper = yield* spawn(function* () { yield* sleep(1_000); });
      yield* jobs.send(1);
      yield* jobs.send(2);
      yield* yieldNow();
      const first = yield* call(collect);
      assert.equal(value(first, "strand.channel.buffered", { "strand.channel": 'channel "otel-jobs"' }), 2);
      assert.equal(value(first, "strand.channel.capacity", { "strand.channel": 'channel "otel-jobs"' }), 4);
      assert.equal(value(first, "strand.channel.sent", { "strand.channel": 'channel "otel-jobs"' }), 2);
      assert.equal(value(first, "strand.channel.waiting_receivers", { "strand.channel": 'channel "otel-replies"' }), 1);
      assert.equal(value(first, "strand.sync.waiting", { "strand.sync.kind": "Semaphore", "strand.sync.name": 'semaphore "otel-permits"' }), 1);
      assert.ok(value(first, "strand.tasks.parked")! >= 3, "the receiver, the sleeper, the semaphore's waiter");
      assert.ok(value(first, "strand.tasks")! >= 4);
      assert.ok(value(first, "strand.timers.pending")! >= 1);
      const steps = value(first, "strand.steps")!;
      assert.ok(steps > 0);
      yield* replies.send(5);
      assert.equal(yield* receiver, 5);
      yield* jobs.receive();
      yield* sleeper;
      permits.release();
      const second = yield* call(collect);
      assert.ok(value(second, "strand.steps")! > steps, "a counter moves with the run");
      assert.equal(value(second, "strand.channel.received", { "strand.channel": 'channel "otel-jobs"' }), 1);
      assert.ok(value(second, "strand.timers.fired")! >= 1);
      assert.ok(value(second, "strand.step.longest")! >= 0);
      yield* jobs.receive();
    });
  } finally {
    stop();
    stop();
    await provider.shutdown();
  }
  assert.equal(tracking(), false, "stop() turns tracking off");
});

test("a prefix names the instruments", async () => {
  const { provider, collect } = sdk();
  const stop = await exportMetrics({ meterProvider: provider, prefix: "app.coroutines" });
  try {
    const metrics = await collect();
    assert.equal(typeof value(metrics, "app.coroutines.tasks"), "number");
    assert.equal(value(metrics, "strand.tasks"), undefined);
  } finally {
    stop();
    await provider.shutdown();
  }
});

test("exportMetrics() names the option it refuses", async () => {
  await assert.rejects(exportMetrics(5 as never), /exportMetrics\(options\): options must be an object, got 5/);
  await assert.rejects(exportMetrics({ meterProvider: {} as never }), /meterProvider must have getMeter\(name\), got an object/);
  await assert.rejects(exportMetrics({ prefix: "9 lives" }), (error: unknown) => error instanceof TypeError && /prefix must be an instrument name/.test(error.message));
  assert.equal(tracking(), false);
});

test("without @opentelemetry/api installed, the error says what to install", async () => {
  const root = resolve(import.meta.dirname, "../..");
  const script = `import { exportMetrics } from "./src/observe/index.ts";
exportMetrics().then(() => console.log("loaded"), (error) => { console.log(error.message); process.exitCode = 3; });`;
  const child = spawnProcess(process.execPath, ["--import", "tsx", "--import", "./test/observe/fixtures/no-otel.mjs", "--input-type=module", "-e", script], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise((done) => child.on("close", done));
  assert.equal(code, 3, output);
  assert.match(output, /^exportMetrics\(\): OpenTelemetry's API is needed: npm install @opentelemetry\/api/);
});
