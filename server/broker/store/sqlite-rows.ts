/**
 * How a broker message and its parts become SQLite column values and back, exactly: the
 * payload and correlation data as blobs, MQTT 5 user properties as JSON (names may repeat,
 * order kept), the expiry as the absolute time it was given at PUBLISH (so it keeps counting
 * down while the broker is stopped).
 */
import type { QoS, UserProperties } from 'mqtt-packet';
import type { Message, MessageProperties, NewMessage } from '../message';
import type { StoredWill } from './types';

/** The message columns in the order of the INSERT statements in sqlite.ts (after key/instance). */
export type MessageValues = [
  messageId: number,
  topic: string,
  payload: Buffer,
  qos: number,
  retain: number,
  payloadFormat: number | null,
  contentType: string | null,
  responseTopic: string | null,
  correlationData: Buffer | null,
  userProperties: string | null,
  expiresAt: number,
  publisher: string | null,
  createdAt: number,
  protocolVersion: number,
  cleanSession: number,
];

/** The SQL column list matching MessageValues. */
export const MESSAGE_COLUMNS =
  'message_id, topic, payload, qos, retain, payload_format, content_type, response_topic, correlation_data, user_properties, expires_at, publisher, created_at, protocol_version, clean_session';

export function messageValues(m: Message): MessageValues {
  const p = m.properties;
  return [
    m.id,
    m.topic,
    m.payload,
    m.qos,
    m.retain ? 1 : 0,
    p?.payloadFormatIndicator === undefined ? null : p.payloadFormatIndicator ? 1 : 0,
    p?.contentType ?? null,
    p?.responseTopic ?? null,
    p?.correlationData ?? null,
    p?.userProperties === undefined ? null : JSON.stringify(p.userProperties),
    m.expiresAt,
    m.publisher,
    m.createdAt,
    m.protocolVersion ?? 0,
    m.cleanSession ? 1 : 0,
  ];
}

/** A message row as drizzle returns it (db/broker-schema.ts, messageColumns). */
export interface MessageRow {
  messageId: number;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  payloadFormat: boolean | null;
  contentType: string | null;
  responseTopic: string | null;
  correlationData: Buffer | null;
  userProperties: string | null;
  expiresAt: number;
  publisher: string | null;
  createdAt: number;
  protocolVersion: number;
  cleanSession: boolean;
}

export function messageFromRow(r: MessageRow): Message {
  // Same property order as createMessage, so restored messages share its object shape.
  return {
    id: r.messageId,
    topic: r.topic,
    payload: r.payload,
    qos: r.qos as QoS,
    retain: r.retain,
    properties: propertiesFromRow(r),
    expiresAt: r.expiresAt,
    publisher: r.publisher,
    createdAt: r.createdAt,
    protocolVersion: r.protocolVersion,
    cleanSession: r.cleanSession,
    frame: null,
    frameFree: false,
  };
}

/** The will columns of `sessions` in the order of the UPDATE in sqlite.ts (after will_at); all null for no will. */
export type WillValues = [
  topic: string | null,
  payload: Buffer | null,
  qos: number | null,
  retain: number | null,
  payloadFormat: number | null,
  contentType: string | null,
  responseTopic: string | null,
  correlationData: Buffer | null,
  userProperties: string | null,
  expiryInterval: number | null,
];

const NO_WILL: WillValues = [null, null, null, null, null, null, null, null, null, null];

/** The SQL assignments matching WillValues (will_at first). */
export const WILL_ASSIGNMENTS =
  'will_at = ?, will_topic = ?, will_payload = ?, will_qos = ?, will_retain = ?, will_payload_format = ?, will_content_type = ?, will_response_topic = ?, will_correlation_data = ?, will_user_properties = ?, will_expiry_interval = ?';

export function willValues(will: NewMessage | null): WillValues {
  if (will === null) return NO_WILL;
  const p = will.properties;
  return [
    will.topic,
    will.payload,
    will.qos,
    will.retain ? 1 : 0,
    p?.payloadFormatIndicator === undefined ? null : p.payloadFormatIndicator ? 1 : 0,
    p?.contentType ?? null,
    p?.responseTopic ?? null,
    p?.correlationData ?? null,
    p?.userProperties === undefined ? null : JSON.stringify(p.userProperties),
    will.expiryInterval ?? null,
  ];
}

/** The will columns of a session row as drizzle returns them (db/broker-schema.ts, brokerSessions). */
export interface WillRow {
  clientId: string;
  willAt: number;
  willTopic: string | null;
  willPayload: Buffer | null;
  willQos: number | null;
  willRetain: boolean | null;
  willPayloadFormat: boolean | null;
  willContentType: string | null;
  willResponseTopic: string | null;
  willCorrelationData: Buffer | null;
  willUserProperties: string | null;
  willExpiryInterval: number | null;
}

export function willFromRow(r: WillRow): StoredWill | null {
  if (r.willAt === 0 || r.willTopic === null || r.willPayload === null) return null;
  const message: NewMessage = {
    topic: r.willTopic,
    payload: r.willPayload,
    qos: (r.willQos ?? 0) as QoS,
    retain: r.willRetain ?? false,
    properties: propertiesFromRow({
      payloadFormat: r.willPayloadFormat,
      contentType: r.willContentType,
      responseTopic: r.willResponseTopic,
      correlationData: r.willCorrelationData,
      userProperties: r.willUserProperties,
    }),
    publisher: r.clientId,
  };
  if (r.willExpiryInterval !== null) message.expiryInterval = r.willExpiryInterval;
  return { message, at: r.willAt };
}

function propertiesFromRow(
  r: Pick<MessageRow, 'payloadFormat' | 'contentType' | 'responseTopic' | 'correlationData' | 'userProperties'>,
): MessageProperties | null {
  let out: MessageProperties | null = null;
  if (r.payloadFormat !== null) (out ??= {}).payloadFormatIndicator = r.payloadFormat;
  if (r.contentType !== null) (out ??= {}).contentType = r.contentType;
  if (r.responseTopic !== null) (out ??= {}).responseTopic = r.responseTopic;
  if (r.correlationData !== null) (out ??= {}).correlationData = r.correlationData;
  if (r.userProperties !== null) (out ??= {}).userProperties = parseUserProperties(r.userProperties);
  return out;
}

/** Like mqtt-packet's parser: a prototype-less object, so a property named `__proto__` is just a name. */
function parseUserProperties(json: string): UserProperties {
  const parsed = JSON.parse(json) as Record<string, string | string[]>;
  const out = Object.create(null) as UserProperties;
  for (const name of Object.keys(parsed)) out[name] = parsed[name];
  return out;
}

export function subscriptionIdsToColumn(ids: number[] | null): string | null {
  return ids === null ? null : ids.join(',');
}

export function subscriptionIdsFromColumn(column: string | null): number[] | null {
  if (column === null) return null;
  return column === '' ? [] : column.split(',').map(Number);
}
