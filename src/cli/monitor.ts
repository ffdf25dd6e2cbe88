/**
 * `strand monitor <url>`: watches a program that runs `serve()` from
 * strand/observe/serve. Two views of the same stream of snapshots
 * (`/api/events`):
 *
 * - web: a local server (127.0.0.1) serves the monitor page and passes the
 *   page's `/api/*` requests on to the program, then opens a browser at it;
 * - terminal (`--tty`, or when there is no display to open a browser on):
 *   redraws the scheduler's figures, the channels' throughput and buffers and
 *   the task tree on every snapshot; `--once` prints one frame and exits.
 */
import { spawn } from "node:child_process";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { renderDump, type Dump, type TaskDump } from "../observe/dump.js";
import type { MonitorSnapshot } from "../observe/serve/server.js";
import { PAGE } from "../observe/serve/page.js";

export interface MonitorOptions {
  tty: boolean;
  web: boolean;
  open: boolean;
  once: boolean;
  port: number;
  state: string | undefined;
  search: string | undefined;
}

/** A program's monitor URL from what the user typed: a URL, `host:port`, or a port on this machine. */
export function monitorUrl(text: string): URL {
  const withScheme = /^\d+\/?$/.test(text) ? `http://127.0.0.1:${text.replace("/", "")}/` : /^[a-z]+:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TypeError(`monitor: ${JSON.stringify(text)} is not a URL (e.g. http://127.0.0.1:9300 or 9300)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`monitor: ${text}: only http and https URLs`);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  url.search = "";
  url.hash = "";
  return url;
}

/** Runs the monitor until SIGINT or SIGTERM (or after one frame with `--once`). */
export async function monitor(target: URL, options: MonitorOptions): Promise<number> {
  const display = process.platform === "darwin" || process.platform === "win32" || Boolean(process.env.DISPLAY) || Boolean(process.env.WAYLAND_DISPLAY);
  if (options.tty || options.once || (!options.web && !display)) return terminal(target, options);
  return web(target, options);
}

// -- The web view ------------------------------------------------------------

async function web(target: URL, options: MonitorOptions): Promise<number> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const host = (request.headers.host ?? "").replace(/:\d+$/, "");
    if (host !== "127.0.0.1" && host !== "localhost") return text(response, 403, "strand monitor: only loopback host names are served\n");
    if (path === "/" || path === "/index.html") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      return void response.end(PAGE);
    }
    if (!path.startsWith("/api/")) return text(response, 404, `strand monitor: no ${path}\n`);
    forward(new URL(path.slice(1), target), request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  process.stdout.write(`strand: monitor of ${target.href} at ${local} (Ctrl-C stops it)\n`);
  if (options.open) openBrowser(local);
  await stopped();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}

/** Passes a GET of the page on to the program and streams its answer back (an event stream stays open). */
function forward(url: URL, request: IncomingMessage, response: ServerResponse): void {
  const upstream = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, { method: "GET", headers: { accept: request.headers.accept ?? "*/*" } }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "text/plain", "cache-control": "no-store" });
    answer.pipe(response);
  });
  upstream.on("error", (error) => {
    if (!response.headersSent) text(response, 502, `strand monitor: ${url.origin} did not answer (${error.message}); is the program running with serve()?\n`);
    else response.destroy();
  });
  response.on("close", () => upstream.destroy());
  upstream.end();
}

function text(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(body);
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  const child = spawn(command, args as string[], { stdio: "ignore", detached: true });
  child.on("error", () => process.stderr.write(`strand: could not start a browser (${command}); open ${url} yourself\n`));
  child.unref();
}

function stopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

// -- The terminal view -------------------------------------------------------

async function terminal(target: URL, options: MonitorOptions): Promise<number> {
  const interactive = process.stdout.isTTY === true && !options.once;
  let previous: MonitorSnapshot | null = null;
  let done = false;
  let current: IncomingMessage | null = null;
  const stop = stopped().then(() => {
    done = true;
    current?.destroy();
  });
  while (!done) {
    const outcome = await follow(new URL("api/events", target), (response) => (current = response), (snapshot) => {
      const frame = renderFrame(snapshot, previous, target, {
        state: options.state,
        search: options.search,
        columns: interactive ? process.stdout.columns : Infinity,
        rows: interactive ? process.stdout.rows : Infinity,
      });
      previous = snapshot;
      process.stdout.write(interactive ? `\x1b[H\x1b[2J${frame}` : `${frame}\n`);
      return !options.once;
    });
    if (options.once || done) {
      if (outcome !== null) {
        process.stderr.write(`strand: ${outcome}\n`);
        return 1;
      }
      break;
    }
    if (outcome !== null) process.stdout.write(`${interactive ? "\x1b[H\x1b[2J" : ""}strand: ${outcome}; trying again in 2 s (Ctrl-C stops)\n`);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 2000).unref()), stop]);
  }
  return 0;
}

/**
 * Reads the event stream at `url`, calling `each` with every snapshot until it
 * returns false or the stream ends; resolves with null, or with what went wrong.
 */
function follow(url: URL, opened: (response: IncomingMessage) => void, each: (snapshot: MonitorSnapshot) => boolean): Promise<string | null> {
  return new Promise((resolve) => {
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, { headers: { accept: "text/event-stream" } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return resolve(`${url.href} answered ${response.statusCode}; is it a strand monitor (serve() from strand/observe/serve)?`);
      }
      opened(response);
      response.setEncoding("utf8");
      let buffer = "";
      response.on("data", (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message
            .split("\n")
            .filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6))
            .join("\n");
          if (data === "" || !message.includes("event: snapshot")) continue;
          if (!each(JSON.parse(data) as MonitorSnapshot)) {
            response.destroy();
            return resolve(null);
          }
        }
      });
      response.on("close", () => resolve(`${url.origin} ended the stream (has the program exited?)`));
    });
    request.on("error", (error) => resolve(`cannot reach ${url.origin} (${error.message})`));
    request.end();
  });
}

/** Options of `renderFrame`. */
export interface FrameOptions {
  /** Show only tasks in this activity or state (and their ancestors). */
  state: string | undefined;
  /** Show only tasks whose path, wait or frames contain this (and their ancestors). */
  search: string | undefined;
  columns: number;
  rows: number;
}

/** One frame of the terminal view: the figures, the channels (rates against `previous`), the task tree. */
export function renderFrame(snapshot: MonitorSnapshot, previous: MonitorSnapshot | null, target: URL, options: FrameOptions): string {
  const s = snapshot.metrics.scheduler;
  const lines: string[] = [
    `strand monitor · ${target.href} · pid ${snapshot.pid} · ${new Date(snapshot.at).toISOString().slice(11, 19)}`,
    `tasks ${s.tasks}  ready ${s.runnable}  parked ${s.parked}  steps/s ${count(s.stepsPerSecond)}  longest step ${s.longestStepMs.toFixed(1)}ms  ` +
      `host yields ${s.hostYields}  timers ${snapshot.metrics.timers.pending}`,
    "",
  ];
  const channels = snapshot.metrics.channels;
  if (channels.length > 0) {
    const seconds = previous === null ? 0 : (snapshot.at - previous.at) / 1000;
    const before = new Map(previous?.metrics.channels.map((c) => [c.name, c]) ?? []);
    const rows = channels.map((c) => {
      const old = before.get(c.name);
      const rate = (field: string): string => (old === undefined || seconds <= 0 ? "…" : count(Math.max(0, (c[field] as number) - (old[field] as number)) / seconds));
      const capacity = c.capacity as number | null;
      const buffered = c.buffered as number;
      return [c.name, capacity === null ? "∞" : String(capacity), `${bar(buffered, capacity)} ${buffered}`, rate("sent"), rate("received"), String(c.waitingSenders), String(c.waitingReceivers), c.cancelled ? "cancelled" : c.closed ? "closed" : "open"];
    });
    lines.push(...table(["channel", "capacity", "buffer", "sent/s", "received/s", "senders", "receivers", "state"], rows), "");
  }
  const filter = options.state !== undefined || options.search !== undefined;
  const dump = filter ? prune(snapshot.dump, options.state, options.search?.toLowerCase()) : snapshot.dump;
  if (filter) lines.push(`tasks${options.state !== undefined ? ` in state ${options.state}` : ""}${options.search !== undefined ? ` matching ${JSON.stringify(options.search)}` : ""}:`);
  lines.push(...renderDump(dump).trimEnd().split("\n"));
  const width = Number.isFinite(options.columns) ? Math.max(20, options.columns) : Infinity;
  const height = Number.isFinite(options.rows) ? Math.max(5, options.rows - 1) : Infinity;
  const clipped = lines.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
  if (clipped.length > height) clipped.splice(height - 1, clipped.length, `… ${clipped.length - height + 1} more lines`);
  return `${clipped.join("\n")}\n`;
}

/** The trees with only the tasks that match, and their ancestors. */
function prune(dump: Dump, state: string | undefined, search: string | undefined): Dump {
  const matches = (task: TaskDump): boolean =>
    (state === undefined || task.activity === state || task.state === state) &&
    (search === undefined ||
      task.path.toLowerCase().includes(search) ||
      (task.waitsOn?.toLowerCase().includes(search) ?? false) ||
      task.stack.some((frame) => `${frame.function} ${frame.location ?? ""}`.toLowerCase().includes(search)));
  const keep = (task: TaskDump): TaskDump | null => {
    const children = task.children.map(keep).filter((child): child is TaskDump => child !== null);
    return children.length > 0 || matches(task) ? { ...task, children } : null;
  };
  return { runtimes: dump.runtimes.flatMap((runtime) => {
    const root = keep(runtime.root);
    return root === null ? [] : [{ ...runtime, root }];
  }) };
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => `  ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")}`;
  return [line(header), ...rows.map(line)];
}

function bar(buffered: number, capacity: number | null): string {
  if (capacity === null || capacity === 0) return "";
  const filled = Math.min(8, Math.round((buffered / capacity) * 8));
  return `${"█".repeat(filled)}${"░".repeat(8 - filled)}`;
}

function count(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
