/**
 * The clients of examples/echo-server.ts, run in their own process:
 * `echo-clients.ts <port> <connections> <messages>`. Every connection is a
 * task; all connect at once, each sends its messages one at a time, reads the
 * echo of each back and checks it, then ends its side and expects the server
 * to end too. Prints one line of results; exits 1 if any echo was wrong.
 */
import { main, forEach, type Operation } from "../src/index.js";
import { connect } from "../src/io/index.js";

function* client(port: number, id: number, messages: number): Operation<void> {
  const socket = yield* connect({ port, host: "127.0.0.1" }, { timeout: 60_000 });
  for (let i = 0; i < messages; i++) {
    const message = `client ${id} message ${i}\n`;
    yield* socket.write(message);
    let echoed = "";
    while (echoed.length < message.length) {
      const chunk = yield* socket.read({ timeout: 60_000 });
      if (chunk === null) throw new Error(`client ${id}: the server ended the connection early`);
      echoed += chunk.toString();
    }
    if (echoed !== message) throw new Error(`client ${id}: sent ${JSON.stringify(message)}, got back ${JSON.stringify(echoed)}`);
  }
  yield* socket.end();
  if ((yield* socket.read({ timeout: 60_000 })) !== null) throw new Error(`client ${id}: data after the last echo`);
}

const [port, connections, messages] = process.argv.slice(2).map(Number);
await main(function* () {
  const ids = Array.from({ length: connections }, (_, id) => id);
  yield* forEach(ids, (id) => client(port, id, messages), { concurrency: connections });
  console.log(`[clients] ${connections} connections × ${messages} messages, every echo intact`);
});
