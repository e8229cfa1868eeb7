/** A FIFO ring buffer that grows as needed; sessions create one only when something waits. */
export class RingQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    this.items = new Array(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** Removes one item wherever it is (linear: for the rare removal that is not at the head). */
  remove(item: T): boolean {
    const cap = this.items.length;
    for (let i = 0; i < this.count; i++) {
      if (this.items[(this.head + i) % cap] !== item) continue;
      for (let j = i; j < this.count - 1; j++) this.items[(this.head + j) % cap] = this.items[(this.head + j + 1) % cap];
      this.items[(this.head + this.count - 1) % cap] = undefined;
      this.count--;
      return true;
    }
    return false;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) % this.items.length] as T;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}
