/**
 * An intrusive doubly linked list: nodes carry their own links, so adding and
 * removing a waiter allocates nothing (the coop seed's wait lists).
 *
 * Invariants: a node is in at most one list at a time, and `node.list` names it
 * (null when the node is in none); `size` counts the nodes reachable from `head`.
 */
export class Link {
  /** The list this node is in, or null. */
  list: LinkedList<Link> | null = null;
  prevLink: Link | null = null;
  nextLink: Link | null = null;
}

export class LinkedList<T extends Link> {
  head: T | null = null;
  tail: T | null = null;
  size = 0;

  push(node: T): void {
    if (node.list !== null) throw new Error("internal: node is already in a list");
    node.list = this as LinkedList<Link>;
    node.prevLink = this.tail;
    node.nextLink = null;
    if (this.tail === null) this.head = node;
    else this.tail.nextLink = node;
    this.tail = node;
    this.size++;
  }

  /** Puts `node` (in no list) before `before`, a node of this list, or last when `before` is null. */
  insertBefore(node: T, before: T | null): void {
    if (before === null) return this.push(node);
    if (node.list !== null) throw new Error("internal: node is already in a list");
    node.list = this as LinkedList<Link>;
    node.nextLink = before;
    node.prevLink = before.prevLink;
    if (before.prevLink === null) this.head = node;
    else before.prevLink.nextLink = node;
    before.prevLink = node;
    this.size++;
  }

  /** Removes `node` if it is in this list; returns whether it was. */
  remove(node: T): boolean {
    if (node.list !== (this as LinkedList<Link>)) return false;
    const { prevLink: prev, nextLink: next } = node;
    if (prev === null) this.head = next as T | null;
    else prev.nextLink = next;
    if (next === null) this.tail = prev as T | null;
    else next.prevLink = prev;
    node.list = node.prevLink = node.nextLink = null;
    this.size--;
    return true;
  }

  shift(): T | null {
    const node = this.head;
    if (node !== null) this.remove(node);
    return node;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let node = this.head; node !== null; node = node.nextLink as T | null) yield node;
  }
}
