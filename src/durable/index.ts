/**
 * `strand/durable`: the run time of durable coroutines (compiled generators
 * whose frames are data). Portable: no Node built-ins.
 */
export { GeneratorPrototype, GeneratorFunctionPrototype, Frame, FRAME } from "./frame.js";
export type { FunctionInfo, TryEntry } from "./frame.js";
// What compiled modules call (not for hand-written code).
export { info, define, start, notConstructor, abrupt, endFinally, iterate, step, closeIterator, keys, hasKey, coercible, rest, take, assignConstant, STAR } from "./frame.js";
