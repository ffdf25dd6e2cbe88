import { test } from "node:test";
import assert from "node:assert/strict";
import { pairedRatio, type CaseResult } from "../../bench/lib/results.js";

const result = (processMedians: number[], nsPerOp: number): CaseResult =>
  ({ id: "x", group: "g", system: "strand", variant: "v", unit: "op", n: 1, status: "ok", processMedians, nsPerOp }) as CaseResult;

test("pairedRatio: the median over rounds of each round's ratio, not the ratio of the medians", () => {
  // Round 3 ran on a slow machine for both: paired, it reads 0.8 like the others.
  const a = result([80, 88, 240], 88);
  const b = result([100, 110, 300], 110);
  assert.equal(pairedRatio(a, b), 0.8);
  // A round where only one of them was slowed moves the median of three no further than its neighbours.
  const c = result([80, 160, 72], 80);
  assert.equal(pairedRatio(c, b), 0.8);
  assert.equal(c.nsPerOp! / b.nsPerOp!, 80 / 110);
});

test("pairedRatio: the ratio of the medians when the two did not run in the same rounds", () => {
  assert.equal(pairedRatio(result([50], 50), result([100], 100)), 0.5);
  assert.equal(pairedRatio(result([50, 60, 70], 60), result([100], 100)), 0.6);
});
