// The model-based randomized test (see model.ts for what it checks): random
// programs of sends, receives, selects, closes, cancels and task cancellations
// over every channel kind, checked against a reference ledger. Seeded: a
// failure prints the fast-check seed and the shrunk program; rerun it with
// STRAND_MODEL_SEED=<seed> (and STRAND_MODEL_RUNS=<n> for more cases).
// `npm run test:stress` runs the same property over many seeds (≥ 10⁶ operations).
import { test } from "node:test";
import assert from "node:assert/strict";
import { check, ciSizes, counters, execute, type Program } from "./model.js";

const seed = Number(process.env.STRAND_MODEL_SEED ?? 0x5eed);
const runs = Number(process.env.STRAND_MODEL_RUNS ?? 500);

test(`model: ${runs} random programs against the reference ledger (fast-check seed ${seed})`, { timeout: 120_000 }, async () => {
  const before = counters.ops;
  await check(seed, runs, ciSizes);
  assert.ok(counters.ops - before > runs, "the programs ran channel operations");
});

// Programs fast-check found and shrank, each for a bug it caught (fixed since):
// they run on every CI run, whatever the seed.
const regressions: [string, Program][] = [
  [
    "regression: a send cancelled at its budget yield hands its element to onUndelivered",
    {
      channels: [3],
      tasks: [
        [
          { op: "receive", ch: 0, within: null },
          { op: "cancelTask", task: 6, wait: true },
          { op: "cancelTask", task: 4, wait: false },
        ],
        [{ op: "receive", ch: 0, within: null }],
        [],
        [
          { op: "select", clauses: [{ type: "send", ch: 0 }], extra: "none", ms: 0, biased: false },
          { op: "send", ch: 0, within: null },
        ],
        [
          { op: "select", clauses: [{ type: "receive", ch: 0 }], extra: "none", ms: 0, biased: false },
          { op: "yield" },
          { op: "burst", ch: 0, n: 128 },
        ],
      ],
      cancels: [],
      seed: 0,
    },
  ],
  [
    "regression: an element given back to a channel already closed for receive goes to onUndelivered",
    {
      channels: [0],
      tasks: [
        [],
        [],
        [{ op: "select", clauses: [{ type: "receiveCatching", ch: 0 }], extra: "none", ms: 0, biased: false }],
        [
          { op: "trySend", ch: 0 },
          { op: "close", ch: 0, cause: false },
          { op: "receive", ch: 0, within: null },
          { op: "cancelTask", task: 2, wait: false },
        ],
        [{ op: "receive", ch: 0, within: null }],
      ],
      cancels: [],
      seed: 0,
    },
  ],
  [
    "regression: a conflated channel drops an older element given back to its full buffer",
    {
      channels: [0, 4],
      tasks: [
        [
          { op: "select", clauses: [{ type: "send", ch: 0 }], extra: "none", ms: 0, biased: false },
          { op: "receive", ch: 1, within: 1 },
        ],
        [{ op: "receive", ch: 0, within: null }],
        [
          { op: "sleep", ms: 1 },
          { op: "burst", ch: 1, n: 2 },
        ],
      ],
      cancels: [],
      seed: 0,
    },
  ],
];

for (const [name, program] of regressions) {
  test(name, async () => {
    const { violations } = await execute(program);
    assert.deepEqual(violations, []);
  });
}
