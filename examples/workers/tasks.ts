/**
 * The functions the worker examples run on pool workers (examples/worker-mirror.ts,
 * examples/parallel-map.ts). In the mirror, a descriptor is the index of a 1 KB block in a shared slab: the
 * channels carry the 8-byte index, and the block's bytes stay where they are.
 */
import type { Operation } from "../../src/index.js";
import type { SharedChannel } from "../../src/worker/index.js";

export const SIZE = 1_024;

/** Takes an empty block, writes `value` into it in place, hands it on; `messages` times, then closes `full`. */
export function* producer(slab: SharedArrayBuffer, empty: SharedChannel<number>, full: SharedChannel<number>, messages: number): Operation<void> {
  for (let value = 0; value < messages; value++) {
    const block = yield* empty.receive();
    new DataView(slab, block * SIZE, SIZE).setUint32(0, value); // fill in place
    yield* full.send(block);
  }
  full.close();
}

/** Reads each full block in place, sums its values, hands the block back; counts the distinct blocks seen. */
export function* consumer(slab: SharedArrayBuffer, full: SharedChannel<number>, empty: SharedChannel<number>): Operation<{ received: number; sum: number; blocks: number }> {
  let received = 0;
  let sum = 0;
  const blocks = new Set<number>();
  yield* full.each(function* (block) {
    received++;
    sum += new DataView(slab, block * SIZE, SIZE).getUint32(0);
    blocks.add(block);
    yield* empty.send(block); // never waits: only BLOCKS blocks exist, and `empty` holds as many
  });
  return { received, sum, blocks: blocks.size };
}

/** CPU-bound work for the parallel map: how many primes are below `n` (trial division). */
export function primesBelow(n: number): number {
  let count = 0;
  for (let k = 2; k < n; k++) {
    let prime = true;
    for (let d = 2; d * d <= k; d++) {
      if (k % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
