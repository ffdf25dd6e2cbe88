// The `strand/ipc` entry (Node only): channels whose other end is in another process.
export { remoteSender, remoteReceiver, structuredCodec, PeerLost, type Codec, type Transport, type RemoteSender, type RemoteSenderOptions, type RemoteReceiverOptions } from "./bridge.js";
