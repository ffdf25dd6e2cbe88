// The `strand/node` entry: what only Node provides (also re-exports only).
export { propagateAsyncContext } from "./async-context.js";
export { installDumpSignal, type DumpSignalOptions } from "./dump-signal.js";
