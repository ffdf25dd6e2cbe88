// Every channel kind, as kotlinx's TestChannelKind: behaviour tests run over all
// of them, and say per kind what they expect through `size` and `policy`.
import assert from "node:assert/strict";
import { channel, type Capacity, type Channel, type ChannelOptions, type ChannelStats } from "../../src/channel/channel.js";

export interface ChannelKind {
  name: string;
  capacity: Capacity;
  onOverflow?: "drop-oldest" | "drop-latest";
  /** Elements the buffer holds before the policy applies: 0 rendezvous, Infinity unlimited. */
  size: number;
  /** What a send does when `size` elements are buffered and nobody receives. */
  policy: "suspend" | "drop-oldest" | "drop-latest";
}

export const kinds: readonly ChannelKind[] = [
  { name: "rendezvous", capacity: 0, size: 0, policy: "suspend" },
  { name: "buffered(1)", capacity: 1, size: 1, policy: "suspend" },
  { name: "buffered(10)", capacity: 10, size: 10, policy: "suspend" },
  { name: "unlimited", capacity: "unlimited", size: Infinity, policy: "suspend" },
  { name: "conflated", capacity: "conflated", size: 1, policy: "drop-oldest" },
  { name: "buffered(3) drop-oldest", capacity: 3, onOverflow: "drop-oldest", size: 3, policy: "drop-oldest" },
  { name: "buffered(3) drop-latest", capacity: 3, onOverflow: "drop-latest", size: 3, policy: "drop-latest" },
];

/** Kinds where a send can wait (the buffer fills and the policy is to suspend). */
export function sendsCanWait(kind: ChannelKind): boolean {
  return kind.policy === "suspend" && kind.size !== Infinity;
}

/** Kinds that drop elements on overflow. */
export function drops(kind: ChannelKind): boolean {
  return kind.policy !== "suspend";
}

export function make<T>(kind: ChannelKind, options?: Omit<ChannelOptions<T>, "onOverflow">): Channel<T> {
  return channel<T>(kind.capacity, kind.onOverflow === undefined ? options : { ...options, onOverflow: kind.onOverflow });
}

/** A channel that records what it hands to onUndelivered. */
export function recording<T>(kind: ChannelKind, name?: string): { ch: Channel<T>; undelivered: T[] } {
  const undelivered: T[] = [];
  const ch = make<T>(kind, { onUndelivered: (element) => undelivered.push(element), name });
  return { ch, undelivered };
}

/**
 * The reference for `n` elements offered with nobody receiving: which the
 * buffer keeps, which the policy drops, and which are refused as full.
 */
export function offerReference<T>(kind: ChannelKind, elements: readonly T[]): { buffered: T[]; dropped: T[]; full: T[] } {
  const fit = Math.min(kind.size, elements.length);
  switch (kind.policy) {
    case "suspend":
      return { buffered: elements.slice(0, fit), dropped: [], full: elements.slice(fit) };
    case "drop-oldest":
      return { buffered: elements.slice(elements.length - fit), dropped: elements.slice(0, elements.length - fit), full: [] };
    case "drop-latest":
      return { buffered: elements.slice(0, fit), dropped: elements.slice(fit), full: [] };
  }
}

type Counters = Partial<Omit<ChannelStats, "name" | "capacity">>;

/**
 * Asserts every counter of `ch.stats()`: those named in `expected`, and the
 * rest at 0 / false — so each scenario states the whole snapshot it leaves.
 */
export function assertStats<T>(ch: Channel<T>, expected: Counters, message?: string): void {
  const keys = ["sent", "received", "buffered", "waitingSenders", "waitingReceivers", "cancelledWaiters", "dropped", "undelivered", "closed", "cancelled"] as const;
  const stats = ch.stats();
  const actual: Record<string, unknown> = {};
  const wanted: Record<string, unknown> = {};
  for (const key of keys) {
    actual[key] = stats[key];
    wanted[key] = expected[key] ?? (key === "closed" || key === "cancelled" ? false : 0);
  }
  assert.deepEqual(actual, wanted, message ?? `${stats.name} stats`);
}

/** Element ids 0..n-1 as fresh objects (so identity can be checked). */
export function elements(n: number, tag = "e"): { id: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}` }));
}

/** Asserts that `actual` holds exactly the objects of `expected`, in order (identity, not structure). */
export function assertSame<T>(actual: readonly T[], expected: readonly T[], message?: string): void {
  const show = (list: readonly T[]) => list.map((item) => (typeof item === "object" && item !== null && "id" in item ? (item as { id: unknown }).id : item));
  assert.deepEqual(show(actual), show(expected), message);
  actual.forEach((item, i) => assert.equal(item, expected[i], `${message ?? "element"} ${i} is the same object`));
}
