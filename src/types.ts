import type { Operation } from "./core/operation.js";

export type { Operation };

/** The result type of an operation. */
export type Result<O> = O extends Operation<infer T> ? T : never;
