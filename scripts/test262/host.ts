// The test262 host that runs inside each worker: it defines the host-provided
// globals (`$262`, `print`), imports one test module, and reports to the parent.
//
// It is plain JavaScript (a worker runs it without a TypeScript loader), kept here as
// text and written next to the test modules. One worker runs one test and is then
// terminated, so whatever a test does to its realm (Array.prototype, Symbol.iterator)
// dies with it.
//
// Messages to the parent, in order:
//   { type: "print", text }                    any number, from print() ($DONE uses it)
//   { type: "unhandled", error }               a promise rejected with no handler
//   { type: "evaluated" } | { type: "threw", error }   once: import() settled
// `error` is { name, message, stack }: plain strings, read defensively because a
// test may have replaced the built-ins its error's properties go through.

/** Source of the host module; `$262` follows test262's INTERPRETING.md (no agents). */
export const HOST_SOURCE = String.raw`
import { parentPort, workerData } from "node:worker_threads";
import { createContext, runInContext, Script } from "node:vm";

// Captured before the test runs: tests replace built-ins.
const post = parentPort.postMessage.bind(parentPort);
const toString = String;
const setImmediateNow = setImmediate;
const structuredCloneNow = structuredClone;

function field(get) {
  try {
    const value = get();
    return typeof value === "string" ? value : value === undefined ? "" : toString(value);
  } catch {
    return "";
  }
}

function describe(error) {
  if ((typeof error !== "object" && typeof error !== "function") || error === null) {
    return { name: typeof error, message: field(() => error), stack: "" };
  }
  return {
    name: field(() => error.constructor.name) || field(() => error.name),
    message: field(() => error.message) || field(() => error),
    stack: field(() => error.stack),
  };
}

function makeHost(global, run) {
  return {
    global,
    evalScript: run,
    createRealm() {
      const context = createContext();
      const host = makeHost(runInContext("globalThis", context), (code) => runInContext(code, context));
      host.global.$262 = host;
      host.global.print = globalThis.print;
      return host;
    },
    detachArrayBuffer(buffer) {
      structuredCloneNow(buffer, { transfer: [buffer] });
      return null;
    },
    gc() {
      throw new Error("$262.gc is not available in this host");
    },
  };
}

globalThis.$262 = makeHost(globalThis, (code) => new Script(code).runInThisContext());
globalThis.print = (message) => post({ type: "print", text: field(() => message) });
process.on("unhandledRejection", (reason) => post({ type: "unhandled", error: describe(reason) }));

let report;
try {
  await import(workerData.url);
  report = { type: "evaluated" };
} catch (error) {
  report = { type: "threw", error: describe(error) };
}
// One macrotask later, every promise job the test queued has run and Node has
// reported the rejections nobody handled.
setImmediateNow(() => post(report));
`;
