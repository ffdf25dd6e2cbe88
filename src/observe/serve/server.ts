/**
 * The monitor's server (Node only): the live task dump and metrics of this
 * process over HTTP, as JSON and as a stream of snapshots (Server-Sent
 * Events), plus the monitor page itself. `strand monitor <url>` and the page
 * read these endpoints:
 *
 * | path             | what                                                        |
 * |------------------|-------------------------------------------------------------|
 * | `/`              | the monitor page (HTML)                                     |
 * | `/api/snapshot`  | `{ at, pid, interval, dump, metrics }` now (JSON)           |
 * | `/api/dump`      | `dumpJSON()` (JSON); `/api/dump.txt` the text `dump()`      |
 * | `/api/metrics`   | `metrics()` (JSON)                                          |
 * | `/api/events`    | a snapshot at once and every `interval` ms (text/event-stream) |
 *
 * Invariants:
 * - The server never keeps the program alive: its socket, its clients' sockets
 *   and its timer are unref'd, so a program ends as it would without it.
 * - One snapshot is taken per tick, only while a client listens, and shared by
 *   every client; a client that cannot keep up skips ticks (nothing queues).
 * - Bound to a loopback address (the default), it answers only requests whose
 *   Host is a loopback name, so a web page the user visits cannot read it
 *   through DNS rebinding.
 * - `track()` is on from `serve()` until `close()`, so the counters move and
 *   the channels made meanwhile are listed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { dumpJSON, renderDump, type Dump } from "../dump.js";
import { metrics, type Metrics } from "../metrics.js";
import { track } from "../track.js";
import { PAGE } from "./page.js";

/** Options of `serve()`. */
export interface ServeOptions {
  /** The TCP port to listen on; 0 picks a free one (`monitor.port` says which). */
  port: number;
  /** The address to bind (default "127.0.0.1": only this machine can connect). */
  host?: string;
  /** Milliseconds between the snapshots streamed to clients (default 1000, at least 50). */
  interval?: number;
}

/** What `/api/snapshot` and each `/api/events` message carry. */
export interface MonitorSnapshot {
  /** Wall-clock time of the snapshot (`Date.now()`). */
  at: number;
  pid: number;
  /** The server's interval between streamed snapshots, in milliseconds. */
  interval: number;
  dump: Dump;
  metrics: Metrics;
}

/** A running monitor server. */
export interface Monitor {
  /** Its base URL, e.g. `http://127.0.0.1:9300/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops it: ends the clients' streams, stops listening, stops tracking. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Serves this process's live task dump and metrics over HTTP for
 * `npx strand monitor <url>` (or a browser at the URL itself): JSON at
 * `/api/snapshot`, `/api/dump` and `/api/metrics`, a live stream at
 * `/api/events`. Listens on 127.0.0.1 unless `host` says otherwise; does not
 * keep the program alive. Node only. Without code changes:
 * `STRAND_MONITOR_PORT=9300 node --import strand/observe/serve app.js`.
 *
 * ```ts
 * import { serve } from "strand/observe/serve";
 * const monitor = await serve({ port: 9300 });
 * // npx strand monitor http://127.0.0.1:9300
 * ```
 */
export async function serve(options: ServeOptions): Promise<Monitor> {
  if (typeof options !== "object" || options === null) throw new TypeError(`serve(options): options must be an object such as { port: 9300 }, got ${String(options)}`);
  const { port, host = "127.0.0.1", interval = 1000 } = options;
  if (!(Number.isSafeInteger(port) && port >= 0 && port <= 65535)) throw new TypeError(`serve(options): port must be an integer from 0 to 65535, got ${String(port)}`);
  if (typeof host !== "string" || host === "") throw new TypeError(`serve(options): host must be a non-empty string, got ${String(host)}`);
  if (!(typeof interval === "number" && interval >= 50 && interval < 2 ** 31)) throw new TypeError(`serve(options): interval must be milliseconds ≥ 50, got ${String(interval)}`);

  const stopTracking = track();
  const loopbackOnly = LOOPBACK.has(host);
  const clients = new Set<ServerResponse>();
  let timer: ReturnType<typeof setInterval> | null = null;

  const snapshot = (): MonitorSnapshot => ({ at: Date.now(), pid: process.pid, interval, dump: dumpJSON(), metrics: metrics() });

  const tick = (): void => {
    const message = `event: snapshot\ndata: ${JSON.stringify(snapshot())}\n\n`;
    for (const client of clients) {
      // A client whose socket is still full of earlier messages skips this one.
      if (client.writableNeedDrain) continue;
      client.write(message);
    }
  };

  const subscribe = (response: ServerResponse): void => {
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
    response.write("retry: 2000\n\n");
    clients.add(response);
    response.on("close", () => {
      clients.delete(response);
      if (clients.size === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    });
    if (timer === null) {
      timer = setInterval(tick, interval);
      timer.unref();
    }
    response.write(`event: snapshot\ndata: ${JSON.stringify(snapshot())}\n\n`);
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    request.socket.unref();
    if (loopbackOnly && !LOOPBACK.has(hostname(request.headers.host))) return reply(response, 403, "text/plain", "strand monitor: only loopback host names are served\n");
    if (request.method !== "GET" && request.method !== "HEAD") return reply(response, 405, "text/plain", "strand monitor: GET only\n");
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    switch (path) {
      case "/":
      case "/index.html":
        return reply(response, 200, "text/html", PAGE);
      case "/api/snapshot":
        return reply(response, 200, "application/json", JSON.stringify(snapshot()));
      case "/api/dump":
        return reply(response, 200, "application/json", JSON.stringify(dumpJSON()));
      case "/api/dump.txt":
        return reply(response, 200, "text/plain", renderDump(dumpJSON()));
      case "/api/metrics":
        return reply(response, 200, "application/json", JSON.stringify(metrics()));
      case "/api/events":
        return subscribe(response);
      default:
        return reply(response, 404, "text/plain", `strand monitor: no ${path} (try /, /api/snapshot, /api/dump, /api/dump.txt, /api/metrics, /api/events)\n`);
    }
  };

  const server: Server = createServer(handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    stopTracking();
    throw error;
  }
  server.unref();
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}/`;

  let closing: Promise<void> | null = null;
  return {
    url,
    host: address.address,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (timer !== null) clearInterval(timer);
        timer = null;
        for (const client of clients) client.end();
        clients.clear();
        stopTracking();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function reply(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  response.end(response.req.method === "HEAD" ? undefined : body);
}

/** The host name of a Host header ("127.0.0.1:9300" → "127.0.0.1", "[::1]:9300" → "::1"). */
function hostname(header: string | undefined): string {
  if (header === undefined) return "";
  if (header.startsWith("[")) return header.slice(1, header.indexOf("]"));
  const colon = header.indexOf(":");
  return colon < 0 ? header : header.slice(0, colon);
}
