/**
 * The saveable types (saving.ts) registered with the serializer: the core's —
 * channels, waits, sync primitives, select clauses, Strand's errors, and the
 * `next` methods a saved frame's delegate holds — declared when this module
 * loads, from their registrations in saveables/, and durable's own, declared
 * as their modules load. Registration is lazy: each snapshot and restore
 * registers what has been declared since the last one.
 */
import { declaredTypes, saveable, type SaveableClass, type SaveableFunction, type SaveableType, type Saving } from "./saving.js";
import { channelFunctions, channelTypes } from "./saveables/channel.js";
import { selectTypes } from "./saveables/select.js";
import { taskFunctions, taskTypes } from "./saveables/tasks.js";
import { timeFunctions, timeTypes } from "./saveables/time.js";
import { syncTypes } from "./saveables/sync.js";
import { errorClasses } from "./saveables/errors.js";
import { entryById, registerClass, registerFunction, registerType } from "./registry.js";

for (const type of [...taskTypes, ...channelTypes, ...selectTypes, ...timeTypes, ...syncTypes]) saveable(type);

const functions: readonly SaveableFunction[] = [...taskFunctions, ...channelFunctions, ...timeFunctions];
const classes: readonly SaveableClass[] = errorClasses;

/** The task-tree snapshot under way (set by durable/tasks.ts while it encodes), else null. */
export const snapshotting: { current: Saving | null } = { current: null };

/** How many types are registered: the list only grows, as modules load. */
let types = 0;
let registeredOnce = false;

/** Registers what has been declared since the last call (nothing to do on most calls). */
export function registerCoreTypes(): void {
  const declared = declaredTypes();
  for (; types < declared.length; types++) {
    const type = declared[types]!;
    if (entryById(type.id) !== undefined) continue;
    registerType(type.Class, { serialize: (value) => type.save(value, snapshotting.current ?? outsideSnapshot(type)), deserialize: (data) => type.revive(data as never) }, type.id);
  }
  if (registeredOnce) return;
  registeredOnce = true;
  for (const { id, fn } of functions) if (entryById(id) === undefined) registerFunction(id, fn);
  for (const { id, Class } of classes) if (entryById(id) === undefined) registerClass(id, Class);
}

function outsideSnapshot(type: SaveableType<object>): never {
  throw new Error(`a value of type ${type.id} can be saved only by snapshot() of the task tree that uses it`);
}
