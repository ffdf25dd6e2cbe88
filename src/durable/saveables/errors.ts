/**
 * Strand's errors in snapshots (durable/saving.ts): saved as plain data by id
 * (an error's message, stack, cause and own fields), so a task that ended with
 * one, or a local that holds one, revives as an instance of the same class.
 */
import { Cancelled, DeadlockError } from "../../core/errors.js";
import { ChannelClosed, TimeoutError } from "../../errors.js";
import { ActorStopped } from "../../actor.js";
import type { SaveableClass } from "../saving.js";

export const errorClasses: readonly SaveableClass[] = [
  { id: "strand:Cancelled", Class: Cancelled },
  { id: "strand:DeadlockError", Class: DeadlockError },
  { id: "strand:TimeoutError", Class: TimeoutError },
  { id: "strand:ChannelClosed", Class: ChannelClosed },
  { id: "strand:ActorStopped", Class: ActorStopped },
];
