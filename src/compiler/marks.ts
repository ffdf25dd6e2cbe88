/**
 * Nodes the durable transform makes and later passes must recognise (node
 * identity survives the passes: they rewrite in place and never clone these).
 */
import type { types as t } from "@babel/core";

/** `((body) => define(info, wrapper))(bodyFunction)`: a nested generator function's creation. */
export const generatorFactories = new WeakSet<t.Node>();

/** The block statements of nested generator bodies, with what hoisting needs. */
export const nestedBodies = new WeakMap<t.Node, { readonly name: string; readonly locals: t.ObjectExpression; readonly info: t.CallExpression }>();

/** Every compiled body's block statement, with its function's id (for the ids of the closures it makes). */
export const compiledBodies = new WeakMap<t.Node, string>();

/** The wrapper functions of nested compiled generators (`define(info, wrapper)`). */
export const wrappers = new WeakSet<t.Node>();
