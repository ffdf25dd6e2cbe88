/**
 * The C coroutine library's ping-pong: two coroutines hand the thread straight
 * to each other with `switch_ctx(other)`. In Strand that is `transfer(task)`:
 * the target runs next, ahead of everything else in the ready queue, and the
 * current task goes to the back of the queue.
 *
 * A spectator shows the difference from `yieldNow()`: it is ready to run from
 * the start, yet its turn comes only once the rally is over, because each
 * transfer skips the queue.
 *
 * Run it on its own: `npx tsx examples/ping-pong.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { main, spawn, transfer, type Operation, type Task } from "../src/index.js";

export function* pingPongDemo(write: (line: string) => void, rounds = 3): Operation<void> {
  let hits = 0;
  // Each player needs the other's handle; the bodies only read these once they
  // run, by which time both have been spawned.
  let ping!: Task<void>;
  let pong!: Task<void>;

  function* player(name: string, other: () => Task<void>): Operation<void> {
    for (let round = 1; round <= rounds; round++) {
      hits++;
      write(`${name} (hit ${hits})`);
      // The other player must be ready to run (just spawned, or itself
      // transferred or yielded); it is, since it handed us the thread.
      yield* transfer(other());
    }
  }

  ping = yield* spawn(() => player("ping", () => pong), { name: "ping" });
  pong = yield* spawn(() => player("pong", () => ping), { name: "pong" });
  yield* spawn(function* spectator() {
    write(`spectator: my turn came after ${hits} hits`);
  });

  // main is a task too (the C library's context 0): serve by switching to ping.
  yield* transfer(ping);
  write(`main: back in play after ${hits} hits`);
  yield* ping;
  yield* pong;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* pingPongDemo((line) => console.log(line));
  });
}
