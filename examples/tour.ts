/**
 * The tour (`npm start`): runs every demo in turn under one root task, each
 * under its heading, and exits 0 when all have finished.
 *
 * To add a demo, add one line to `demos` below.
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { main, scoped, type Operation } from "../src/index.js";
import { coroutinesDemo } from "./coroutines-demo.js";
import { boundedBufferDemo } from "./bounded-buffer.js";
import { counterDemo } from "./counter.js";
import { generatorDemo, runDemo } from "./generator.js";
import { mirrorDemo } from "./mirror.js";
import { pingPongDemo } from "./ping-pong.js";
import { pipelineDemo } from "./pipeline.js";

export interface Demo {
  /** Printed as the demo's heading. */
  title: string;
  /** Writes the demo's output, line by line, to `write`. */
  run(write: (line: string) => void): Operation<void>;
}

export const demos: Demo[] = [
  { title: "Coroutines: a printer and a file streamer (examples/coroutines-demo.ts)", run: (write) => coroutinesDemo(write) },
  { title: "Counter: two coroutines taking turns with yieldNow (examples/counter.ts)", run: (write) => counterDemo(write) },
  { title: "Ping-pong: direct hand-off with transfer (examples/ping-pong.ts)", run: (write) => pingPongDemo(write) },
  { title: "Generator: Coroutine next/recv (examples/generator.ts)", *run(write) { generatorDemo(write); } },
  { title: "Generator: Coroutine.run (examples/generator.ts)", *run(write) { runDemo(write); } },
  { title: "Bounded buffer: producer/consumer with back-pressure (examples/bounded-buffer.ts)", run: (write) => boundedBufferDemo(write) },
  { title: "Mirror: zero-copy descriptor hand-off (examples/mirror.ts)", run: (write) => mirrorDemo(write) },
  { title: "Pipeline: stages, select and a timeout (examples/pipeline.ts)", run: (write) => pipelineDemo(write) },
];

/** The heading line printed before a demo. */
export function heading(demo: Demo): string {
  return `== ${demo.title} ==`;
}

export function* tour(write: (line: string) => void): Operation<void> {
  for (const [i, demo] of demos.entries()) {
    if (i > 0) write("");
    write(heading(demo));
    // Each demo runs in a scope of its own, which waits for every task the demo
    // spawned (a demo may return while its tasks still run) before the next begins.
    yield* scoped(() => demo.run(write));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* tour((line) => console.log(line));
  });
}
