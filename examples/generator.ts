/**
 * The Go seed's (dispatchrun/coroutine) examples with Strand's `Coroutine`:
 * a coroutine is a generator you drive by hand — no scheduler, no run loop.
 *
 * - `next()` runs it to its next `yield` (false once it has returned),
 *   `recv()` reads the value it yielded, `send(v)` sets what that `yield`
 *   evaluates to when it resumes.
 * - `Coroutine.run(coro, f)` drives it to the end, answering each yielded
 *   value with `f(value)`, and returns what the body returned.
 *
 * Run it on its own: `npx tsx examples/generator.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { Coroutine } from "strand";
import { Coroutine } from "../src/index.js";

/** Yields 0, 1, …, n-1. A plain generator: a coroutine may yield from any depth through `yield*`. */
function* upTo(n: number): Generator<number, void, unknown> {
  for (let i = 0; i < n; i++) yield i;
}

/** Go: `for coro.Next() { println(coro.Recv()) }` prints 0, 1 and 2. */
export function generatorDemo(write: (line: string) => void): void {
  const coro = new Coroutine(function* () {
    yield* upTo(3); // the yields happen inside upTo, one call down
  });
  while (coro.next()) write(String(coro.recv()));
}

/**
 * The `Coroutine.run` form: the coroutine yields numbers and is sent back their
 * doubles, which it adds up and returns.
 */
export function runDemo(write: (line: string) => void): number {
  // Type parameters: yields numbers (R), is sent numbers (S), returns a number (T).
  const summer = new Coroutine<number, number, number>(function* () {
    let sum = 0;
    for (const n of [1, 2, 3]) {
      // A yield evaluates to what the driver sent, or undefined if it sent nothing.
      const doubled = (yield n) ?? 0;
      write(`sent ${n}, got back ${doubled}`);
      sum += doubled;
    }
    return sum;
  });
  const sum = Coroutine.run(summer, (n) => n * 2);
  write(`sum of the doubles: ${sum}`);
  return sum;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  generatorDemo((line) => console.log(line));
  runDemo((line) => console.log(line));
}
