/**
 * The C coroutine POC's demo, in Strand: one coroutine prints messages with
 * sleeps between them, another streams a file, and main prints a completion
 * line once both are done.
 *
 * The C version switches stacks by hand; here each coroutine is a task (a
 * generator function run by Strand's scheduler). Whenever one is parked — on a
 * timer, or on the file system — the other runs. The file is real I/O through
 * `strand/io`: `lines(path)` reads it with back-pressure into a channel, one
 * line per element, and closes it however the task ends.
 *
 * Run it on its own: `npx tsx examples/coroutines-demo.ts [file]`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand" and from "strand/io".
import { main, sleep, spawn, type Operation } from "../src/index.js";
import { lines } from "../src/io/index.js";

/** The small text file the demo streams when it is given no other. */
export const POEM = fileURLToPath(new URL("./data/poem.txt", import.meta.url));

/** How long the printer sleeps between its messages, in milliseconds. */
const PRINTER_SLEEP = 100;
/** The streamer's pause between lines, so that the two coroutines visibly interleave. */
const LINE_PAUSE = 70;

export function* coroutinesDemo(write: (line: string) => void, path: string = POEM): Operation<void> {
  // spawn starts a child task; it first runs when this task next parks.
  const printer = yield* spawn(function* printer() {
    for (let i = 1; i <= 3; i++) {
      if (i > 1) yield* sleep(PRINTER_SLEEP);
      write(`[printer] message ${i} of 3`);
    }
  });
  const cat = yield* spawn(function* cat() {
    yield* streamLines(path, (line) => write(`[cat] ${line}`));
  });

  // Joining a task (yield* task) waits for it and returns its result or throws
  // its error. Had either child failed, the other would already be cancelled.
  yield* printer;
  yield* cat;
  write("[main] both coroutines finished");
}

/** Streams the file at `path` line by line to `onLine`; returns how many lines there were. */
function* streamLines(path: string, onLine: (line: string) => void): Operation<number> {
  // The file is opened here (a missing one throws ENOENT now) and closed when
  // this task ends, however it ends: completed, failed, or cancelled mid-file.
  const input = yield* lines(path);
  let count = 0;
  for (;;) {
    // receiveCatching: the next line, or "closed" at the end of the file (a
    // read error would be thrown here, as the channel's cause).
    const next = yield* input.receiveCatching();
    if (!next.ok) return count;
    if (count > 0) yield* sleep(LINE_PAUSE);
    onLine(next.value);
    count++;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // main: runs the program's root task; Ctrl-C cancels it (the file is closed by
  // the finally above), and the exit code reports how it ended.
  await main(function* () {
    yield* coroutinesDemo((line) => console.log(line), process.argv[2]);
  });
}
