// The exported surface, snapshotted so that every change to it is deliberate
// (STYLE.md: "Internals never leak through exports; a test checks the exported
// surface"). When you add or remove an export on purpose, update the lists here.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Runtime (value) exports of each entry, sorted. */
const VALUES: Record<string, string[]> = {
  "src/index.ts": [
    "ActorStopped",
    "Cancelled",
    "ChannelClosed",
    "Coroutine",
    "DeadlockError",
    "NOT_READY",
    "TimeoutError",
    "action",
    "actor",
    "all",
    "allSettled",
    "broadcast",
    "call",
    "channel",
    "consume",
    "consumeEach",
    "createContext",
    "current",
    "ensure",
    "fn",
    "forEach",
    "hold",
    "interval",
    "main",
    "map",
    "now",
    "onCancel",
    "onDefault",
    "onTimeout",
    "produce",
    "race",
    "resource",
    "retry",
    "run",
    "scoped",
    "select",
    "selectBiased",
    "shield",
    "shutdownRequested",
    "sleep",
    "spawn",
    "supervisor",
    "suspend",
    "timeout",
    "transfer",
    "useAbortSignal",
    "withResolvers",
    "yieldNow",
  ],
  "src/testing/index.ts": ["LeakError", "Steps", "VirtualClock", "expectNoLeaks", "runTest", "seededRandom"],
  "src/node/index.ts": ["installDumpSignal", "propagateAsyncContext"],
  "src/observe/index.ts": ["dump", "dumpJSON", "exportMetrics", "metrics", "renderDump", "setDebug", "track"],
  "src/observe/serve/index.ts": ["serve"],
  "src/io/index.ts": [
    "ChildProcess",
    "File",
    "Handle",
    "HandleClosed",
    "Pending",
    "ProcessInput",
    "Server",
    "Socket",
    "adopt",
    "chunks",
    "connect",
    "fromReadable",
    "lines",
    "listen",
    "on",
    "onEvent",
    "once",
    "open",
    "spawnProcess",
    "startConnect",
    "startListen",
    "startOpen",
    "toWritable",
  ],
  "src/ipc/index.ts": ["PeerLost", "remoteReceiver", "remoteSender", "structuredCodec"],
  "src/durable/index.ts": [
    "SnapshotError",
    "VersionMismatch",
    "closure",
    "compiled",
    "decode",
    "durable",
    "encode",
    "inspectHeader",
    "registerClass",
    "registerClosureFactory",
    "registerFunction",
    "registerPrototype",
    "registerType",
    "restore",
    "restoreCoroutine",
    "snapshot",
    "snapshotCoroutine",
  ],
  "src/durable/store/index.ts": ["ChildCancelled", "CoroutineCancelled", "Store", "cancel", "inspect", "joinChild", "onSignal", "openStore", "receiveSignal", "result", "retryStuck", "runWorker", "signal", "start", "startChild", "step"],
  "src/compiler/index.ts": ["CompileError", "compile"],
  "src/compiler/plugin.ts": ["strandDurable"],
};

/** Type-only exports of each entry, sorted. */
const TYPES: Record<string, string[]> = {
  "src/index.ts": [
    "Actor",
    "ActorOptions",
    "ActorStats",
    "AskMessage",
    "AskResult",
    "BlockedTask",
    "Broadcast",
    "BroadcastOptions",
    "Capacity",
    "Channel",
    "ChannelOptions",
    "ChannelStats",
    "ClauseWait",
    "Clock",
    "ClosedResult",
    "Context",
    "ForEachOptions",
    "MainOptions",
    "Operation",
    "Overflow",
    "ProduceOptions",
    "Provide",
    "ReceiveChannel",
    "ReceiveResult",
    "Reply",
    "Resolvers",
    "Result",
    "RetryOptions",
    "RunOptions",
    "SelectClause",
    "Selector",
    "SendResult",
    "Settled",
    "SpawnOptions",
    "SubscribeOptions",
    "Subscription",
    "SupervisorOptions",
    "Task",
    "TaskState",
    "TimeoutOptions",
  ],
  "src/testing/index.ts": ["RunTestOptions", "TestContext"],
  "src/node/index.ts": ["DumpSignalOptions"],
  "src/observe/index.ts": [
    "Dump",
    "DumpOptions",
    "FrameDump",
    "InstanceMetrics",
    "MeterProviderLike",
    "Metrics",
    "MetricsExportOptions",
    "RuntimeDump",
    "SchedulerMetrics",
    "TaskActivity",
    "TaskDump",
    "TimerMetrics",
  ],
  "src/observe/serve/index.ts": ["Monitor", "MonitorSnapshot", "ServeOptions"],
  "src/io/index.ts": [
    "ChunksOptions",
    "EmitterLike",
    "EventSource",
    "EventTargetLike",
    "ExitStatus",
    "LinesOptions",
    "ListenOptions",
    "OnOptions",
    "OpenOptions",
    "PollResult",
    "ProcessOptions",
    "SocketAddress",
    "StreamChannelOptions",
    "WaitOptions",
    "WritableChannel",
  ],
  "src/ipc/index.ts": ["Codec", "RemoteReceiverOptions", "RemoteSender", "RemoteSenderOptions", "Transport"],
  "src/durable/index.ts": [
    "DecodeOptions",
    "EncodeOptions",
    "FrameSummary",
    "HashMismatch",
    "Migration",
    "RestoreOptions",
    "Signer",
    "SnapshotEntry",
    "SnapshotHeader",
    "SnapshotOptions",
    "TypeCodec",
  ],
  "src/durable/store/index.ts": ["CoroutineRow", "ResultOptions", "StartOptions", "Status", "StepOptions", "WorkerOptions"],
  "src/compiler/index.ts": ["CompileOptions", "CompileResult", "CompiledFunction"],
  "src/compiler/plugin.ts": ["StrandDurableOptions"],
};

describe("exported surface", () => {
  for (const entry of Object.keys(VALUES)) {
    test(`${entry}: value exports`, async () => {
      const module = (await import(new URL(`../${entry.replace(/\.ts$/, ".js")}`, import.meta.url).href)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(module).sort(), VALUES[entry]);
    });
  }

  test("value and type exports, as the TypeScript compiler sees them", async () => {
    const { default: ts } = await import("typescript");
    const entries = Object.keys(VALUES).map((entry) => `${root}${entry}`);
    // Names only: no default library and no type checking is needed to list exports.
    const program = ts.createProgram(entries, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noLib: true,
      types: [],
      noEmit: true,
    });
    const checker = program.getTypeChecker();
    for (const entry of Object.keys(VALUES)) {
      const source = program.getSourceFile(`${root}${entry}`);
      assert.ok(source !== undefined, entry);
      const symbol = checker.getSymbolAtLocation(source)!;
      const names = checker.getExportsOfModule(symbol).map((exported) => exported.name);
      assert.deepEqual(names.sort(), [...VALUES[entry], ...TYPES[entry]].sort(), `${entry}: every export, values and types`);
    }
  });
});

describe("package.json", () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
    name: string;
    type: string;
    sideEffects: unknown;
    exports: Record<string, null | string | { types: string; import: string }>;
  };

  test("is an ESM package whose only side effects are registering the durable loader and starting the monitor server on request", () => {
    assert.equal(pkg.name, "strand");
    assert.equal(pkg.type, "module");
    assert.deepEqual(pkg.sideEffects, ["./dist/compiler/register.js", "./dist/observe/serve/index.js", "./dist/observe/serve/auto.js"]);
  });

  test('closes the internals: "./internal/*" is null', () => {
    assert.ok("./internal/*" in pkg.exports);
    assert.equal(pkg.exports["./internal/*"], null);
  });

  test("exports the main entry and strand/testing, each with types, built from an existing source file", () => {
    for (const subpath of [".", "./testing"]) assert.ok(subpath in pkg.exports, subpath);
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (target === null || typeof target === "string") continue;
      assert.match(target.import, /^\.\/dist\/.+\.js$/, subpath);
      assert.equal(target.types, target.import.replace(/\.js$/, ".d.ts"), subpath);
      const source = target.import.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts");
      assert.ok(existsSync(`${root}${source}`), `${subpath} → ${source} exists`);
    }
  });

  test("deep imports of the package are refused by Node's resolver", async () => {
    for (const specifier of ["strand/internal/core/task.js", "strand/dist/core/task.js", "strand/src/core/task.js"]) {
      await assert.rejects(import(specifier), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" }, specifier);
    }
  });
});
