/**
 * A session: what belongs to a client ID rather than to one TCP connection, and so survives
 * a reconnect (for persistent sessions): subscriptions, the outgoing in-flight window and
 * the queue behind it, and the packet IDs of inbound QoS 2 messages awaiting PUBREL.
 *
 * The session never touches a socket: while a connection is attached it hands PUBLISH/PUBREL
 * to it through SessionLink. Collections are created on first use, so a connected client
 * that only publishes QoS 0 costs one small object.
 *
 * Persistent sessions (expiry interval > 0) write every change through to the instance's
 * SessionStore; others never touch it.
 */
import type { QoS } from 'mqtt-packet';
import { keepPayload, type Message, type NewMessage } from '../message';
import { NO_EXPIRY } from '../settings';
import { packetIdForSeq, type StoredOutgoing, type StoredSession, type StoredSubscription } from '../store/types';
import type { Timed } from '../timer-wheel';
import { isStale, type BacklogOwner } from './backlog';
import type { SessionHost } from './host';
import { InflightTable } from './inflight';
import { RingQueue } from './queue';

/** What the session needs from the connection it is attached to. */
export interface SessionLink {
  /** How many QoS 1/2 deliveries may be unacknowledged (client's Receive Maximum ∧ our cap). */
  readonly sendWindow: number;
  /** True while the socket's send buffer is over its high-water mark. */
  congested(): boolean;
  /** Encodes and queues a PUBLISH. False when it could not be sent (e.g. larger than the client accepts): treated as delivered. */
  writePublish(message: Message, qos: QoS, retain: boolean, subscriptionIds: number[] | null, packetId: number, dup: boolean): boolean;
  writePubrel(packetId: number): void;
  /** A newer connection with the same client ID takes the session: close this one. */
  takeOver(): void;
}

export type Subscription = StoredSubscription;

/** An online queue whose oldest entry has waited this long belongs to a client that is not keeping up (see enqueue). */
const STUCK_QUEUE_MS = 1000;

/** A delivery waiting in the queue or in flight. Same shape as stored. */
export interface Outgoing extends StoredOutgoing {
  /** QoS 1/2 waiting in the queue, counted in the instance's backlog (backlog.ts). Never trusted from the store. */
  held?: boolean;
}

export class Session implements Timed, BacklogOwner {
  link: SessionLink | null = null;
  /** Seconds; 0 = the session ends when the connection does. */
  expiryInterval: number;
  subscriptions: Map<string, Subscription> | null = null;
  /** Sent, unacknowledged QoS 1/2 deliveries by packet ID; created with the first, then kept. */
  private inflight: InflightTable<Outgoing> | null = null;
  /** Deliveries waiting for the window or a congested socket. */
  private queue: RingQueue<Outgoing> | null = null;
  /** The queue found the client stuck and what was in flight then keeps bytes of its own (enqueue). */
  private inflightCompacted = false;
  /** Inbound QoS 2 packet IDs between PUBREC and PUBREL. */
  private incomingQos2: Set<number> | null = null;
  private nextSeq = 1;
  /** Messages dropped for this client (queue full, or QoS 0 under pressure). */
  dropped = 0;
  disconnectedAt = 0;
  /** A will message waiting for its delay (MQTT 5 Will Delay Interval) or for the session's end. */
  private pendingWill: NewMessage | null = null;
  private willAt = 0;
  ended = false;
  timerAt = 0;
  timerSlot = 0;

  constructor(
    private readonly host: SessionHost,
    readonly clientId: string,
    expiryInterval: number,
  ) {
    this.expiryInterval = expiryInterval;
  }

  get persistent(): boolean {
    return this.expiryInterval > 0;
  }

  get inflightCount(): number {
    return this.inflight?.size ?? 0;
  }

  get queuedCount(): number {
    return this.queue?.length ?? 0;
  }

  get incomingQos2Count(): number {
    return this.incomingQos2?.size ?? 0;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Saves the session record after a (re)connect or an expiry change. */
  saveMeta(): void {
    if (this.persistent) {
      this.host.store.saveSession({
        clientId: this.clientId,
        expiryInterval: this.expiryInterval,
        disconnectedAt: this.link ? 0 : this.disconnectedAt,
      });
    }
  }

  /** Changes the expiry; moving between persistent and not writes or deletes the stored copy. */
  setExpiry(seconds: number): void {
    const was = this.persistent;
    this.expiryInterval = seconds;
    if (was && !this.persistent) this.host.store.deleteSession(this.clientId);
    else if (!was && this.persistent) this.persistAll();
    else this.saveMeta();
  }

  private persistAll(): void {
    this.saveMeta();
    const store = this.host.store;
    if (this.subscriptions) for (const sub of this.subscriptions.values()) store.saveSubscription(this.clientId, sub);
    if (this.inflight) for (const entry of this.inflight.inOrder()) store.saveOutgoing(this.clientId, entry);
    if (this.queue) for (const entry of this.queue) if (entry.qos > 0) store.saveOutgoing(this.clientId, entry);
    if (this.incomingQos2) for (const id of this.incomingQos2) store.saveIncomingQos2(this.clientId, id);
    if (this.pendingWill) store.saveWill(this.clientId, { message: this.pendingWill, at: this.willAt });
  }

  attach(link: SessionLink): void {
    this.link = link;
    this.disconnectedAt = 0;
    this.host.wheel.cancel(this);
    // A reconnect before the will delay has passed cancels the will [MQTT-3.1.3-9].
    this.clearPendingWill();
    this.saveMeta();
  }

  /** After CONNACK: resend what was in flight (PUBLISH with DUP, or PUBREL), then the queue. */
  resume(): void {
    const link = this.link;
    if (!link) return;
    if (this.inflight) {
      for (const entry of this.inflight.inOrder()) {
        const packetId = entry.packetId;
        if (entry.released) link.writePubrel(packetId);
        else if (!link.writePublish(entry.message, entry.qos, entry.retain, entry.subscriptionIds, packetId, true)) {
          this.complete(packetId, false);
        }
      }
    }
    this.drain();
  }

  /** The connection went away. The session lives on if persistent; otherwise it ends. */
  detach(link: SessionLink, now: number): void {
    if (this.link !== link) return; // already taken over by a newer connection
    this.link = null;
    this.releaseShared();
    if (!this.persistent) {
      this.end();
      return;
    }
    this.disconnectedAt = now;
    // What was in flight now waits for the next connection.
    if (this.inflight) for (const entry of this.inflight.inOrder()) keepPayload(entry.message);
    // QoS 0 waiting behind a congested socket is not kept offline.
    if (this.queue) {
      const kept = new RingQueue<Outgoing>();
      for (const entry of this.queue) {
        if (entry.qos > 0) {
          keepPayload(entry.message);
          kept.push(entry);
        } else this.drop();
      }
      this.queue = kept.length > 0 ? kept : null;
    }
    this.saveMeta();
    this.scheduleTimer();
  }

  /**
   * Deliveries that came through a shared subscription and are not yet received (QoS 1
   * unacknowledged, QoS 2 before PUBREC, or still queued) go to another member of the group.
   */
  private releaseShared(): void {
    let moved: Outgoing[] | null = null;
    if (this.inflight) {
      for (const entry of this.inflight.inOrder()) {
        if (!entry.shareFilter || entry.released) continue;
        this.inflight.delete(entry.packetId);
        if (this.persistent) this.host.store.deleteOutgoing(this.clientId, entry.seq);
        (moved ??= []).push(entry);
      }
    }
    if (this.queue) {
      const kept = new RingQueue<Outgoing>();
      for (const entry of this.queue) {
        if (entry.shareFilter) {
          this.host.backlog.release(entry);
          if (entry.qos > 0 && this.persistent) this.host.store.deleteOutgoing(this.clientId, entry.seq);
          (moved ??= []).push(entry);
        } else kept.push(entry);
      }
      this.queue = kept.length > 0 ? kept : null;
    }
    if (moved) for (const entry of moved) this.host.redeliverShared(this, entry);
  }

  /** Sets the will to publish after `delaySeconds` or when the session ends, whichever is first. */
  setPendingWill(will: NewMessage, delaySeconds: number, now: number): void {
    this.pendingWill = will;
    this.willAt = now + delaySeconds * 1000;
    // Stored with the session: after a restart it still fires at its time (Session.restore).
    if (this.persistent) this.host.store.saveWill(this.clientId, { message: will, at: this.willAt });
    this.scheduleTimer();
  }

  /** The pending will was published or cancelled: forget it, in the store too. */
  private clearPendingWill(): void {
    if (this.pendingWill === null) return;
    this.pendingWill = null;
    this.willAt = 0;
    if (this.persistent) this.host.store.saveWill(this.clientId, null);
  }

  private scheduleTimer(): void {
    let at = 0;
    if (this.pendingWill) at = this.willAt;
    if (!this.link && this.expiryInterval !== NO_EXPIRY) {
      const expiresAt = this.disconnectedAt + this.expiryInterval * 1000;
      at = at === 0 ? expiresAt : Math.min(at, expiresAt);
    }
    if (at !== 0) this.host.wheel.schedule(this, at);
    else this.host.wheel.cancel(this);
  }

  onTimer(now: number): void {
    if (this.ended) return;
    if (this.pendingWill && this.willAt <= now) {
      const will = this.pendingWill;
      this.clearPendingWill();
      this.host.publishWill(this, will);
    }
    if (!this.link && this.expiryInterval !== NO_EXPIRY && this.disconnectedAt + this.expiryInterval * 1000 <= now) {
      this.end();
      return;
    }
    this.scheduleTimer();
  }

  /** Ends the session: subscriptions removed, stored state deleted, a pending will published. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.host.wheel.cancel(this);
    // Shared-subscription messages kept for this (offline) member go to another member.
    this.releaseShared();
    if (this.subscriptions) {
      for (const filter of this.subscriptions.keys()) this.host.unroute(this, filter);
      this.subscriptions = null;
    }
    if (this.persistent) this.host.store.deleteSession(this.clientId);
    this.inflight = null;
    if (this.queue) for (const entry of this.queue) this.host.backlog.release(entry);
    this.queue = null;
    this.incomingQos2 = null;
    this.host.sessionEnded(this);
    const will = this.pendingWill;
    this.pendingWill = null;
    if (will) this.host.publishWill(this, will);
  }

  // ---- subscriptions ---------------------------------------------------------------------

  /** Adds or replaces; returns true when the filter is new for this session. */
  subscribe(sub: Subscription): boolean {
    this.subscriptions ??= new Map();
    const isNew = !this.subscriptions.has(sub.filter);
    this.subscriptions.set(sub.filter, sub);
    this.host.route(this, sub);
    if (this.persistent) this.host.store.saveSubscription(this.clientId, sub);
    return isNew;
  }

  unsubscribe(filter: string): boolean {
    if (!this.subscriptions?.delete(filter)) return false;
    if (this.subscriptions.size === 0) this.subscriptions = null;
    this.host.unroute(this, filter);
    if (this.persistent) this.host.store.deleteSubscription(this.clientId, filter);
    return true;
  }

  get subscriptionCount(): number {
    return this.subscriptions?.size ?? 0;
  }

  // ---- outgoing --------------------------------------------------------------------------

  /** Online with room for one more delivery right now (shared subscriptions prefer such members). */
  readyForDelivery(qos: QoS): boolean {
    const link = this.link;
    if (!link || (this.queue !== null && this.queue.length > 0) || link.congested()) return false;
    return qos === 0 || this.inflightCount < link.sendWindow;
  }

  get online(): boolean {
    return this.link !== null;
  }

  /**
   * Hands one matched message to this session at the QoS it was granted. `shareFilter` marks
   * a delivery through a shared subscription (it moves to another member if this one leaves).
   */
  deliver(message: Message, qos: QoS, retain: boolean, subscriptionIds: number[] | null, shareFilter: string | null = null): void {
    const link = this.link;
    const waiting = this.queue !== null && this.queue.length > 0;
    if (qos === 0) {
      if (!link) return; // QoS 0 is not kept for offline clients
      if (!waiting && !link.congested()) {
        link.writePublish(message, 0, retain, subscriptionIds, 0, false);
        return;
      }
      if (this.queuedCount >= this.host.settings.maxQueuedMessages) {
        this.drop();
        return;
      }
      this.enqueue({ seq: 0, message, qos, retain, subscriptionIds, packetId: 0, released: false, shareFilter, held: false });
      return;
    }
    const entry: Outgoing = { seq: this.nextSeq++, message, qos, retain, subscriptionIds, packetId: 0, released: false, shareFilter, held: false };
    if (link && !waiting && this.inflightCount < link.sendWindow && !link.congested()) {
      this.send(entry, link);
      return;
    }
    // Waits (offline, or behind a full window or socket). The instance's backlog bounds all
    // such entries together: when full, the oldest of the instance is dropped and counted.
    this.host.backlog.add(this, entry);
    this.enqueue(entry);
    if (this.persistent) this.host.store.saveOutgoing(this.clientId, entry);
  }

  /** BacklogOwner: the backlog dropped this waiting entry (store full, or too old). */
  discardQueued(entry: Outgoing): void {
    const queue = this.queue;
    if (!queue) return;
    if (queue.peek() === entry) queue.shift();
    else if (!queue.remove(entry)) return;
    if (queue.length === 0) this.queue = null;
    if (this.persistent) this.host.store.deleteOutgoing(this.clientId, entry.seq);
  }

  /** BacklogOwner: one message lost for this client. */
  countDropped(): void {
    this.dropped++;
    this.host.stats.dropped++;
  }

  private enqueue(entry: Outgoing): void {
    // Offline it may wait for days: keep only its own bytes (message.ts). Online, the queue
    // usually moves within milliseconds, and a copy per queued delivery would cost more than
    // the read buffer it briefly keeps alive. But once the oldest entry has waited longer than
    // STUCK_QUEUE_MS the client is not keeping up: what joins its queue from then on keeps
    // only its own bytes too, and so, once, does what it has in flight (up to its window), so
    // a stuck client holds on to at most that long a stretch of the broker's read buffers
    // (64 KB slices shared with other clients' packets).
    const queue = (this.queue ??= new RingQueue());
    const head = queue.peek();
    const stuck = head !== undefined && Date.now() - head.message.createdAt > STUCK_QUEUE_MS;
    if (this.link === null || stuck) keepPayload(entry.message);
    if (stuck && !this.inflightCompacted) {
      this.inflightCompacted = true;
      if (this.inflight) for (const e of this.inflight.inOrder()) keepPayload(e.message);
    }
    queue.push(entry);
  }

  private drop(): void {
    this.countDropped();
  }

  /**
   * Sends a QoS 1/2 delivery under a packet ID not in flight: the one its seq gives when that
   * is free (the store then need not write it: packetIdForSeq), else the next free one.
   * `stored`: the entry was saved while queued.
   */
  private send(entry: Outgoing, link: SessionLink, stored = false): void {
    const inflight = (this.inflight ??= new InflightTable());
    entry.packetId = inflight.allocate(packetIdForSeq(entry.seq));
    inflight.set(entry);
    if (this.persistent) {
      if (stored) this.host.store.saveOutgoingState(this.clientId, entry);
      else this.host.store.saveOutgoing(this.clientId, entry);
    }
    if (!link.writePublish(entry.message, entry.qos, entry.retain, entry.subscriptionIds, entry.packetId, false)) {
      this.complete(entry.packetId, false);
    }
  }

  /** Sends what waits in the queue while the window and the socket allow. */
  drain(): void {
    const link = this.link;
    const queue = this.queue;
    if (!link || !queue) return;
    const now = Date.now();
    const backlog = this.host.backlog;
    const retentionMs = backlog.retentionMs;
    let head: Outgoing | undefined;
    while ((head = queue.peek()) !== undefined) {
      if (link.congested()) return;
      if (head.qos > 0 && this.inflightCount >= link.sendWindow) return;
      queue.shift();
      if (head.qos > 0) backlog.release(head);
      if (isStale(head.message, now, head.qos > 0 ? retentionMs : 0)) {
        if (head.qos > 0) {
          this.host.stats.offlineExpired++;
          if (this.persistent) this.host.store.deleteOutgoing(this.clientId, head.seq);
        }
        continue;
      }
      if (head.qos === 0) link.writePublish(head.message, 0, head.retain, head.subscriptionIds, 0, false);
      else this.send(head, link, true);
      if (this.link !== link) return; // the write closed the connection
    }
    if (this.queue === queue && queue.length === 0) {
      this.queue = null;
      this.inflightCompacted = false; // moving again
    }
  }

  /** PUBACK (QoS 1) or PUBCOMP (QoS 2): the delivery is done. */
  complete(packetId: number, drainAfter = true): boolean {
    const entry = this.inflight?.delete(packetId);
    if (!entry) return false;
    if (this.persistent) this.host.store.deleteOutgoing(this.clientId, entry.seq);
    this.host.stats.delivered++;
    if (drainAfter) this.drain();
    return true;
  }

  /** PUBREC: the receiver has the message; from now on only PUBREL is resent. */
  received(packetId: number, reasonCode: number): 'pubrel' | 'unknown' | 'failed' {
    const entry = this.inflight?.get(packetId);
    if (!entry || entry.qos !== 2) return 'unknown';
    if (reasonCode >= 0x80) {
      // The receiver refused it (MQTT 5): the exchange ends here.
      this.complete(packetId);
      return 'failed';
    }
    if (!entry.released) {
      entry.released = true;
      if (this.persistent) this.host.store.saveOutgoingState(this.clientId, entry);
    }
    return 'pubrel';
  }

  isInflight(packetId: number, qos: QoS): boolean {
    return this.inflight?.get(packetId)?.qos === qos;
  }

  /** The message of an in-flight delivery (telemetry records its acknowledgement). */
  inflightMessage(packetId: number): Message | undefined {
    return this.inflight?.get(packetId)?.message;
  }

  // ---- inbound QoS 2 ---------------------------------------------------------------------

  hasIncomingQos2(packetId: number): boolean {
    return this.incomingQos2?.has(packetId) ?? false;
  }

  addIncomingQos2(packetId: number): void {
    this.incomingQos2 ??= new Set();
    this.incomingQos2.add(packetId);
    if (this.persistent) this.host.store.saveIncomingQos2(this.clientId, packetId);
  }

  /** PUBREL: forget the packet ID. False when it was not known. */
  releaseIncomingQos2(packetId: number): boolean {
    if (!this.incomingQos2?.delete(packetId)) return false;
    if (this.incomingQos2.size === 0) this.incomingQos2 = null;
    if (this.persistent) this.host.store.deleteIncomingQos2(this.clientId, packetId);
    return true;
  }

  // ---- persistence -----------------------------------------------------------------------

  /** Rebuilds a session read from the store at start-up (disconnected). */
  static restore(host: SessionHost, stored: StoredSession, now: number): Session {
    const s = new Session(host, stored.clientId, stored.expiryInterval);
    // A session that was connected when the broker stopped counts as disconnected now.
    s.disconnectedAt = stored.disconnectedAt || now;
    for (const sub of stored.subscriptions) {
      s.subscriptions ??= new Map();
      s.subscriptions.set(sub.filter, sub);
      host.route(s, sub);
    }
    s.nextSeq = stored.lastSeq + 1;
    for (const entry of stored.outgoing as Outgoing[]) {
      s.nextSeq = Math.max(s.nextSeq, entry.seq + 1);
      entry.held = false;
      if (entry.packetId !== 0) {
        s.inflight ??= new InflightTable();
        s.inflight.set(entry);
      } else {
        s.enqueue(entry);
        // Ordered by age and bounded once every session is back (instance.restoreSessions).
        host.backlog.adopt(s, entry);
      }
    }
    for (const id of stored.incomingQos2) {
      s.incomingQos2 ??= new Set();
      s.incomingQos2.add(id);
    }
    // A will still waiting for its delay fires at its time, at once when that passed while
    // the broker was down, or when the session expires if that comes first [MQTT-3.1.3-9].
    if (stored.will) {
      s.pendingWill = stored.will.message;
      s.willAt = stored.will.at;
    }
    s.scheduleTimer();
    return s;
  }
}
