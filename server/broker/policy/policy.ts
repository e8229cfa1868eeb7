/**
 * The hook through which the product's rules (authentication modes, Group IDs, parent
 * topics, per-instance limits, topic permissions) reach the protocol core. The core asks;
 * the policy answers. The broker process gives every instance a ProductPolicy
 * (product-policy.ts); in-process brokers default to allowAll.
 */
import type { QoS } from 'mqtt-packet';
import type { Connection } from '../protocol/connection';

export interface ClientInfo {
  readonly instanceId: string;
  readonly clientId: string;
  readonly username: string | undefined;
  readonly protocolVersion: number;
  /** `ip:port` of the peer. */
  readonly remoteAddress: string;
  /** What the policy granted at CONNECT (its credentials), or null; see AuthDecision. */
  readonly grant?: ClientGrant | null;
}

/**
 * What a policy remembers about an accepted connection (which key, credential or tokens it
 * used). Opaque to the core: the connection keeps it and hands it back with every question.
 */
export type ClientGrant = object;

export interface ConnectRequest extends ClientInfo {
  readonly password: Buffer | undefined;
  /** True when the client sent an empty client ID and the broker assigned one. */
  readonly assignedClientId: boolean;
  readonly cleanStart: boolean;
}

/** Why a connection is refused; mapped to the 3.1.1 CONNACK code or MQTT 5 reason code. */
export type ConnectRefusal =
  | 'bad-credentials' // 3.1.1: 4, MQTT 5: 0x86
  | 'not-authorized' // 5, 0x87
  | 'identifier-rejected' // 2, 0x85 (also: unknown Group ID)
  | 'server-unavailable' // 3, 0x88
  | 'banned' // 5, 0x8A
  | 'quota-exceeded'; // 3, 0x97 (e.g. the instance's connection limit)

export type AuthDecision = { ok: true; grant?: ClientGrant } | { ok: false; reason: ConnectRefusal };

/**
 * A subscription decision: the QoS granted (may be lower than asked), or refused. `false`
 * answers 0x80 (Unspecified error) in both versions, the code every client accepts (the Paho
 * MQTT 5 suite's decoder accepts no other failure code); `{ refuse }` picks the MQTT 5 reason
 * code (e.g. 0x87 Not authorized), and 3.1.1 still gets 0x80.
 */
export type SubscribeDecision = QoS | false | { refuse: number };

export interface Policy {
  /** May be async (e.g. a token lookup); packets after CONNECT wait for the answer. */
  authenticate(request: ConnectRequest): AuthDecision | Promise<AuthDecision>;
  /** Synchronous: it runs for every PUBLISH, and for a will message when it is sent. */
  authorizePublish(client: ClientInfo, topic: string, qos: QoS, retain: boolean): boolean;
  authorizeSubscribe(client: ClientInfo, filter: string, qos: QoS): SubscribeDecision;
  /** Optional: the connection was accepted (CONNACK queued). */
  connected?(conn: Connection): void;
  /**
   * Optional: a PUBLISH to a topic starting with `$` that the policy itself consumes (e.g.
   * `$SYS/uploadToken`). True = handled: acknowledged, never routed to subscribers.
   */
  systemPublish?(conn: Connection, topic: string, payload: Buffer): boolean;
}

/** Open mode: everyone may connect, publish and subscribe. */
export const allowAll: Policy = {
  authenticate: () => ({ ok: true }),
  authorizePublish: () => true,
  authorizeSubscribe: (_client, _filter, qos) => qos,
};
