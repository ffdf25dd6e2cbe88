// The `strand/observe/serve` entry (Node only): the monitor's server. Loaded with
// STRAND_MONITOR_PORT set (`node --import strand/observe/serve app.js`), it starts one.
export { serve, type Monitor, type MonitorSnapshot, type ServeOptions } from "./server.js";
import "./auto.js";
