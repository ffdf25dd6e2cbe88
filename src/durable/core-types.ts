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

/** How many of each list are registered: the lists only grow, as modules load. */
let types = 0;
let functions = 0;
let classes = 0;

/** Registers what has loaded since the last call (nothing to do on most calls). */
export function registerCoreTypes(): void {
  for (; types < saveableTypes.length; types++) {
    const type = saveableTypes[types]!;
    if (entryById(type.id) !== undefined) continue;
    registerType(type.Class, { serialize: (value) => type.save(value, snapshotting.current ?? outsideSnapshot(type)), deserialize: (data) => type.revive(data as never) }, type.id);
  }
  for (; functions < saveableFunctions.length; functions++) {
    const { id, fn } = saveableFunctions[functions]!;
    if (entryById(id) === undefined) registerFunction(id, fn);
  }
  for (; classes < saveableClasses.length; classes++) {
    const { id, Class } = saveableClasses[classes]!;
    if (entryById(id) === undefined) registerClass(id, Class);
  }
}

function outsideSnapshot(type: SaveableType<object>): never {
  throw new Error(`a value of type ${type.id} can be saved only by snapshot() of the task tree that uses it`);
}
