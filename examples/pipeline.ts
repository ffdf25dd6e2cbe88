/**
 * A Go-style pipeline: a generator stage emits numbers, a square stage
 * transforms them, and the sink selects between results and a timeout. The
 * generator stalls after five numbers, so the sink's `onTimeout` clause wins,
 * it cancels the pipeline, and every stage's `finally` runs before it returns.
 *
 * Run it on its own: `npx tsx examples/pipeline.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { channel, main, onTimeout, select, sleep, spawn, suspend, type Channel, type Operation } from "../src/index.js";

function* numbers(out: Channel<number>, write: (line: string) => void): Operation<void> {
  try {
    for (let n = 1; n <= 5; n++) {
      yield* sleep(10);
      yield* out.send(n);
    }
    yield* suspend(); // stalls: no more numbers, and no close either
  } finally {
    write("numbers: stopped");
  }
}

function* squares(input: Channel<number>, out: Channel<number>, write: (line: string) => void): Operation<void> {
  try {
    for (;;) {
      const n = yield* input.receive();
      yield* out.send(n * n);
    }
  } finally {
    write("squares: stopped");
  }
}

export function* pipelineDemo(write: (line: string) => void): Operation<void> {
  const naturals = channel<number>(0, { name: "naturals" });
  const squared = channel<number>(0, { name: "squared" });
  const stages = [
    yield* spawn(() => numbers(naturals, write), { name: "numbers" }),
    yield* spawn(() => squares(naturals, squared, write), { name: "squares" }),
  ];
  let total = 0;
  for (;;) {
    const next = yield* select(
      squared.onReceive((value): number | null => value),
      onTimeout(100, (): number | null => null),
    );
    if (next === null) {
      write(`sink: no value for 100 ms, total=${total}; cancelling the pipeline`);
      break;
    }
    total += next;
    write(`sink: ${next}`);
  }
  for (const stage of stages.reverse()) yield* stage.cancel();
  write("sink: pipeline torn down");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* pipelineDemo((line) => console.log(line));
  });
}
