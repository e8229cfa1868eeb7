/**
 * What a message becomes on its way to RocketMQ (PRODUCT.md §5, §6): the payload bytes
 * unchanged and the cloud's user properties.
 */
import { messageIdHex, type Message } from '../message';

export interface OutMessage {
  tag: string | null;
  key: string | null;
  properties: Record<string, string>;
  body: Buffer;
}

/**
 * A data-outflow message: `mqttSecondTopic` is the topic after the parent (leading slash kept,
 * absent for the bare parent), `clientId` the sender, `qoslevel`, `cleansessionflag`; MQTT 5
 * publishers add `topic`, `mqtt5UserProperty`, `mqtt5MsgExpireInterval`, `mqtt5ContentType`.
 * The MQTT message ID is the RocketMQ message key.
 */
export function outflowMessage(message: Message, parentLength: number, now = Date.now()): OutMessage {
  const properties: Record<string, string> = {
    qoslevel: String(message.qos),
    cleansessionflag: String(message.cleanSession ?? false),
  };
  const second = message.topic.slice(parentLength);
  if (second.length > 0) properties.mqttSecondTopic = second;
  if (message.publisher !== null) properties.clientId = message.publisher;
  if (message.protocolVersion === 5) {
    properties.topic = message.topic;
    const user = message.properties?.userProperties;
    if (user) {
      const pairs: { key: string; value: string }[] = [];
      for (const [key, value] of Object.entries(user)) {
        for (const v of Array.isArray(value) ? value : [value]) pairs.push({ key, value: String(v) });
      }
      properties.mqtt5UserProperty = JSON.stringify(pairs);
    }
    if (message.expiresAt !== 0) properties.mqtt5MsgExpireInterval = String(Math.max(0, Math.ceil((message.expiresAt - now) / 1000)));
    const contentType = message.properties?.contentType;
    if (contentType !== undefined) properties.mqtt5ContentType = contentType;
  }
  return { tag: null, key: messageIdHex(message), properties, body: message.payload };
}

export type StatusEventType = 'connect' | 'disconnect' | 'tcpclean';

/** A client status notification: the event type as TAG, the cloud's JSON body. */
export function statusMessage(eventType: StatusEventType, clientId: string, channelId: number, clientIp: string, time = Date.now()): OutMessage {
  return {
    tag: eventType,
    key: clientId,
    properties: {},
    body: Buffer.from(JSON.stringify({ clientId, time, eventType, channelId: String(channelId), clientIp })),
  };
}
