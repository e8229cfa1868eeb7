/**
 * The broker's internal application message: what a PUBLISH carries once it is accepted,
 * independent of the protocol version of the publisher or of any subscriber. One object is
 * shared by every session it is delivered to, so it must never be mutated after creation
 * (except `frameFree`, and the compaction of keepPayload, which keeps the bytes the same).
 */
import type { QoS, UserProperties } from 'mqtt-packet';

/** The MQTT 5 PUBLISH properties that travel with a message from publisher to subscribers. */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: UserProperties;
}

export interface Message {
  /** Unique per broker process and increasing across restarts (see newMessageId). */
  readonly id: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  /** The retain flag as published (subscribers see it only for retain-as-published or stored retained). */
  readonly retain: boolean;
  /** Pass-through properties, or null when the publisher sent none (the common case, kept cheap). */
  readonly properties: MessageProperties | null;
  /** Epoch ms after which the message must not be delivered; 0 = never expires. */
  readonly expiresAt: number;
  /** Client ID of the publisher (no-local compares against it); null for broker-originated messages. */
  readonly publisher: string | null;
  /** Epoch ms when the broker accepted it. */
  readonly createdAt: number;
  /**
   * The publisher's MQTT version (4 = 3.1.1, 5 = 5.0; 0 = the broker itself) and whether its
   * session was clean: what a data-outflow rule tells RocketMQ (rules/outflow-message.ts), and
   * for broker-originated P2P messages (a rule's `cleansessionflag`) whether they are kept offline.
   * Absent on messages restored from the store (they are not routed again).
   */
  readonly protocolVersion?: number;
  readonly cleanSession?: boolean;
  /**
   * The PUBLISH exactly as a 3.1.1 publisher sent it (without RETAIN), or null. A 3.1.1
   * subscriber that gets the message at the same QoS and without RETAIN is sent these very
   * bytes (QoS 0) or a copy with its own packet identifier (QoS 1/2), instead of an encoding.
   */
  readonly frame: Buffer | null;
  /**
   * The one mutable field: true while there is a `frame` not yet sent at QoS 1/2. That first send
   * rewrites the frame's header in place for its receiver (packet identifier, DUP) instead of
   * copying it (takeFrame); every later one (other subscribers, a DUP after reconnect, another
   * member of a shared subscription) copies it as before, so no bytes a pending write holds are
   * ever rewritten. Only the packet identifier and DUP differ between the copies.
   */
  frameFree: boolean;
}

// Millisecond clock times 1000 plus a counter: unique within a process, and larger than any ID
// of an earlier run as long as that run averaged under a million messages per second. Fits in
// a double's 53-bit integer range until the year 2255.
let nextId = Date.now() * 1000;

export function newMessageId(): number {
  return nextId++;
}

// The 32-hex-digit message ID users see (send-test-message answers, message trace): the data
// directory's node ID (16 hex digits, kept in telemetry.db and set at start-up) followed by
// Message.id in 16 hex digits. Stored messages keep their numeric id, so the ID is the same
// after a broker restart.
let idNode = '0000000000000000';

/** Sets the node half of message IDs (server/telemetry/database.ts makes it once per data directory). */
export function setMessageIdNode(nodeId: string): void {
  if (!/^[0-9a-f]{16}$/.test(nodeId)) throw new Error(`invalid node ID ${JSON.stringify(nodeId)}`);
  idNode = nodeId;
}

export function formatMessageId(nodeId: string, id: number): string {
  return nodeId + id.toString(16).padStart(16, '0');
}

/** The message's 32-hex-digit ID. */
export function messageIdHex(message: Pick<Message, 'id'>): string {
  return formatMessageId(idNode, message.id);
}

/** The node ID and numeric id of a 32-hex-digit message ID; null when it is not one. */
export function parseMessageId(hex: string): { nodeId: string; id: number } | null {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  const id = Number.parseInt(hex.slice(16), 16);
  if (!Number.isSafeInteger(id)) return null;
  return { nodeId: hex.slice(0, 16).toLowerCase(), id };
}

/**
 * A payload is a view into whatever buffer it arrived in: a socket read (up to 64 KB of other
 * clients' packets) or a slice of Node's Buffer pool (process-tuning.ts). While a message
 * passes through in a turn or two that costs nothing, so it is never copied on the way. What
 * is kept for longer must not keep that whole buffer alive: `compactPayload` returns a copy
 * in memory of its own when the payload is a view of a larger buffer.
 */
export function compactPayload(payload: Buffer): Buffer {
  if (payload.byteLength === payload.buffer.byteLength || payload.byteLength === 0) return payload;
  const copy = Buffer.allocUnsafeSlow(payload.byteLength);
  payload.copy(copy);
  return copy;
}

/**
 * Called where a message starts to wait (the retained store, a session queue, the in-flight
 * window of a client that went offline): compacts its payload in place. Every holder of
 * the message sees the same bytes before and after, so the message stays one object (the
 * store keys rows by identity) and a fan-out to many queues copies it once.
 */
export function keepPayload(message: Message): void {
  const payload = message.payload;
  const compact = compactPayload(payload);
  if (compact !== payload) (message as { payload: Buffer }).payload = compact;
  // The frame is a view of the same read buffer: re-encode from now on.
  if (message.frame !== null) (message as { frame: Buffer | null }).frame = null;
}

export interface NewMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: MessageProperties | null;
  /** Seconds (MQTT 5 Message Expiry Interval); undefined = never. */
  expiryInterval?: number;
  publisher?: string | null;
  now?: number;
  /** See Message.protocolVersion / cleanSession; default 0 (the broker) and false. */
  protocolVersion?: number;
  cleanSession?: boolean;
  /** See Message.frame. */
  frame?: Buffer | null;
}

export function createMessage(m: NewMessage): Message {
  const now = m.now ?? Date.now();
  return {
    id: newMessageId(),
    topic: m.topic,
    payload: m.payload,
    qos: m.qos,
    retain: m.retain,
    properties: m.properties ?? null,
    expiresAt: m.expiryInterval === undefined ? 0 : now + m.expiryInterval * 1000,
    publisher: m.publisher ?? null,
    createdAt: now,
    protocolVersion: m.protocolVersion ?? 0,
    cleanSession: m.cleanSession ?? false,
    frame: m.frame ?? null,
    frameFree: m.frame != null,
  };
}

/** True once: the first QoS 1/2 send of the message's frame may rewrite it in place. */
export function takeFrame(message: Message): boolean {
  if (!message.frameFree) return false;
  message.frameFree = false;
  return true;
}

export function isExpired(m: Message, now: number): boolean {
  return m.expiresAt !== 0 && m.expiresAt <= now;
}

/** Seconds left before expiry, as sent to a subscriber (at least 1 while not expired). */
export function remainingExpirySeconds(m: Message, now: number): number {
  return Math.max(1, Math.ceil((m.expiresAt - now) / 1000));
}

/** The publish properties that pass from publisher to subscribers; null when there are none. */
export function passThroughProperties(p: Partial<MessageProperties> | undefined): MessageProperties | null {
  if (!p) return null;
  let out: MessageProperties | null = null;
  if (p.payloadFormatIndicator !== undefined) (out ??= {}).payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.contentType !== undefined) (out ??= {}).contentType = p.contentType;
  if (p.responseTopic !== undefined) (out ??= {}).responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) (out ??= {}).correlationData = p.correlationData;
  if (p.userProperties !== undefined) (out ??= {}).userProperties = p.userProperties;
  return out;
}
