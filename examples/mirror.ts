/**
 * The kcoro seed's "mirror": two producers and two consumers trade 1 KB
 * `Uint8Array` descriptors over channels with no copying. Each pair has a
 * channel of full buffers (producer → consumer) and a channel of empty ones
 * (consumer → producer), so four buffers per pair serve 1,000 messages: the
 * same objects go round and round, handed over by reference.
 *
 * Run it on its own: `npx tsx examples/mirror.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { channel, main, spawn, type Operation } from "../src/index.js";

const MESSAGES = 1_000;
const BUFFERS = 4;
const SIZE = 1_024;

interface Tally {
  received: number;
  sum: number;
  /** Distinct buffer objects seen: stays at BUFFERS, proving nothing was copied. */
  buffers: Set<Uint8Array>;
}

export function* mirrorDemo(write: (line: string) => void): Operation<void> {
  const tallies: Tally[] = [];
  const pairs = [];
  for (let pair = 0; pair < 2; pair++) {
    const full = channel<Uint8Array>(BUFFERS, { name: `full[${pair}]` });
    const empty = channel<Uint8Array>(BUFFERS, { name: `empty[${pair}]` });
    for (let i = 0; i < BUFFERS; i++) yield* empty.send(new Uint8Array(SIZE));
    const tally: Tally = { received: 0, sum: 0, buffers: new Set() };
    tallies.push(tally);

    const producer = yield* spawn(
      function* () {
        for (let value = 0; value < MESSAGES; value++) {
          const descriptor = yield* empty.receive();
          new DataView(descriptor.buffer).setUint32(0, value); // fill in place
          yield* full.send(descriptor);
        }
        full.close();
      },
      { name: `producer[${pair}]` },
    );
    const consumer = yield* spawn(
      function* () {
        yield* full.each(function* (descriptor) {
          tally.received++;
          tally.sum += new DataView(descriptor.buffer).getUint32(0);
          tally.buffers.add(descriptor);
          yield* empty.send(descriptor); // hand the same buffer back
        });
      },
      { name: `consumer[${pair}]` },
    );
    pairs.push(producer, consumer);
  }
  for (const task of pairs) yield* task;

  tallies.forEach((tally, i) => write(`consumer[${i}] received=${tally.received} sum=${tally.sum}`));
  const received = tallies.reduce((n, tally) => n + tally.received, 0);
  const sum = tallies.reduce((n, tally) => n + tally.sum, 0);
  write(`total received=${received} total sum=${sum}`);
  return void tallies.forEach((tally, i) => {
    if (tally.buffers.size !== BUFFERS) throw new Error(`consumer[${i}] saw ${tally.buffers.size} buffers: something was copied`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* mirrorDemo((line) => console.log(line));
  });
}
