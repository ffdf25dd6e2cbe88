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
  "src/worker/index.ts": ["Pool", "PoolClosed", "WorkerCrashed", "WorkerTaskError", "attachChannel", "createPool", "sharedChannel", "spawnOn", "transferring"],
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
  "src/worker/index.ts": ["PoolOptions", "PoolStats", "SharedChannel", "SharedChannelHandle", "SharedChannelOptions", "SharedCodec", "SharedCodecOption", "SpawnOnOptions"],
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

/** Subpaths that need Node (or a runtime that implements its built-ins: Bun, Deno): exported under the "node" condition only. */
const NODE_ONLY = ["./node", "./observe/serve", "./io", "./ipc", "./worker", "./durable/store", "./compiler", "./register", "./plugin"];

describe("package.json", () => {
  type Target = { types: string; import?: string; node?: string };
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
    name: string;
    type: string;
    sideEffects: unknown;
    exports: Record<string, null | string | Target>;
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
      const file = target.import ?? target.node;
      assert.ok(file !== undefined, `${subpath}: an "import" or "node" target`);
      assert.match(file, /^\.\/dist\/.+\.js$/, subpath);
      assert.equal(target.types, file.replace(/\.js$/, ".d.ts"), subpath);
      const source = file.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts");
      assert.ok(existsSync(`${root}${source}`), `${subpath} → ${source} exists`);
    }
  });

  test('Node-only subpaths resolve under the "node" condition only; the others under "import", for every runtime', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (target === null || typeof target === "string") continue;
      const conditions = Object.keys(target);
      if (NODE_ONLY.includes(subpath)) assert.deepEqual(conditions, ["types", "node"], subpath);
      else assert.deepEqual(conditions, ["types", "import"], subpath);
    }
    for (const subpath of NODE_ONLY) assert.ok(subpath in pkg.exports, subpath);
  });

  test("deep imports of the package are refused by Node's resolver", async () => {
    for (const specifier of ["strand/internal/core/task.js", "strand/dist/core/task.js", "strand/src/core/task.js"]) {
      await assert.rejects(import(specifier), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" }, specifier);
    }
  });
});
