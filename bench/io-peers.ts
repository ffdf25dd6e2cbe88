/**
 * The other processes of the I/O benchmarks (workloads/io.ts), plain Node so
 * that Strand's and Node's cases meet the same load:
 *
 *   echo-clients <port> <connections> <requests>
 *       `connections` sockets, each sending a 64-byte request and waiting for
 *       its echo before the next, `requests` in all; prints
 *       {"ns": wall time, "p99Ns": 99th percentile of the round trips}.
 *   ipc-strand <path>      listens on the Unix socket `path` (prints "listening"),
 *       and receives a Strand remote channel (capacity 64) on each connection;
 *       prints {"received": count, "bytes": total} for each at its close.
 *   ipc-node               counts child_process IPC messages; answers "done"
 *       when told how many to expect and has them all.
 */
import * as net from "node:net";

const [mode, ...args] = process.argv.slice(2);

if (mode === "echo-clients") {
  const [port, connections, requests] = args.map(Number) as [number, number, number];
  const request = Buffer.alloc(64, 120);
  const latencies = new Float64Array(requests);
  let issued = 0;
  let done = 0;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    for (let c = 0; c < connections; c++) {
      const socket = net.connect({ port, host: "127.0.0.1" });
      socket.setNoDelay(true);
      let sentAt = 0n;
      let pending = 0;
      let index = -1;
      const next = () => {
        if (issued >= requests) {
          socket.end();
          return;
        }
        index = issued++;
        pending = request.length;
        sentAt = process.hrtime.bigint();
        socket.write(request);
      };
      socket.on("connect", next);
      socket.on("data", (chunk: Buffer) => {
        pending -= chunk.length;
        if (pending > 0) return;
        latencies[index] = Number(process.hrtime.bigint() - sentAt);
        if (++done === requests) resolve();
        next();
      });
      socket.on("error", reject);
    }
  });
  const ns = Number(process.hrtime.bigint() - started);
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  console.log(JSON.stringify({ ns, p99Ns: sorted[Math.floor(sorted.length * 0.99)] }));
  process.exit(0);
} else if (mode === "ipc-strand") {
  const { main, spawn } = await import("../src/index.js");
  const { listen } = await import("../src/io/index.js");
  const { remoteReceiver } = await import("../src/ipc/index.js");
  await main(function* () {
    const server = yield* listen({ path: args[0]! });
    process.stdout.write("listening\n");
    for (;;) {
      const socket = yield* server.accept();
      yield* spawn(function* () {
        const input = yield* remoteReceiver<Uint8Array>(socket, { capacity: 64 });
        let received = 0;
        let bytes = 0;
        for (let next; (next = yield* input.receiveCatching()).ok; ) {
          received++;
          bytes += next.value.length;
        }
        process.stdout.write(JSON.stringify({ received, bytes }) + "\n");
      });
    }
  });
} else if (mode === "ipc-node") {
  let expected = -1;
  let received = 0;
  let bytes = 0;
  process.on("message", (message: unknown) => {
    if (typeof message === "object" && message !== null && "expect" in message) {
      expected = (message as { expect: number }).expect;
      received = 0;
      bytes = 0;
    } else {
      received++;
      bytes += (message as Uint8Array).length;
    }
    if (received === expected) {
      process.send!({ received, bytes });
      expected = -1;
    }
  });
} else {
  console.error(`io-peers.ts: unknown mode ${mode}`);
  process.exit(2);
}
