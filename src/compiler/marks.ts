/**
 * Nodes the durable transform makes and later passes must recognise (node
 * identity survives the passes: they rewrite in place and never clone these).
 */
import type { types as t } from "@babel/core";

/** `((body) => define(info, wrapper))(bodyFunction)`: a nested generator function's creation. */
export const generatorFactories = new WeakSet<t.Node>();

/** The block statements of nested generator bodies, with what hoisting needs. */
export const nestedBodies = new WeakMap<t.Node, { readonly name: string; readonly locals: t.ObjectExpression }>();
