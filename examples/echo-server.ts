/**
 * An echo server on strand/io, with its clients in another process.
 *
 * The server accepts on a loopback port; each connection is a task of its own
 * that owns its socket (`adopt`) and echoes until the client ends its side.
 * The clients (examples/echo-clients.ts) run in a child process started with
 * `spawnProcess`: they open every connection at once, send their messages,
 * check each echo, and print one line of results; the server prints how many
 * connections it served.
 *
 * Run it: `npx tsx examples/echo-server.ts [connections] [messages]`
 * (the stress script runs it with 10,000 connections: `npm run stress:echo`).
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand" and from "strand/io".
import { main, spawn, consumeEach, type Operation } from "../src/index.js";
import { adopt, listen, spawnProcess, type Server } from "../src/io/index.js";

const CLIENTS = fileURLToPath(new URL("./echo-clients.ts", import.meta.url));

/** Accepts connections until cancelled; each is echoed by a task of its own. Counts them in `served`. */
export function* serve(server: Server, served: { count: number }): Operation<never> {
  for (;;) {
    const conn = yield* server.accept();
    served.count++;
    yield* spawn(function* echo() {
      yield* adopt(conn); // closed when this task ends, however it ends
      for (let chunk; (chunk = yield* conn.read()) !== null; ) yield* conn.write(chunk);
      yield* conn.end();
    });
  }
}

export function* echoDemo(connections: number, messages: number, write: (line: string) => void): Operation<void> {
  const server = yield* listen({ port: 0, host: "127.0.0.1", backlog: 4096 });
  const served = { count: 0 };
  const serving = yield* spawn(() => serve(server, served));
  const clients = yield* spawnProcess(process.execPath, ["--import", "tsx", CLIENTS, String(server.port), String(connections), String(messages)], {
    stderr: "inherit",
  });
  yield* consumeEach(clients.stdout, (chunk) => write(chunk.toString().trimEnd()));
  const status = yield* clients.wait();
  if (status.code !== 0) throw new Error(`the clients failed: ${JSON.stringify(status)}`);
  yield* serving.cancel(); // closes every connection still open; the server closes when this task ends
  write(`[server] served ${served.count} connections`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [connections = "100", messages = "10"] = process.argv.slice(2);
  await main(() => echoDemo(Number(connections), Number(messages), (line) => console.log(line)));
}
