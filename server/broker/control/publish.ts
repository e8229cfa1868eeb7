/**
 * The `publish` control method: a message sent from the console ("Send test message"),
 * published through the instance's normal publish path so subscribers, retained-message rules
 * and offline queues treat it like any other. Params cross a process boundary: all checked.
 */
import { createMessage, messageIdHex } from '../message';
import { isValidTopicName } from '../routing/topics';
import type { Broker } from '../broker';
import type { BrokerInstance } from '../instance';

export interface PublishParams {
  instanceId: string;
  /** The parent topic the message must be under (its first level). */
  parentTopic: string;
  topic: string;
  /** The payload, base64-encoded (any bytes survive the JSON channel). */
  payloadBase64: string;
  qos: 0 | 1 | 2;
}

export interface PublishResult {
  /** The 32-hex-digit message ID, as the message trace shows it. */
  messageId: string;
  topic: string;
  /** Sessions the message was handed to (subscribers online or with a persistent session). */
  receivers: number;
}

function parse(params: unknown): PublishParams {
  const p = (params ?? {}) as Record<string, unknown>;
  const str = (key: string) => {
    if (typeof p[key] !== 'string') throw new Error(`publish: "${key}" must be a string`);
    return p[key];
  };
  const strings = { instanceId: str('instanceId'), parentTopic: str('parentTopic'), topic: str('topic'), payloadBase64: str('payloadBase64') };
  const qos = p.qos;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new Error('publish: "qos" must be 0, 1 or 2');
  return { ...strings, qos };
}

/** The instance's payload limit (0 = none set: the largest packet the broker accepts). */
function payloadLimit(instance: BrokerInstance): number {
  return instance.settings.maxPayloadBytes || instance.settings.maxPacketSize;
}

export function publishFromConsole(broker: Broker, params: unknown): PublishResult {
  const p = parse(params);
  const instance = broker.instance(p.instanceId);
  if (!instance) throw new Error(`instance ${p.instanceId} is not served by the broker (yet)`);
  if (p.parentTopic === '' || p.parentTopic.includes('/')) throw new Error('publish: "parentTopic" must be one topic level');
  if (p.topic !== p.parentTopic && !p.topic.startsWith(`${p.parentTopic}/`)) {
    throw new Error(`topic "${p.topic}" is not under the parent topic "${p.parentTopic}"`);
  }
  if (!isValidTopicName(p.topic)) throw new Error(`"${p.topic}" is not a valid topic name`);
  const payload = Buffer.from(p.payloadBase64, 'base64');
  const limit = payloadLimit(instance);
  if (payload.byteLength > limit) throw new Error(`the payload is ${payload.byteLength} bytes; this instance accepts at most ${limit}`);
  const message = createMessage({ topic: p.topic, payload, qos: p.qos, retain: false, publisher: null });
  // Recorded in the message trace as sent by the console (ServerSend), not by a client.
  const receivers = instance.publish(message, 'ServerSend');
  // Durable (queued for offline sessions) before the console is told its ID.
  instance.commit();
  return { messageId: messageIdHex(message), topic: p.topic, receivers };
}
