// The `strand/io` entry (Node only): files, sockets, child processes, streams and events as operations.
export { Handle, adopt } from "./handle.js";
export { HandleClosed } from "./errors.js";
export { Pending, type PollResult, type WaitOptions } from "./wait.js";
export { listen, connect, startListen, startConnect, Server, Socket, type ListenOptions, type SocketAddress } from "./socket.js";
export { fromReadable, toWritable, type WritableChannel, type StreamChannelOptions } from "./stream.js";
export { open, startOpen, chunks, lines, File, type OpenOptions, type ChunksOptions, type LinesOptions } from "./file.js";
export { spawnProcess, ChildProcess, ProcessInput, type ProcessOptions, type ExitStatus } from "./process.js";
export { once, onEvent, on, type OnOptions, type EventSource, type EmitterLike, type EventTargetLike } from "./events.js";
