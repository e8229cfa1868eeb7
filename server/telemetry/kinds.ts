/**
 * The event kinds of the telemetry database, stored as small integers (db/telemetry-schema.ts)
 * and named as the product's trace pages name them (PRODUCT.md §7).
 */

/** Message trace events. The first three say where a message came from, the next two are deliveries. */
export const MessageKind = {
  /** Accepted from an MQTT client (PUBLISH, or its will). */
  pub_mqtt: 1,
  /** Published by the console or the HTTP API. */
  ServerSend: 2,
  /** Arrived from RocketMQ through a data-inflow rule. */
  pub_mq: 3,
  /** Pushed to an online client. */
  sub: 4,
  /** Pushed after a reconnect, from what was kept while the client was offline. */
  push_offline: 5,
  /** The client acknowledged a QoS 1/2 delivery (PUBACK, or PUBCOMP). QoS 0 counts as acknowledged on send. */
  ack: 6,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];
export type MessageKindName = keyof typeof MessageKind;

/** Where a message came from: the kinds a publish can carry. */
export type MessageOrigin = 'pub_mqtt' | 'ServerSend' | 'pub_mq';

/** Device trace events. */
export const DeviceKind = {
  /** CONNECT answered: description `accepted` or the refusal reason. */
  connect: 1,
  /** The TCP connection ended (description: why, see server/broker/protocol/end-reasons.ts). */
  close: 2,
  /** The client sent DISCONNECT. */
  disconnect: 3,
} as const;
export type DeviceKind = (typeof DeviceKind)[keyof typeof DeviceKind];
export type DeviceKindName = keyof typeof DeviceKind;

const messageNames = Object.fromEntries(Object.entries(MessageKind).map(([k, v]) => [v, k])) as Record<number, MessageKindName>;
const deviceNames = Object.fromEntries(Object.entries(DeviceKind).map(([k, v]) => [v, k])) as Record<number, DeviceKindName>;

export function messageKindName(kind: number): MessageKindName {
  return messageNames[kind] ?? 'pub_mqtt';
}

export function deviceKindName(kind: number): DeviceKindName {
  return deviceNames[kind] ?? 'close';
}

/**
 * What the broker calls on its hot paths. Implemented by TelemetryWriter; each call only
 * appends to an in-memory buffer.
 */
export interface TraceRecorder {
  message(kind: MessageKind, instanceId: string, clientId: string, messageId: number, topic: string, qos: number): void;
  device(kind: DeviceKind, instanceId: string, clientId: string, channel: number, address: string, description: string): void;
}
