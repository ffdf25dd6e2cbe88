"use durable";
/**
 * A task tree saved mid-stream and finished in another process: a producer
 * sends 20 numbers through a buffered channel to a consumer that prints and
 * sums them. The first run saves the whole tree — both tasks, the channel with
 * what is buffered in it and who waits on it, the consumer's timer — after
 * about 50 ms, and stops; the second restores it and finishes. Every number is
 * printed once, across the two runs, in order.
 *
 *   node --import strand/register examples/durable/pipeline.ts   # received 0 … 5, saved
 *   node --import strand/register examples/durable/pipeline.ts   # received 6 … 19, done
 *
 * Without the loader the module is not compiled: it says so and runs the whole
 * pipeline in one go.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { channel, main, sleep, spawn, type Channel, type Task } from "strand";
import { durable, restore, snapshot } from "strand/durable";

interface Total {
  count: number;
  sum: number;
}

function* produce(out: Channel<number>, count: number) {
  for (let i = 0; i < count; i++) yield* out.send(i);
  out.close();
}

function* consume(input: Channel<number>) {
  const total: Total = { count: 0, sum: 0 };
  for (;;) {
    const next = yield* input.receiveCatching();
    if (!next.ok) return total;
    console.log(`received ${next.value}`);
    total.count++;
    total.sum += next.value;
    yield* sleep(10);
  }
}

function* pipeline(count: number) {
  const numbers = channel<number>(4, { name: "numbers" });
  yield* spawn(() => produce(numbers, count), { name: "producer" });
  const consumer = yield* spawn(() => consume(numbers), { name: "consumer" });
  return yield* consumer;
}

const state = process.argv[2] ?? "pipeline.state";

await main(function* () {
  if (!durable) console.log("volatile mode: this module is not compiled, so the pipeline cannot be saved");
  const resuming = durable && existsSync(state);
  const task: Task<Total> = resuming ? yield* restore<Total>(readFileSync(state)) : yield* spawn(() => pipeline(20), { name: "pipeline" });
  if (durable && !resuming) {
    yield* sleep(55);
    writeFileSync(state, yield* snapshot(task));
    console.log(`saved the pipeline mid-stream to ${state}; run again to finish it`);
    yield* task.cancel();
    return;
  }
  const { count, sum } = yield* task;
  console.log(`done: ${count} numbers, sum ${sum}`);
  if (resuming) rmSync(state);
});
