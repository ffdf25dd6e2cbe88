/**
 * The C coroutine library's counter: two coroutines count side by side, each
 * handing the thread back after every step. In C that is `yield_ctx()`, "back to
 * the scheduler"; in Strand it is `yieldNow()`: every other ready task of the
 * same priority runs once, then this one continues (fair round-robin).
 *
 * Run it on its own: `npx tsx examples/counter.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { main, spawn, yieldNow, type Operation } from "../src/index.js";

/** A coroutine that counts from 1 to `to`, yielding to the others after each number. */
function* count(write: (line: string) => void, name: string, to: number): Operation<number> {
  for (let i = 1; i <= to; i++) {
    write(`${name}: ${i}`);
    yield* yieldNow();
  }
  write(`${name}: done`);
  return to;
}

export function* counterDemo(write: (line: string) => void): Operation<void> {
  // Two children; neither runs until this task parks on the first join below.
  // B stops earlier, after which A has the thread to itself.
  const a = yield* spawn(() => count(write, "A", 5), { name: "A" });
  const b = yield* spawn(() => count(write, "B", 3), { name: "B" });
  const total = (yield* a) + (yield* b);
  write(`main: counted ${total} steps in all`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* counterDemo((line) => console.log(line));
  });
}
