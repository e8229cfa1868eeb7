/**
 * Per-instance protocol limits. The product's own rules (payload size, subscriptions per
 * client, topic length…) are set from the instance's configuration by the policy layer;
 * these defaults make a plain, standards-behaving broker.
 */
export interface InstanceSettings {
  /** Largest packet accepted from a client, bytes (MQTT 5 Maximum Packet Size in CONNACK). */
  maxPacketSize: number;
  /** How many QoS 1/2 PUBLISHes a client may have unacknowledged towards us (MQTT 5 Receive Maximum). */
  receiveMaximum: number;
  /**
   * Our own cap on unacknowledged QoS 1/2 deliveries per client (the client's Receive Maximum can
   * lower it). A subscriber gets at most this many messages per round trip, so it bounds a busy
   * subscriber's rate (256 in flight over a 20 ms network: 12,800 messages/s). The default equals
   * receiveMaximum: as many in flight towards a client as we accept from it.
   */
  maxInflight: number;
  /** Messages waiting behind the in-flight window per session. QoS 0 beyond this is dropped. */
  maxQueuedMessages: number;
  /** Topic alias slots we accept from a client (MQTT 5 Topic Alias Maximum in CONNACK); 0 = none. */
  topicAliasMaximum: number;
  /** Keep-alive cap in seconds: a client asking for more (or 0) is told this one (MQTT 5 Server Keep Alive). 0 = no cap. */
  maxKeepAlive: number;
  /** Cap on the MQTT 5 session expiry interval, seconds. 0xFFFFFFFF = never expire. */
  maxSessionExpiry: number;
  /** Session expiry given to MQTT 3.1.1 clients connecting with cleanSession=false, seconds. */
  persistentSessionExpiry: number;
  /** Subscriptions per client; 0 = unlimited. Extra subscriptions are refused in SUBACK. */
  maxSubscriptionsPerClient: number;
  /** Subscriptions of the whole instance (all clients together); 0 = unlimited. Extra ones are refused in SUBACK. */
  maxSubscriptions: number;
  /** Connected clients of the instance; 0 = unlimited. Beyond it CONNECT is refused (3.1.1: 3, MQTT 5: 0x97). */
  maxConnections: number;
  /** Longest topic name or filter, characters; 0 = unlimited. */
  maxTopicLength: number;
  /** Largest PUBLISH payload, bytes; 0 = unlimited. A larger one is refused (see the README). */
  maxPayloadBytes: number;
  /** Topic names and filters with more levels are refused (bounds the matcher's recursion). */
  maxTopicLevels: number;
  /** Whether RETAIN is honoured (MQTT 5 Retain Available). */
  retainAvailable: boolean;
  /** A socket that has not sent CONNECT within this many ms is closed. */
  connectTimeoutMs: number;
  /** Bytes buffered towards a socket beyond which it counts as congested: deliveries wait in the session queue. */
  socketHighWaterMark: number;
  /** Hours a queued QoS 1/2 message is kept (offline messages); older ones are not delivered. 0 = no limit. */
  offlineRetentionHours: number;
  /** QoS 1/2 messages waiting in the instance's session queues, all sessions together; beyond it the oldest is dropped (counted). 0 = no limit. */
  offlineStoreLimit: number;
  /** Messages in + messages out per second; over it publishers are paused until the next second. 0 = no limit. */
  maxTps: number;
}

export const NO_EXPIRY = 0xffffffff;

export const defaultSettings: Readonly<InstanceSettings> = Object.freeze({
  maxPacketSize: 1024 * 1024,
  receiveMaximum: 1024,
  maxInflight: 1024,
  maxQueuedMessages: 1000,
  topicAliasMaximum: 64,
  maxKeepAlive: 0,
  maxSessionExpiry: NO_EXPIRY,
  persistentSessionExpiry: NO_EXPIRY,
  maxSubscriptionsPerClient: 0,
  maxSubscriptions: 0,
  maxConnections: 0,
  maxTopicLength: 0,
  maxPayloadBytes: 0,
  maxTopicLevels: 128,
  retainAvailable: true,
  connectTimeoutMs: 10_000,
  socketHighWaterMark: 256 * 1024,
  offlineRetentionHours: 72,
  offlineStoreLimit: 100_000,
  maxTps: 0,
});

/**
 * Room a PUBLISH needs beside its payload: fixed header, topic name, packet ID and MQTT 5
 * properties. Generous, so that a payload just over the instance's limit still arrives whole
 * and is refused by the payload limit (with its own reason code), not by the packet size.
 */
export const PUBLISH_OVERHEAD_BYTES = 64 * 1024;

/**
 * The maximum packet size that follows an instance's payload limit: every payload up to the
 * limit fits, with room for the rest of the packet. Without a payload limit, the default.
 */
export function packetSizeForPayload(maxPayloadBytes: number): number {
  return maxPayloadBytes > 0 ? maxPayloadBytes + PUBLISH_OVERHEAD_BYTES : defaultSettings.maxPacketSize;
}

export function resolveSettings(partial?: Partial<InstanceSettings>): InstanceSettings {
  return { ...defaultSettings, ...partial };
}
