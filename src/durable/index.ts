/**
 * `strand/durable`: the run time of durable coroutines (compiled generators
 * whose frames are data). Portable: no Node built-ins.
 */
export { GeneratorPrototype, GeneratorFunctionPrototype, Frame, FunctionInfo, FRAME } from "./frame.js";
export type { TryEntry } from "./frame.js";
// What compiled modules call (not for hand-written code).
export { abrupt, endFinally, start, STAR } from "./frame.js";
export { info, define, declare, notConstructor, iterate, step, closeIterator, keys, hasKey, coercible, rest, take, assignConstant, functionInfo } from "./compiled.js";
export { registerClass, registerFunction, registerPrototype, registerType, registerClosureFactory, closure } from "./registry.js";
export { encode, decode, inspectHeader } from "./serialize.js";
export { SnapshotError, VersionMismatch } from "./errors.js";
/** Whether the importing module runs compiled: the compiler replaces this binding with `true` in the modules it compiles. */
export const durable: boolean = false;
export { snapshotCoroutine, restoreCoroutine } from "./snapshot.js";
export type { FrameSummary, Migration, SnapshotOptions, RestoreOptions } from "./snapshot.js";
