/**
 * The C library's bounded-buffer producer/consumer, with back-pressure: a fast
 * producer and a slow consumer share a channel of capacity 3. Once three items
 * are buffered, the producer's `send` parks until the consumer takes one — the
 * buffer never holds more than its capacity, and nothing is dropped.
 *
 * Run it on its own: `npx tsx examples/bounded-buffer.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { channel, main, now, sleep, spawn, type Operation } from "../src/index.js";

export function* boundedBufferDemo(write: (line: string) => void): Operation<void> {
  const buffer = channel<number>(3, { name: "buffer" });
  const start = yield* now();
  const at = function* (): Operation<string> {
    return `t=${String(Math.round((yield* now()) - start)).padStart(3)}ms`;
  };

  yield* spawn(function* producer() {
    for (let item = 1; item <= 6; item++) {
      yield* buffer.send(item); // parks while 3 items are waiting
      write(`${yield* at()} produced ${item} (buffered ${buffer.stats().buffered})`);
    }
    buffer.close();
    write(`${yield* at()} producer done`);
  });

  yield* spawn(function* consumer() {
    yield* buffer.each(function* (item) {
      yield* sleep(100); // the slow part
      write(`${yield* at()} consumed ${item}`);
    });
    write(`${yield* at()} consumer done`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* boundedBufferDemo((line) => console.log(line));
  });
}
