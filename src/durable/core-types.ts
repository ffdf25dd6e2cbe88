/**
 * The core's saveable types (core/saving.ts) registered with the serializer:
 * channels, waits, sync primitives, select clauses, Strand's errors, and the
 * `next` methods a saved frame's delegate holds. Modules declare theirs when
 * they load, so registration is lazy: each snapshot and restore registers
 * what has loaded since the last one.
 */
import { saveableClasses, saveableFunctions, saveableTypes, type SaveableType, type Saving } from "../core/saving.js";
import { entryById, registerClass, registerFunction, registerType } from "./registry.js";

/** The task-tree snapshot under way (set by durable/tasks.ts while it encodes), else null. */
export const snapshotting: { current: Saving | null } = { current: null };

/** Registers what has loaded since the last call. */
export function registerCoreTypes(): void {
  for (const type of saveableTypes) {
    if (entryById(type.id) !== undefined) continue;
    registerType(type.Class, { serialize: (value) => type.save(value, snapshotting.current ?? outsideSnapshot(type)), deserialize: (data) => type.revive(data as never) }, type.id);
  }
  for (const { id, fn } of saveableFunctions) if (entryById(id) === undefined) registerFunction(id, fn);
  for (const { id, Class } of saveableClasses) if (entryById(id) === undefined) registerClass(id, Class);
}

function outsideSnapshot(type: SaveableType<object>): never {
  throw new Error(`a value of type ${type.id} can be saved only by snapshot() of the task tree that uses it`);
}
