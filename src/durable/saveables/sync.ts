/**
 * Sync primitives in snapshots (durable/saving.ts): mutexes, semaphores,
 * latches, events and wait groups, and the waits their tasks park on. A
 * primitive saves its own state and its coordinator's counters, after checking
 * that everyone waiting on it is a task of the snapshot (their waits are saved
 * by their tasks, each back at its place in the queue when restored). A
 * select clause on a primitive cannot be saved yet.
 */
import { checkStage, savedStage, setStage, stageOf, type Stage } from "../../core/trap.js";
import type { TaskRecord } from "../../core/task.js";
import { BROADCAST, CANCELLED, CONSUMED, ClauseRegistration, ENQUEUED, HandleWait, NOTIFIED, Registration, type Coordinator } from "../../sync/coordinator.js";
import { GateWait } from "../../sync/shared.js";
import { Event, Latch } from "../../sync/latch.js";
import { WaitGroup } from "../../sync/wait-group.js";
import { Lock, Mutex } from "../../sync/mutex.js";
import { Acquire, ENQUEUED as ACQUIRE_ENQUEUED, CANCELLED as ACQUIRE_CANCELLED, GRANTED, Semaphore } from "../../sync/semaphore.js";
import type { Operation } from "../../types.js";
import { positionIn, requeue, revivedAt, type SaveableType, type SaveableWait, type Saving } from "../saving.js";

// -- A coordinator is saved with the primitive that owns it.

/**
 * A coordinator's counters, checking that every registration in its list is a
 * task's wait the snapshot saves: a select clause's, a prepared handle's, or a
 * task outside the snapshot's fails it.
 */
function savedCounts<T>(coordinator: Coordinator<T>, saving: Saving, owner: string): number[] {
  for (let handle = coordinator.list.head; handle !== null; handle = handle.nextLink as Registration<T> | null) {
    const waiter = handle.waiter;
    if (handle instanceof ClauseRegistration) throw new Error(`a select() waits on ${owner}: a snapshot cannot save a select clause on a sync primitive yet`);
    if (waiter === null) throw new Error(`${owner} has a prepared wait handle (prepare()) that no task waits on; a snapshot does not save those`);
    if (!saving.includes(waiter.task)) {
      throw new Error(`${owner} is shared with ${waiter.task.path}, which is outside the snapshot and waits on it: snapshot a tree that holds every task using it`);
    }
  }
  return [coordinator.notifiedCount, coordinator.cancelledCount, coordinator.returnedCount];
}

/** Gives a revived primitive's coordinator its name, wait label and the counters `savedCounts` returned. */
function revivedCoordinator<T>(coordinator: Coordinator<T>, name: string, waitLabel: string, counts: unknown): void {
  (coordinator as { name: string }).name = `coordinator "${name}"`;
  coordinator.waitLabel = waitLabel;
  if (!Array.isArray(counts) || counts.length !== 3 || !counts.every((n) => typeof n === "number")) throw new TypeError(`a saved ${coordinator.name} has no counters`);
  [coordinator.notifiedCount, coordinator.cancelledCount, coordinator.returnedCount] = counts as [number, number, number];
}

// -- A primitive's wait (a HandleWait), saved with the primitive: its subclass's type saves which.

interface SavedRegistration {
  status: number;
  value: unknown;
  /** Its index in the coordinator's list, when enqueued; else -1. */
  position: number;
}

/** A saved `HandleWait`: its type adds what it waits on. */
interface SavedHandleWait {
  stage: Stage;
  registration: SavedRegistration | null;
}

/** Where the wait stands: its stage, and its registration (its place in the list, or what it was woken with). */
function savedWait<T>(wait: HandleWait<T>, saving: Saving): SavedHandleWait {
  const handle = wait.handle;
  let registration: SavedRegistration | null = null;
  if (handle !== null) {
    if (handle.status === CONSUMED || handle.status === CANCELLED) throw new Error(`${wait.describe()} has finished, so it cannot be saved`);
    registration = { status: handle.status, value: handle.value, position: handle.status === ENQUEUED ? positionIn(saving, handle) : -1 };
  }
  return { stage: savedStage(wait), registration };
}

/** Puts a revived wait where the saved one stood; `rearm` registers it. */
function revivedWait<T>(wait: HandleWait<T>, data: SavedHandleWait): void {
  setStage(wait, checkStage(data.stage));
  const saved = data.registration;
  if (saved !== null) {
    const { status, position } = saved as Partial<SavedRegistration>;
    if ((status !== ENQUEUED && status !== NOTIFIED && status !== BROADCAST) || typeof position !== "number") throw new TypeError("a saved wait has an unknown registration");
    const handle = new Registration<T>(wait.coordinator);
    handle.status = status;
    handle.value = saved.value as T;
    handle.waiter = wait;
    wait.handle = handle;
    if (status === ENQUEUED) revivedAt(handle, position);
  }
}

/** Registers a revived wait: back at its place in its coordinator's list, if it was waiting there. */
function rearmWait<T>(wait: HandleWait<T>, task: TaskRecord<unknown>): void {
  wait.task = task;
  const handle = wait.handle;
  if (handle !== null && handle.status === ENQUEUED && stageOf(wait) === "parked") requeue(wait.coordinator.list, handle);
}

// -- Gates: latches, events and wait groups.

/** What a snapshot saves of a gate: its name, its own state (a count, or whether it is set), its coordinator's counters. */
interface SavedGate<S> {
  name: string;
  state: S;
  queue: number[];
}

/** A one-way gate: a latch, an event or a wait group. */
interface Gate<T = unknown> {
  readonly name: string;
  readonly waiters: Coordinator<T>;
  wait(): Operation<T>;
}

/** Saves a gate (see `SavedGate`), checking that everyone waiting on it is saved too. */
function savedGate<S, T>(gate: Gate<T>, state: S, saving: Saving): SavedGate<S> {
  return { name: gate.name, state, queue: savedCounts(gate.waiters, saving, gate.name) };
}

/** Gives a revived gate its saved name and counters; returns its state, checked by `valid`. */
function revivedGate<S, T>(kind: string, gate: Gate<T>, data: SavedGate<S>, valid: (state: unknown) => boolean): S {
  if (typeof data.name !== "string" || !valid(data.state)) throw new TypeError(`a saved ${kind} has no name or state`);
  (gate as { name: string }).name = data.name;
  revivedCoordinator(gate.waiters, data.name, `wait on ${data.name}`, data.queue);
  return data.state;
}

const isCount = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;

/** A latch: its count. */
const latchType: SaveableType<Latch> = {
  id: "strand:latch",
  Class: Latch,
  save(latch, saving): SavedGate<number> {
    return savedGate(latch, latch.remaining, saving);
  },
  revive(data: SavedGate<number>): Latch {
    const latch = new Latch(0);
    latch.remaining = revivedGate("latch", latch, data, isCount);
    return latch;
  },
};

/** An event: whether it is set, and its value. */
const eventType: SaveableType<Event<unknown>> = {
  id: "strand:event",
  Class: Event as new () => Event<unknown>,
  save(event, saving): SavedGate<{ open: boolean; value: unknown }> {
    return savedGate(event, { open: event.open, value: event.value }, saving);
  },
  revive(data: SavedGate<{ open: boolean; value: unknown }>): Event<unknown> {
    const event = new Event<unknown>();
    const valid = (state: unknown) => typeof state === "object" && state !== null && typeof (state as { open?: unknown }).open === "boolean";
    const state = revivedGate("event", event, data, valid);
    event.open = state.open;
    event.value = state.value;
    return event;
  },
};

/** A wait group: its counter. */
const waitGroupType: SaveableType<WaitGroup> = {
  id: "strand:wait-group",
  Class: WaitGroup,
  save(group, saving): SavedGate<number> {
    return savedGate(group, group.counter, saving);
  },
  revive(data: SavedGate<number>): WaitGroup {
    const group = new WaitGroup();
    group.counter = revivedGate("wait group", group, data, isCount);
    return group;
  },
};

/** A gate's wait: saved with its gate, which makes the revived wait. */
const gateWaitType: SaveableWait<GateWait<unknown>> = {
  id: "strand:gate.wait",
  Class: GateWait,
  save(wait, saving): SavedHandleWait & { gate: Gate } {
    const gate = wait.coordinator.owner as Gate | null;
    if (gate === null) throw new Error(`${wait.label} has no gate`);
    return { gate, ...savedWait(wait, saving) };
  },
  revive(data: SavedHandleWait & { gate: Gate }): GateWait<unknown> {
    const gate = data.gate as Partial<Gate> | null;
    const wait = typeof gate === "object" && gate !== null && typeof gate.wait === "function" ? gate.wait() : null;
    if (!(wait instanceof GateWait)) throw new TypeError("a saved gate wait has no latch, event or wait group");
    revivedWait(wait, data);
    return wait as GateWait<unknown>;
  },
  rearm: rearmWait,
};

// -- Mutexes.

interface SavedMutex {
  name: string;
  held: boolean;
  acquired: number;
  released: number;
  queue: number[];
}

/** A mutex: whether it is held, and its counters. */
const mutexType: SaveableType<Mutex> = {
  id: "strand:mutex",
  Class: Mutex,
  save(mutex, saving): SavedMutex {
    return { name: mutex.name, held: mutex.held, acquired: mutex.acquiredCount, released: mutex.releasedCount, queue: savedCounts(mutex.queue, saving, mutex.name) };
  },
  revive(data: SavedMutex): Mutex {
    if (typeof data.name !== "string" || typeof data.held !== "boolean" || typeof data.acquired !== "number" || typeof data.released !== "number") {
      throw new TypeError("a saved mutex has no name, state or counters");
    }
    const mutex = new Mutex();
    (mutex as { name: string }).name = data.name;
    revivedCoordinator(mutex.queue, data.name, `lock of ${data.name}`, data.queue);
    mutex.held = data.held;
    mutex.acquiredCount = data.acquired;
    mutex.releasedCount = data.released;
    return mutex;
  },
};

/** `mutex.lock()`: saved with its mutex. */
const lockType: SaveableWait<Lock> = {
  id: "strand:mutex.lock",
  Class: Lock,
  save(lock, saving): SavedHandleWait & { mutex: Mutex } {
    return { mutex: lock.mutex, ...savedWait(lock, saving) };
  },
  revive(data: SavedHandleWait & { mutex: Mutex }): Lock {
    if (!(data.mutex instanceof Mutex)) throw new TypeError("a saved mutex.lock() has no mutex");
    const lock = new Lock(data.mutex);
    revivedWait(lock, data);
    return lock;
  },
  rearm: rearmWait,
};

// -- Semaphores.

interface SavedSemaphore {
  name: string;
  permits: number;
  free: number;
  /** acquired, released, cancelled waiters, returned. */
  counts: number[];
}

/** A semaphore: permits free and counters. */
const semaphoreType: SaveableType<Semaphore> = {
  id: "strand:semaphore",
  Class: Semaphore,
  save(semaphore, saving): SavedSemaphore {
    for (let token = semaphore.queue.head; token !== null; token = token.nextLink as typeof token | null) {
      if (token.selector !== null) throw new Error(`a select() waits on ${semaphore.name}: a snapshot cannot save a select clause on a sync primitive yet`);
      const task = (token as Acquire).task;
      if (!saving.includes(task)) throw new Error(`${semaphore.name} is shared with ${task.path}, which is outside the snapshot and waits on it: snapshot a tree that holds every task using it`);
    }
    return {
      name: semaphore.name,
      permits: semaphore.permits,
      free: semaphore.free,
      counts: [semaphore.acquiredCount, semaphore.releasedCount, semaphore.cancelledCount, semaphore.returnedCount],
    };
  },
  revive(data: SavedSemaphore): Semaphore {
    const { name, permits, free, counts } = data;
    if (typeof name !== "string" || !Number.isSafeInteger(permits) || permits < 1 || !Number.isSafeInteger(free) || free < 0 || free > permits) {
      throw new TypeError("a saved semaphore has no name or permits");
    }
    if (!Array.isArray(counts) || counts.length !== 4 || !counts.every((n) => typeof n === "number")) throw new TypeError("a saved semaphore has no counters");
    const semaphore = new Semaphore(permits);
    (semaphore as { name: string }).name = name;
    semaphore.free = free;
    [semaphore.acquiredCount, semaphore.releasedCount, semaphore.cancelledCount, semaphore.returnedCount] = counts as [number, number, number, number];
    return semaphore;
  },
};

interface SavedAcquire {
  semaphore: Semaphore;
  count: number;
  status: number;
  stage: Stage;
  /** Its index in the queue, when enqueued; else -1. */
  position: number;
}

/** `semaphore.acquire(n)`: saved with its semaphore; back in its queue at its place when restored. */
const acquireType: SaveableWait<Acquire> = {
  id: "strand:semaphore.acquire",
  Class: Acquire,
  save(acquire, saving): SavedAcquire {
    if (acquire.status === ACQUIRE_CANCELLED) throw new Error(`${acquire.describe()} was cancelled, so it cannot be saved`);
    const position = acquire.status === ACQUIRE_ENQUEUED ? positionIn(saving, acquire) : -1;
    return { semaphore: acquire.semaphore, count: acquire.count, status: acquire.status, stage: savedStage(acquire), position };
  },
  revive(data: SavedAcquire): Acquire {
    const { semaphore, count, status, position } = data;
    if (!(semaphore instanceof Semaphore) || !Number.isSafeInteger(count) || count < 1 || count > semaphore.permits) throw new TypeError("a saved semaphore.acquire() has no semaphore or count");
    if ((status !== ACQUIRE_ENQUEUED && status !== GRANTED) || typeof position !== "number") throw new TypeError("a saved semaphore.acquire() has an unknown state");
    const acquire = new Acquire(semaphore, count);
    acquire.status = status;
    setStage(acquire, checkStage(data.stage));
    revivedAt(acquire, position);
    return acquire;
  },
  rearm(acquire, task): void {
    acquire.task = task;
    if (acquire.status === ACQUIRE_ENQUEUED && stageOf(acquire) === "parked") requeue(acquire.semaphore.queue, acquire);
  },
};

export const syncTypes: readonly SaveableType<object>[] = [latchType, eventType, waitGroupType, gateWaitType, mutexType, lockType, semaphoreType, acquireType];
