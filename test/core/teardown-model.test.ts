// A model-based test of the task tree's teardown: random trees of tasks that
// spawn their children over (virtual) time and run a finally block that sleeps
// are cancelled at a random moment; the log of finally blocks, with the time
// each started and ended, must match a simple reference that walks the tree:
// children before parents, siblings last-started first, one teardown at a time.
// Seeded (override with STRAND_SEED=n); a failure prints the seed and the
// shrunk tree.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { spawn, sleep, suspend, type Operation } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

const seed = process.env.STRAND_SEED !== undefined ? Number(process.env.STRAND_SEED) : 7_001;

interface Node {
  /** Sleep before spawning this child, in the parent (even, so never equal to the odd cancel time). */
  delay: number;
  /** How long this task's finally block sleeps (0: it does not suspend). */
  finallyMs: number;
  children: Node[];
}

const even = (max: number) => fc.integer({ min: 0, max: max / 2 }).map((n) => n * 2);

const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.record({
    delay: even(20),
    finallyMs: fc.oneof(fc.constant(0), even(10)),
    // At most four levels: the deeper, the likelier a leaf.
    children: fc.oneof({ maxDepth: 3, depthIdentifier: "tree" }, fc.constant<Node[]>([]), fc.array(tie("node"), { maxLength: 3 })),
  }),
})).node;

interface Named extends Node {
  name: string;
  children: Named[];
}

function label(node: Node, name: string): Named {
  return { ...node, name, children: node.children.map((child, i) => label(child, `${name}.${i}`)) };
}

/** The body of a task for `node`: spawns its children over time, then waits; logs its finally. */
function body(node: Named, log: string[], now: () => number): () => Operation<void> {
  return function* () {
    try {
      for (const child of node.children) {
        if (child.delay > 0) yield* sleep(child.delay);
        yield* spawn(body(child, log, now), { name: child.name });
      }
      yield* suspend();
    } finally {
      log.push(`${node.name} finally ${now()}`);
      if (node.finallyMs > 0) yield* sleep(node.finallyMs);
      log.push(`${node.name} done ${now()}`);
    }
  };
}

/**
 * The reference: the order and times of the finally blocks when the root is
 * cancelled at `cancelAt`. A task is halted when its turn to be torn down comes
 * (its parent tears its children down one at a time, last started first), and
 * only then stops spawning; until then it keeps running, so a task waiting for
 * its turn may still spawn children, which are then torn down with it.
 * Spawn times are even and teardown turns start at odd times, so they never tie.
 */
function expectedLog(root: Named, cancelAt: number): string[] {
  const log: string[] = [];
  let time = cancelAt;
  /** The children `node` (started at `startedAt`) has spawned before `now`, with their start times. */
  const spawned = (node: Named, startedAt: number, now: number): [Named, number][] => {
    const children: [Named, number][] = [];
    let t = startedAt;
    for (const child of node.children) {
      t += child.delay;
      if (t >= now) break;
      children.push([child, t]);
    }
    return children;
  };
  const teardown = (node: Named, startedAt: number): void => {
    const children = spawned(node, startedAt, time); // halted now: no more children
    for (let i = children.length - 1; i >= 0; i--) teardown(...children[i]);
    log.push(`${node.name} finally ${time}`);
    time += node.finallyMs;
    log.push(`${node.name} done ${time}`);
  };
  teardown(root, 0);
  return log;
}

test("cancelling a random task tree at a random time tears it down exactly as the reference says", async () => {
  await fc.assert(
    fc.asyncProperty(tree, fc.integer({ min: 0, max: 40 }), async (shape, half) => {
      const root = label(shape, "r");
      const cancelAt = half * 2 + 1;
      const log: string[] = [];
      await runTest(function* ({ clock }) {
        const task = yield* spawn(body(root, log, () => clock.now()), { name: "r" });
        yield* sleep(cancelAt);
        yield* task.cancel();
        assert.equal(task.state, "cancelled");
      });
      assert.deepEqual(log, expectedLog(root, cancelAt));
    }),
    { seed, numRuns: 150 },
  );
});
