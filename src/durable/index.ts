/**
 * `strand/durable`: durable coroutines — compiled generators whose frames are
 * data — saved as bytes and revived in this or another process. Portable: no
 * Node built-ins (the compiler, `strand/compiler` and `strand/register`, is
 * Node-only; what it compiles runs anywhere).
 */
export { snapshotCoroutine, restoreCoroutine } from "./snapshot.js";
export type { FrameSummary, Migration, SnapshotOptions, RestoreOptions } from "./snapshot.js";
export { registerClass, registerFunction, registerPrototype, registerType, registerClosureFactory, closure, type TypeCodec } from "./registry.js";
export { encode, decode, inspectHeader, type EncodeOptions, type DecodeOptions, type SnapshotHeader, type SnapshotEntry, type Signer } from "./serialize.js";
export { SnapshotError, VersionMismatch, type HashMismatch } from "./errors.js";
export { compiled } from "./runtime.js";
export { snapshot, restore } from "./tasks.js";

/**
 * Whether the importing module runs compiled: `false` here, and the compiler
 * replaces the binding with `true` in each module it compiles (the Go seed's
 * `coroutine.Durable`).
 *
 * ```ts
 * import { durable } from "strand/durable";
 * if (!durable) console.log("volatile: state is lost when the process exits");
 * ```
 */
export const durable: boolean = false;
