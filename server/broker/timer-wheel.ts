/**
 * One shared timer for every deadline the broker keeps per connection or session (connect
 * timeout, keep-alive, closing grace, session expiry, will delay), instead of one Node timer
 * each: an idle connection then costs two number fields, not a Timeout object and a closure.
 *
 * Deadlines are bucketed by `resolutionMs`. Moving a deadline later (the common case: every
 * packet pushes the keep-alive deadline) costs nothing: the item stays in its old bucket and
 * is re-filed when that bucket fires. Only moving it earlier files it again.
 */
export interface Timed {
  /** Epoch ms the item wants onTimer; 0 = no deadline. Managed by the wheel. */
  timerAt: number;
  /** The bucket the item is filed in, 0 = none. Managed by the wheel. */
  timerSlot: number;
  onTimer(now: number): void;
}

export class TimerWheel {
  private readonly slots = new Map<number, Timed[]>();
  private handle: NodeJS.Timeout | null = null;
  private lastSlot = 0;

  constructor(private readonly resolutionMs = 250) {}

  start(): void {
    if (this.handle) return;
    this.handle = setInterval(() => this.tick(Date.now()), this.resolutionMs);
    this.handle.unref();
  }

  stop(): void {
    if (this.handle) clearInterval(this.handle);
    this.handle = null;
    this.slots.clear();
  }

  /** Sets (or moves) the item's deadline. */
  schedule(item: Timed, at: number): void {
    item.timerAt = at;
    // Never file into a bucket the wheel has already passed.
    const slot = Math.max(Math.ceil(at / this.resolutionMs), this.lastSlot + 1);
    if (item.timerSlot !== 0 && item.timerSlot <= slot) return; // fires early enough; re-filed then
    item.timerSlot = slot;
    const list = this.slots.get(slot);
    if (list) list.push(item);
    else this.slots.set(slot, [item]);
  }

  cancel(item: Timed): void {
    item.timerAt = 0; // its bucket entry is skipped when it fires
  }

  /** Fires every due item; exposed for tests. */
  tick(now: number): void {
    const due = Math.floor(now / this.resolutionMs);
    if (due - this.lastSlot <= this.slots.size) {
      // Normal case: walk the buckets that became due since the last tick.
      for (let slot = this.lastSlot + 1; slot <= due; slot++) this.fire(slot, now);
    } else {
      // After a long stall (or the first tick) visiting the filed buckets is cheaper.
      for (const slot of [...this.slots.keys()]) if (slot <= due) this.fire(slot, now);
    }
    this.lastSlot = due;
  }

  private fire(slot: number, now: number): void {
    const list = this.slots.get(slot);
    if (!list) return;
    this.slots.delete(slot);
    for (const item of list) {
      if (item.timerSlot !== slot) continue; // re-filed in an earlier bucket meanwhile
      item.timerSlot = 0;
      if (item.timerAt === 0) continue;
      if (item.timerAt <= now) {
        item.timerAt = 0;
        try {
          item.onTimer(now);
        } catch (err) {
          // A failing item must not stop the others' deadlines.
          console.error('broker timer callback failed', err);
        }
      } else this.schedule(item, item.timerAt);
    }
  }
}
