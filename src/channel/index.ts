// The `strand/channel` entry: channels and select (also re-exported from `strand`).
export {
  channel,
  type Channel,
  type ReceiveChannel,
  type ChannelOptions,
  type ChannelStats,
  type Capacity,
  type Overflow,
  type SendResult,
  type ReceiveResult,
  type ClosedResult,
} from "./channel.js";
export { select, selectBiased, onTimeout, onDefault } from "../select.js";
export { NOT_READY, type SelectClause, type ClauseWait, type Selector } from "../core/clause.js";
export { ChannelClosed } from "../errors.js";
export { interval } from "../interval.js";
export { produce, consume, consumeEach, type ProduceOptions } from "./produce.js";
export { broadcast, type Broadcast, type BroadcastOptions, type Subscription, type SubscribeOptions } from "./broadcast.js";
