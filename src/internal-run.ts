// The pieces of the runtime that primitives built on the core need, in one place.
export { budgetSpent, requireCurrent } from "./core/runtime.js";
export { run } from "./run.js";
