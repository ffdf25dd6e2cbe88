/**
 * A growable ring buffer with O(1) push/shift at the back/front and unshift at
 * the front (used to give an element back to the head of a channel).
 */
export class Deque<T> {
  private items: (T | undefined)[] = new Array(8);
  private mask = 7;
  private head = 0;
  length = 0;

  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  unshift(item: T): void {
    if (this.length > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.length++;
  }

  /** Removes and returns the first item; the deque must not be empty. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  /** The items, oldest first, into a new array (the deque unchanged). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.items[(this.head + i) & this.mask] as T);
    return out;
  }

  /** Removes every item, oldest first, into a new array. */
  drain(): T[] {
    const out: T[] = [];
    while (this.length > 0) out.push(this.shift());
    return out;
  }

  private grow(): void {
    const size = this.mask + 1;
    const items: (T | undefined)[] = new Array(size * 2);
    for (let i = 0; i < this.length; i++) items[i] = this.items[(this.head + i) & this.mask];
    this.items = items;
    this.head = 0;
    this.mask = size * 2 - 1;
  }
}
