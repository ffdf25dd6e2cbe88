/** Where yields are: the explode pass takes apart only what contains one. */
import { types as t } from "@babel/core";

/** Whether the node contains a yield outside nested functions (class computed keys count). */
export function hasYield(node: t.Node): boolean {
  let found = false;
  const visit = (n: t.Node): void => {
    if (found) return;
    if (t.isYieldExpression(n)) {
      found = true;
      return;
    }
    if (t.isFunction(n)) {
      // computed method keys are evaluated outside the method
      if ((t.isObjectMethod(n) || t.isClassMethod(n)) && n.computed) visit(n.key);
      return;
    }
    for (const key of t.VISITOR_KEYS[n.type] ?? []) {
      const value = (n as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (const child of value) if (child && typeof child === "object" && "type" in child) visit(child as t.Node);
      } else if (value && typeof value === "object" && "type" in value) visit(value as t.Node);
    }
  };
  visit(node);
  return found;
}

