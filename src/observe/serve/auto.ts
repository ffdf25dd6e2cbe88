/**
 * `node --import strand/observe/serve app.js`: when STRAND_MONITOR_PORT is set,
 * loading this module starts the monitor server before the program runs
 * (STRAND_MONITOR_HOST picks the address, default 127.0.0.1;
 * STRAND_MONITOR_INTERVAL the milliseconds between streamed snapshots, default
 * 1000), and says where on stderr. Unset, loading it does nothing.
 */
import process from "node:process";
import { serve } from "./server.js";

const port = process.env.STRAND_MONITOR_PORT;
if (port !== undefined && port !== "") {
  const number = Number(port);
  if (!/^\d+$/.test(port) || number > 65535) throw new TypeError(`strand/observe/serve: STRAND_MONITOR_PORT must be a port number (0 picks a free one), got ${JSON.stringify(port)}`);
  const host = process.env.STRAND_MONITOR_HOST;
  const interval = process.env.STRAND_MONITOR_INTERVAL;
  const monitor = await serve({
    port: number,
    ...(host !== undefined && host !== "" ? { host } : {}),
    ...(interval !== undefined && interval !== "" ? { interval: Number(interval) } : {}),
  });
  process.stderr.write(`strand: monitor at ${monitor.url} (npx strand monitor ${monitor.url})\n`);
}
