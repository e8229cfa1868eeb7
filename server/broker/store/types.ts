/**
 * The persistence contract for what must survive a broker restart: persistent sessions
 * (their subscriptions, queued and in-flight outgoing messages, inbound QoS 2 packet IDs)
 * and retained messages.
 *
 * Live state is in memory (session/session.ts); a store is written through on every change
 * of a persistent session and read once at start-up. Calls are synchronous (better-sqlite3
 * is synchronous) and may be buffered by the store: the broker calls commit() once per
 * event-loop turn, before any acknowledgement of that turn leaves for a socket (see
 * protocol/write-batcher.ts), so a PUBACK is never sent for a message not yet committed.
 *
 * Sessions that end at disconnect (clean sessions, session expiry 0) never touch the store.
 * QoS 0 messages are never stored.
 */
import type { QoS } from 'mqtt-packet';
import type { Message, NewMessage } from '../message';
import type { RetainedStore } from '../routing/retained';

export interface StoredSubscription {
  filter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  /** MQTT 5 subscription identifier; 0 = none. */
  subscriptionId: number;
}

/** A QoS 1/2 message on its way to one session. */
export interface StoredOutgoing {
  /** Increasing per session: the delivery order. */
  seq: number;
  message: Message;
  qos: QoS;
  /** The retain flag this receiver gets. */
  retain: boolean;
  subscriptionIds: number[] | null;
  /** 0 while queued; the packet identifier once sent (in flight). */
  packetId: number;
  /** QoS 2 only: PUBREC received, PUBREL sent (only PUBREL is resent after reconnect). */
  released: boolean;
  /** Set when delivered through a shared subscription (`$share/<group>/<filter>`): if this receiver leaves before acknowledging, another member gets it. */
  shareFilter?: string | null;
}

/**
 * The packet ID a session gives a delivery when it is free: one that follows from its seq
 * (1…65535, wrapping). A store then need not write the ID of each stored entry as it is sent
 * (see SqliteSessionStore.saveOutgoingState); when it is taken, the session allocates another
 * and that one is written.
 */
export function packetIdForSeq(seq: number): number {
  return ((seq - 1) % 65535) + 1;
}

export interface StoredSessionMeta {
  clientId: string;
  /** Seconds; 0xFFFFFFFF = never expires. Always > 0 for stored sessions. */
  expiryInterval: number;
  /** Epoch ms of the last disconnect; 0 while connected. */
  disconnectedAt: number;
}

/**
 * An MQTT 5 will waiting for its Will Delay Interval after the client dropped (or for the
 * session's end, whichever is first). Published at `at` even when the broker restarted meanwhile.
 */
export interface StoredWill {
  /** Topic, payload, QoS, retain, pass-through properties and message expiry (seconds, counted from publication). */
  message: NewMessage;
  /** Epoch ms when the will delay ends. */
  at: number;
}

export interface StoredSession extends StoredSessionMeta {
  subscriptions: StoredSubscription[];
  /** In seq order. */
  outgoing: StoredOutgoing[];
  /**
   * The highest seq the session is known to have used, at least that of the last `outgoing`
   * entry: the restored session numbers new entries above it (a store that records how far
   * the queue was sent must not see those numbers again).
   */
  lastSeq: number;
  incomingQos2: number[];
  /** The pending delayed will; null = none. */
  will: StoredWill | null;
}

export interface SessionStore {
  /** Every stored session, read once when the instance starts. */
  load(): StoredSession[];
  saveSession(meta: StoredSessionMeta): void;
  /** Deletes the session and everything under it. */
  deleteSession(clientId: string): void;
  saveSubscription(clientId: string, sub: StoredSubscription): void;
  deleteSubscription(clientId: string, filter: string): void;
  /** Inserts or replaces by (clientId, seq). The store must copy what it keeps: the caller mutates its entry later. */
  saveOutgoing(clientId: string, entry: StoredOutgoing): void;
  /**
   * The entry was saved before and only its delivery state changed (packetId: sent; released:
   * PUBREC received). A cheaper write than saveOutgoing: the message row is known to exist.
   * A store may record a send under the entry's own packet ID (`packetIdForSeq`) as just "the
   * session has sent up to this seq": entries leave a session's queue in seq order.
   */
  saveOutgoingState(clientId: string, entry: StoredOutgoing): void;
  deleteOutgoing(clientId: string, seq: number): void;
  saveIncomingQos2(clientId: string, packetId: number): void;
  deleteIncomingQos2(clientId: string, packetId: number): void;
  /** Sets (a will is now waiting for its delay) or clears (published, or cancelled by a reconnect) the session's pending will. The store must copy what it keeps. */
  saveWill(clientId: string, will: StoredWill | null): void;
}

/** Everything one broker instance persists. */
export interface InstanceStore {
  readonly sessions: SessionStore;
  readonly retained: RetainedStore;
  /** Makes every change so far durable (a no-op for memory). Called once per event-loop turn. */
  commit(): void;
  /** There are changes that commit() would make durable. */
  readonly uncommitted: boolean;
  /** Releases resources; the data stays. */
  close(): void;
}

/** Opens the store of each instance; one per broker process. */
export interface PersistenceProvider {
  open(instanceId: string): InstanceStore;
  /** Deletes everything an instance stored (the instance was deleted). */
  destroy(instanceId: string): void;
}
