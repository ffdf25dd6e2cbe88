/**
 * A pipeline split across two processes with strand/ipc.
 *
 * Stage 1 (this process) reads a file line by line and sends each line over a
 * remote channel to stage 2, a child process (examples/ipc-pipeline-stage2.ts),
 * which counts its words and sends a result back over a second remote
 * channel; stage 1 prints the results. Both channels are bounded across the
 * wire (a full remote buffer makes the sender wait), and both close in order:
 * stage 1 closes the lines, stage 2 finishes its results and exits.
 *
 * Run it: `npx tsx examples/ipc-pipeline.ts [file]`
 */
import { fileURLToPath } from "node:url";
// In your own project: import from "strand", "strand/io" and "strand/ipc".
import { main, spawn, type Operation } from "../src/index.js";
import { lines, listen, spawnProcess } from "../src/io/index.js";
import { remoteReceiver, remoteSender } from "../src/ipc/index.js";
import { POEM } from "./coroutines-demo.js";

const STAGE2 = fileURLToPath(new URL("./ipc-pipeline-stage2.ts", import.meta.url));

/** What stage 2 sends back for each line. */
export interface Counted {
  line: number;
  words: number;
  text: string;
}

export function* pipeline(path: string, write: (line: string) => void): Operation<void> {
  const server = yield* listen({ port: 0, host: "127.0.0.1" });
  const stage2 = yield* spawnProcess(process.execPath, ["--import", "tsx", STAGE2, String(server.port)], { stdout: "inherit", stderr: "inherit" });
  // Stage 2 connects twice, one after the other: first for the lines, then for the results.
  const toStage2 = yield* remoteSender<string>(yield* server.accept(), { name: "lines" });
  const fromStage2 = yield* remoteReceiver<Counted>(yield* server.accept(), { name: "counts", capacity: 4 });

  const feeding = yield* spawn(function* () {
    const input = yield* lines(path);
    for (let next; (next = yield* input.receiveCatching()).ok; ) yield* toStage2.send(next.value);
    yield* toStage2.finish(); // closed, and every line received by stage 2
  });
  let count = 0;
  for (let next; (next = yield* fromStage2.receiveCatching()).ok; count++) {
    write(`line ${next.value.line}: ${next.value.words} words: ${next.value.text}`);
  }
  yield* feeding;
  const { code } = yield* stage2.wait();
  write(`[stage 1] ${count} lines through 2 processes; stage 2 exited with code ${code}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(() => pipeline(process.argv[2] ?? POEM, (line) => console.log(line)));
}
