/**
 * What compiled modules call, as one object: `import { compiled as $d } from
 * "strand/durable"`. Not for hand-written code; its members change with the
 * compiler that emits the calls.
 */
import { abrupt, endFinally, leap, start, STAR } from "./frame.js";
import { info, define, defineInner, declare, badResume, notConstructor, iterate, step, closeIterator, keys, hasKey, coercible, rest, take, assignConstant } from "./compiled.js";
import { registerClass, registerFunction, registerClosureFactory, closure } from "./registry.js";

export const compiled = Object.freeze({
  info,
  define,
  defineInner,
  badResume,
  declare,
  start,
  notConstructor,
  abrupt,
  leap,
  endFinally,
  STAR,
  iterate,
  step,
  closeIterator,
  keys,
  hasKey,
  coercible,
  rest,
  take,
  assignConstant,
  registerClass,
  registerFunction,
  registerClosureFactory,
  closure,
});
