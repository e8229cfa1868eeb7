/**
 * A session's in-flight QoS 1/2 deliveries, by packet ID.
 *
 * Not a Map: for a client that receives one message at a time its size goes 0 → 1 → 0 per
 * message, and V8 reallocates a Map's table as it empties, so each message cost a new table.
 * Here the entries sit in a power-of-two array at `packetId & mask`: a lookup is one read, and
 * nothing is allocated per message. The session takes packet IDs whose slot is free
 * (`allocate`), so only IDs restored from the store can collide; the array then doubles until
 * they do not (at 65,536 slots no two IDs can). It also doubles when half full. Once it is
 * empty again, an array grown past SHRINK_ABOVE slots goes back to the initial size, so that a
 * session that once filled a large window (1,024 in flight: 2,048 slots, 16 KB) does not keep
 * that memory while it idles; one that stays busy regrows it in a few doublings per burst.
 */

export interface InflightEntry {
  packetId: number;
  /** Per-session order in which deliveries were accepted: what `inOrder` sorts by. */
  seq: number;
}

const INITIAL_SLOTS = 8;
const MAX_SLOTS = 65536;
/** Arrays up to this size are kept when they empty: a client receiving a few at a time reallocates nothing. */
const SHRINK_ABOVE = 64;

export class InflightTable<T extends InflightEntry> {
  private slots: (T | undefined)[] = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
  private mask = INITIAL_SLOTS - 1;
  size = 0;

  /** Slots in the array: what the table holds in memory. */
  get capacity(): number {
    return this.slots.length;
  }

  get(packetId: number): T | undefined {
    const entry = this.slots[packetId & this.mask];
    return entry !== undefined && entry.packetId === packetId ? entry : undefined;
  }

  has(packetId: number): boolean {
    return this.get(packetId) !== undefined;
  }

  /**
   * The first free packet ID from `start` on (1…65535, wrapping), for a new entry. Never one
   * in flight: an ID in flight occupies its own slot.
   */
  allocate(start: number): number {
    if (2 * (this.size + 1) > this.slots.length) this.grow();
    let id = start;
    for (let tries = 0; tries < 65535; tries++) {
      if (this.slots[id & this.mask] === undefined) return id;
      id = id === 65535 ? 1 : id + 1;
    }
    throw new Error('no free packet identifier');
  }

  /** Adds an entry under its packetId; that ID must not be in flight. */
  set(entry: T): void {
    if (2 * (this.size + 1) > this.slots.length) this.grow();
    while (this.slots[entry.packetId & this.mask] !== undefined) {
      if (this.slots.length >= MAX_SLOTS) throw new Error(`packet identifier ${entry.packetId} is already in flight`);
      this.grow();
    }
    this.slots[entry.packetId & this.mask] = entry;
    this.size++;
  }

  delete(packetId: number): T | undefined {
    const i = packetId & this.mask;
    const entry = this.slots[i];
    if (entry === undefined || entry.packetId !== packetId) return undefined;
    this.slots[i] = undefined;
    if (--this.size === 0 && this.slots.length > SHRINK_ABOVE) {
      this.slots = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
      this.mask = INITIAL_SLOTS - 1;
    }
    return entry;
  }

  /** Every entry in the order it was accepted (resending after a reconnect keeps the order). */
  inOrder(): T[] {
    const out: T[] = [];
    if (this.size === 0) return out;
    for (const entry of this.slots) if (entry !== undefined) out.push(entry);
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Doubles the array until every entry has a slot of its own. */
  private grow(): void {
    if (this.slots.length >= MAX_SLOTS) return;
    let length = this.slots.length * 2;
    for (;;) {
      const slots = new Array<T | undefined>(length).fill(undefined);
      const mask = length - 1;
      let clash = false;
      for (const entry of this.slots) {
        if (entry === undefined) continue;
        const i = entry.packetId & mask;
        if (slots[i] !== undefined) {
          clash = true;
          break;
        }
        slots[i] = entry;
      }
      if (!clash || length >= MAX_SLOTS) {
        this.slots = slots;
        this.mask = mask;
        return;
      }
      length *= 2;
    }
  }
}
