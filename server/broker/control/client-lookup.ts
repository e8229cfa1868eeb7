/**
 * The console's client lookup by client ID (PRODUCT.md §8): whether the client is online, each
 * live connection (address, protocol, transport, keep-alive, since when, last activity) and its
 * session (subscriptions with their options, in flight, queued, persistent while offline).
 * Control method `clientLookup`: `{ instanceId, clientId }` → ClientLookup.
 */
import type { Broker } from '../broker';
import type { BrokerInstance } from '../instance';
import { ConnState, type Connection } from '../protocol/connection';
import { parseSharedFilter } from '../routing/topics';
import type { Session } from '../session/session';
import { NO_EXPIRY } from '../settings';
import { paramsObject, servedInstance, stringParam } from './params';

/** Client IDs longer than this cannot exist on our instances (MQTT allows 65535 bytes; the product 64 characters). */
export const LOOKUP_CLIENT_ID_MAX = 1024;

export type Transport = 'tcp' | 'tls' | 'ws' | 'wss';

export interface ConnectionInfo {
  /** The product's channelId: unique per network connection. */
  channelId: string;
  /** `ip:port` */
  remoteAddress: string;
  /** 3 = MQTT 3.1, 4 = 3.1.1, 5 = 5.0. */
  protocolVersion: number;
  /** The listener it came in on; null for a connection made by hand (tests). */
  transport: Transport | null;
  /** As negotiated (0 = none). */
  keepAliveSeconds: number;
  /** When CONNECT was accepted (epoch ms); null when not known. */
  connectedAt: number | null;
  /** When the client last sent anything (epoch ms). */
  lastActivity: number;
  /** The MQTT user name it logged in with (it never carries a secret); null without one. */
  username: string | null;
}

export interface SubscriptionInfo {
  /** As subscribed, `$share/<group>/…` included. */
  filter: string;
  /** The shared subscription group, or null. */
  shareGroup: string | null;
  qos: number;
  // MQTT 5 subscription options (3.1.1 clients: the defaults).
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  /** 0 = none. */
  subscriptionId: number;
}

export interface SessionInfo {
  /** Kept after the connection ends (3.1.1 cleanSession=false; MQTT 5 session expiry > 0). */
  persistent: boolean;
  /** Seconds; null = never expires. */
  expirySeconds: number | null;
  /** 3.1.1 clients: the clean session flag they connected with (derived from the expiry); null for MQTT 5. */
  cleanSession: boolean | null;
  online: boolean;
  /** Offline persistent session: when its client left, and when the session ends (null = never). */
  disconnectedAt: number | null;
  expiresAt: number | null;
  subscriptions: SubscriptionInfo[];
  /** QoS 1/2 deliveries sent and not yet acknowledged. */
  inflight: number;
  /** Deliveries waiting behind the window, a congested socket, or for the client to come back. */
  queued: number;
  /** Messages dropped for this client since the session began. */
  dropped: number;
}

export interface ClientLookup {
  instanceId: string;
  clientId: string;
  /** Live (accepted, not closing) connections: normally 0 or 1. */
  online: number;
  connections: ConnectionInfo[];
  /** Null when the client has no session: never connected, or its clean session ended. */
  session: SessionInfo | null;
}

/** The accepted, not closing, connections of a client ID. */
export function liveConnections(instance: BrokerInstance, clientId: string): Connection[] {
  const out: Connection[] = [];
  for (const conn of instance.connections) if (conn.state === ConnState.Connected && conn.clientId === clientId) out.push(conn);
  return out;
}

export function describeConnection(conn: Connection): ConnectionInfo {
  return {
    channelId: String(conn.channel),
    remoteAddress: conn.remoteAddress,
    protocolVersion: conn.protocolVersion,
    transport: conn.listener?.kind ?? null,
    keepAliveSeconds: Math.round(conn.keepAliveMs / 1000),
    connectedAt: conn.connectedAt || null,
    lastActivity: conn.lastSeen,
    username: conn.username ?? null,
  };
}

export function describeSubscriptions(session: Session): SubscriptionInfo[] {
  const out: SubscriptionInfo[] = [];
  if (session.subscriptions) {
    for (const sub of session.subscriptions.values()) {
      out.push({
        filter: sub.filter,
        shareGroup: parseSharedFilter(sub.filter)?.group || null,
        qos: sub.qos,
        noLocal: sub.noLocal,
        retainAsPublished: sub.retainAsPublished,
        retainHandling: sub.retainHandling,
        subscriptionId: sub.subscriptionId,
      });
    }
  }
  return out.sort((a, b) => (a.filter < b.filter ? -1 : a.filter > b.filter ? 1 : 0));
}

function describeSession(session: Session, protocolVersion: number | null): SessionInfo {
  const never = session.expiryInterval === NO_EXPIRY;
  const offline = !session.online && session.disconnectedAt > 0;
  return {
    persistent: session.persistent,
    expirySeconds: never ? null : session.expiryInterval,
    cleanSession: protocolVersion !== null && protocolVersion < 5 ? !session.persistent : null,
    online: session.online,
    disconnectedAt: offline ? session.disconnectedAt : null,
    expiresAt: offline && !never ? session.disconnectedAt + session.expiryInterval * 1000 : null,
    subscriptions: describeSubscriptions(session),
    inflight: session.inflightCount,
    queued: session.queuedCount,
    dropped: session.dropped,
  };
}

export function lookupClient(broker: Broker, params: unknown): ClientLookup {
  const p = paramsObject('clientLookup', params);
  const instance = servedInstance('clientLookup', broker, p);
  const clientId = stringParam('clientLookup', p, 'clientId', LOOKUP_CLIENT_ID_MAX);
  const conns = liveConnections(instance, clientId);
  const session = instance.sessions.get(clientId);
  return {
    instanceId: instance.id,
    clientId,
    online: conns.length,
    connections: conns.map(describeConnection),
    session: session && !session.ended ? describeSession(session, conns[0]?.protocolVersion ?? null) : null,
  };
}
