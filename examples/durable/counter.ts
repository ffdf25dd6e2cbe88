"use durable";
/**
 * The Go seed's durable coroutine example, for real: a counter that runs one
 * step per execution and keeps its state in a file between them.
 *
 *   node --import strand/register examples/durable/counter.ts   # yield: 0
 *   node --import strand/register examples/durable/counter.ts   # yield: 1
 *   node --import strand/register examples/durable/counter.ts   # yield: 2
 *
 * Run without the loader (e.g. `tsx examples/durable/counter.ts`), the module is
 * not compiled: `durable` is false, the coroutine cannot be saved, and every run
 * prints `yield: 0`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Coroutine } from "strand";
import { durable, restoreCoroutine, snapshotCoroutine } from "strand/durable";

function* counter(): Generator<number, void, undefined> {
  for (let i = 0; ; i++) yield i;
}

const state = process.argv[2] ?? "coroutine.state";

if (!durable) console.log("volatile mode: this module is not compiled, so its state is not saved");
const coroutine = durable && existsSync(state) ? restoreCoroutine<number, undefined, void>(readFileSync(state)) : new Coroutine(counter);
if (coroutine.next()) console.log(`yield: ${coroutine.recv()}`);
if (durable) writeFileSync(state, snapshotCoroutine(coroutine as Coroutine<unknown, unknown, unknown>));
