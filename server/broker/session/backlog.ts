/**
 * The instance's offline store: every QoS 1/2 delivery waiting in a session queue of one
 * instance, in the order it was queued. That is the backlog of offline persistent sessions,
 * and also of online sessions whose window or socket is full (a stuck subscriber): both
 * follow the same rules, because "only QoS 0 may be dropped under pressure" must not depend
 * on whether the receiver happens to hold a TCP connection.
 *
 * - **Bounded per instance** (`offlineStoreLimit`, all sessions together): a new entry beyond
 *   the limit first drops the oldest waiting entry of the instance, whichever session holds
 *   it, counted in `stats.offlineDropped` (and `stats.dropped`). A stuck subscriber's backlog
 *   is the oldest, so it pays for itself; a healthy subscriber is never slowed by it.
 * - **Kept `offlineRetentionHours`**: a message older than that (counted from when the broker
 *   accepted it, i.e. when it was queued) is not delivered; an MQTT 5 message expiry that
 *   comes earlier wins. Stale entries are removed when they reach a queue's head, when they
 *   are the oldest at the limit, and by a sweep on the shared timer wheel; each is counted
 *   once in `stats.offlineExpired`, never as dropped.
 *
 * Entries leave the ring lazily: a session releases an entry (sent, expired, session ended)
 * by clearing its `held` flag, and the ring skips such entries; it is compacted when they
 * outnumber the live ones, so the ring's size stays proportional to what really waits.
 */
import { isExpired, type Message } from '../message';
import type { InstanceSettings } from '../settings';
import type { Timed, TimerWheel } from '../timer-wheel';
import type { InstanceStats } from './host';
import { RingQueue } from './queue';
import type { Outgoing } from './session';

/** A session as the backlog sees it. */
export interface BacklogOwner {
  /** Takes this waiting entry out of the session's queue (and its store). */
  discardQueued(entry: Outgoing): void;
  /** Counts a message lost for this client (the session's own `dropped`). */
  countDropped(): void;
}

export interface BacklogHost {
  readonly settings: InstanceSettings;
  readonly stats: InstanceStats;
  readonly wheel: TimerWheel;
}

const HOUR_MS = 3_600_000;

/** Not deliverable any more: past its MQTT 5 expiry, or older than the retention. */
export function isStale(message: Message, now: number, retentionMs: number): boolean {
  return isExpired(message, now) || (retentionMs > 0 && message.createdAt + retentionMs <= now);
}

export class Backlog implements Timed {
  private entries = new RingQueue<Outgoing>();
  private owners = new RingQueue<BacklogOwner>();
  /** Entries still waiting (held); the rings also hold released ones until compaction. */
  private live = 0;
  timerAt = 0;
  timerSlot = 0;

  constructor(private readonly host: BacklogHost) {}

  get count(): number {
    return this.live;
  }

  get retentionMs(): number {
    return this.host.settings.offlineRetentionHours * HOUR_MS;
  }

  /** A QoS 1/2 delivery starts waiting in `owner`'s queue; the oldest of the instance makes room if full. */
  add(owner: BacklogOwner, entry: Outgoing, now = Date.now()): void {
    const limit = this.host.settings.offlineStoreLimit;
    if (limit > 0) while (this.live >= limit && this.evictOldest(now)) {}
    this.adopt(owner, entry);
    if (this.timerAt === 0) this.scheduleSweep();
  }

  /** Registers without enforcing the limit (restoring at start-up; `settle` follows). */
  adopt(owner: BacklogOwner, entry: Outgoing): void {
    entry.held = true;
    this.entries.push(entry);
    this.owners.push(owner);
    this.live++;
    this.host.stats.offlineQueued = this.live;
  }

  /** The entry left its queue (sent, expired, moved, session ended). */
  release(entry: Outgoing): void {
    if (!entry.held) return;
    entry.held = false;
    this.live--;
    this.host.stats.offlineQueued = this.live;
    // Released entries at the head go at once; the rest when they outnumber the live ones.
    while (this.entries.length > 0 && !this.entries.peek()!.held) {
      this.entries.shift();
      this.owners.shift();
    }
    if (this.entries.length > 2 * this.live + 1024) this.compact();
  }

  /**
   * After a restart (sessions restored in no particular order) or a change of settings:
   * orders the ring by age, then applies retention and the limit.
   */
  settle(now = Date.now()): void {
    this.compact(true);
    this.purgeStale(now);
    const limit = this.host.settings.offlineStoreLimit;
    if (limit > 0) while (this.live > limit && this.evictOldest(now)) {}
    this.scheduleSweep();
  }

  /** The sweep: stale entries at the head (the oldest) are removed and counted. */
  onTimer(now: number): void {
    this.purgeStale(now);
    this.scheduleSweep();
  }

  /** Forgets everything (the instance is closing); sessions keep their queues. */
  close(): void {
    this.host.wheel.cancel(this);
  }

  private purgeStale(now: number): void {
    const retentionMs = this.retentionMs;
    if (retentionMs <= 0) return;
    let head: Outgoing | undefined;
    while ((head = this.entries.peek()) !== undefined) {
      if (head.held && head.message.createdAt + retentionMs > now) return;
      this.entries.shift();
      const owner = this.owners.shift()!;
      if (!head.held) continue;
      this.release(head);
      owner.discardQueued(head);
      this.host.stats.offlineExpired++;
    }
  }

  /** Drops the oldest waiting entry (expired ones count as expired). False when nothing waits. */
  private evictOldest(now: number): boolean {
    let head: Outgoing | undefined;
    while ((head = this.entries.shift()) !== undefined) {
      const owner = this.owners.shift()!;
      if (!head.held) continue;
      this.release(head);
      owner.discardQueued(head);
      if (isStale(head.message, now, this.retentionMs)) this.host.stats.offlineExpired++;
      else {
        owner.countDropped();
        this.host.stats.offlineDropped++;
      }
      return true;
    }
    return false;
  }

  private scheduleSweep(): void {
    const retentionMs = this.retentionMs;
    const head = this.entries.peek();
    if (retentionMs <= 0 || head === undefined) {
      this.host.wheel.cancel(this);
      return;
    }
    this.host.wheel.schedule(this, head.message.createdAt + retentionMs);
  }

  private compact(sort = false): void {
    const pairs: [Outgoing, BacklogOwner][] = [];
    const owners = this.owners[Symbol.iterator]();
    for (const entry of this.entries) {
      const owner = owners.next().value as BacklogOwner;
      if (entry.held) pairs.push([entry, owner]);
    }
    // Stable: within one session, queue order (seq) is kept for messages of the same age.
    if (sort) pairs.sort((a, b) => a[0].message.createdAt - b[0].message.createdAt);
    this.entries = new RingQueue(Math.max(16, pairs.length));
    this.owners = new RingQueue(Math.max(16, pairs.length));
    for (const [entry, owner] of pairs) {
      this.entries.push(entry);
      this.owners.push(owner);
    }
  }
}
