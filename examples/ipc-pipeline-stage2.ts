/**
 * Stage 2 of examples/ipc-pipeline.ts, in its own process: receives lines over
 * one remote channel, counts their words, sends the counts back over another.
 * `ipc-pipeline-stage2.ts <port>`
 */
import { main } from "../src/index.js";
import { connect } from "../src/io/index.js";
import { remoteReceiver, remoteSender } from "../src/ipc/index.js";
import type { Counted } from "./ipc-pipeline.js";

const port = Number(process.argv[2]);

await main(function* () {
  const lines = yield* remoteReceiver<string>(yield* connect({ port, host: "127.0.0.1" }), { capacity: 2 });
  const counts = yield* remoteSender<Counted>(yield* connect({ port, host: "127.0.0.1" }));
  let line = 0;
  for (let next; (next = yield* lines.receiveCatching()).ok; ) {
    const text = next.value;
    yield* counts.send({ line: ++line, words: text.split(/\s+/).filter(Boolean).length, text: text.toUpperCase() });
  }
  yield* counts.finish();
});
