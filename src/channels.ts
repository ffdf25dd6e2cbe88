// The `strand/channel` entry: channels and select (also re-exported from `strand`).
export {
  channel,
  type Channel,
  type ChannelOptions,
  type ChannelStats,
  type Capacity,
  type Overflow,
  type SendResult,
  type ReceiveResult,
  type ClosedResult,
  type SelectClause,
} from "./channel.js";
export { select, selectBiased, onTimeout, onDefault } from "./select.js";
export { ChannelClosed } from "./errors.js";
