/**
 * A pipeline with a deadline: a sensor stage reads a value every 15 ms
 * (`interval`), an averaging stage turns each three readings into one average,
 * and the sink prints the averages — all for at most 130 ms. At the deadline,
 * `timeout(..., { orElse })` cancels the whole pipeline, every stage's
 * `finally` runs (last started first), and the fallback is returned instead of
 * an error. The stages are `produce`d and read with `consumeEach`, so a stage
 * whose reader stops is stopped too.
 *
 * Run it on its own: `npx tsx examples/pipeline-deadline.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { consumeEach, interval, main, now, produce, timeout, type Operation } from "../src/index.js";

export function* deadlinePipelineDemo(write: (line: string) => void): Operation<void> {
  const at = function* (): Operation<string> {
    return `t=${String(Math.round(yield* now())).padStart(3)}ms`;
  };
  const outcome = yield* timeout(
    130,
    function* () {
      const readings = yield* produce<number>(
        function* (out) {
          const ticks = yield* interval(15);
          try {
            for (let n = 1; ; n++) {
              yield* ticks.receive();
              yield* out.send(n * 10);
            }
          } finally {
            write(`${yield* at()} sensor: stopped`);
          }
        },
        { name: "readings" },
      );
      const averages = yield* produce<number>(
        function* (out) {
          let window: number[] = [];
          try {
            yield* consumeEach(readings, function* (reading) {
              window.push(reading);
              if (window.length < 3) return;
              yield* out.send(window.reduce((sum, value) => sum + value, 0) / window.length);
              window = [];
            });
          } finally {
            write(`${yield* at()} averager: stopped with ${window.length} readings pending`);
          }
        },
        { name: "averages" },
      );
      yield* consumeEach(averages, function* (average) {
        write(`${yield* at()} sink: average ${average}`);
      });
      return "the sensor ran dry";
    },
    { orElse: () => "deadline reached: pipeline torn down" },
  );
  write(`${yield* at()} ${outcome}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* deadlinePipelineDemo((line) => console.log(line));
  });
}
