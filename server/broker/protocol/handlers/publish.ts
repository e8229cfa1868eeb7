/**
 * PUBLISH from a client: resolve the topic (MQTT 5 topic alias), validate, ask the policy,
 * route, then acknowledge (QoS 1: PUBACK; QoS 2: PUBREC, routing on the first PUBLISH of a
 * packet ID only, so a resent DUP is never delivered twice).
 */
import { isUtf8 } from 'node:buffer';
import { createMessage, passThroughProperties } from '../../message';
import { isValidTopicName, levelCount } from '../../routing/topics';
import { encodeAck, type DecodedPublish } from '../codec';
import type { Connection } from '../connection';
import { ProtocolViolation, RC } from '../reason-codes';

export function handlePublish(conn: Connection, packet: DecodedPublish): void {
  const session = conn.session!;
  const instance = conn.instance;
  const settings = instance.settings;
  const v5 = conn.protocolVersion === 5;
  const qos = packet.qos;
  const packetId = packet.messageId ?? 0;

  if (qos > 0 && !(packetId >= 1 && packetId <= 65535)) throw new ProtocolViolation(RC.malformedPacket, 'missing packet identifier');
  if (qos === 0 && packet.dup) throw new ProtocolViolation(RC.malformedPacket, 'DUP set on a QoS 0 PUBLISH');

  let topic = packet.topic;
  const props = packet.properties;
  if (v5) {
    const alias = props?.topicAlias;
    if (alias !== undefined) {
      if (alias === 0 || alias > settings.topicAliasMaximum) throw new ProtocolViolation(RC.topicAliasInvalid, 'topic alias out of range');
      if (topic.length > 0) (conn.topicAliases ??= new Map()).set(alias, topic);
      else {
        const known = conn.topicAliases?.get(alias);
        if (known === undefined) throw new ProtocolViolation(RC.protocolError, 'unknown topic alias');
        topic = known;
      }
    }
    if (props?.subscriptionIdentifier !== undefined) {
      throw new ProtocolViolation(RC.protocolError, 'subscription identifier in PUBLISH from a client');
    }
  }
  if (!isValidTopicName(topic) || levelCount(topic) > settings.maxTopicLevels) {
    throw new ProtocolViolation(RC.topicNameInvalid, 'invalid topic name');
  }
  // The instance's topic length limit: MQTT 5 QoS 1/2 get PUBACK/PUBREC 0x90; otherwise closed.
  if (settings.maxTopicLength > 0 && topic.length > settings.maxTopicLength) {
    if (v5 && qos > 0) return acknowledge(conn, qos, packetId, RC.topicNameInvalid);
    conn.endReason ??= 'invalid param';
    throw new ProtocolViolation(RC.topicNameInvalid, `topic longer than ${settings.maxTopicLength} characters`);
  }
  if (packet.retain && !settings.retainAvailable) throw new ProtocolViolation(RC.retainNotSupported, 'retain not supported');

  // A resent QoS 2 PUBLISH whose first copy was already accepted: acknowledge again, do not route.
  if (qos === 2 && session.hasIncomingQos2(packetId)) {
    conn.write(encodeAck('pubrec', packetId, conn.protocolVersion));
    return;
  }
  if (qos === 2 && session.incomingQos2Count >= settings.receiveMaximum) {
    throw new ProtocolViolation(RC.receiveMaximumExceeded, 'receive maximum exceeded');
  }

  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  // The instance's payload limit: refused, never dropped silently. MQTT 5 QoS 1/2: PUBACK/PUBREC
  // 0x97 (Quota exceeded, the connection stays); MQTT 5 QoS 0: DISCONNECT 0x95; 3.1.1: closed.
  if (settings.maxPayloadBytes > 0 && payload.length > settings.maxPayloadBytes) {
    if (v5 && qos > 0) return acknowledge(conn, qos, packetId, RC.quotaExceeded);
    conn.endReason ??= 'quota exceeded';
    throw new ProtocolViolation(RC.packetTooLarge, `payload larger than ${settings.maxPayloadBytes} bytes`);
  }
  if (v5 && props?.payloadFormatIndicator && !isUtf8(payload)) {
    if (qos === 0) throw new ProtocolViolation(RC.payloadFormatInvalid, 'payload is not UTF-8');
    return acknowledge(conn, qos, packetId, RC.payloadFormatInvalid);
  }

  // A message for the policy itself (token mode's `$SYS/uploadToken`): acknowledged, not routed.
  if (topic.charCodeAt(0) === 0x24 /* $ */ && instance.policy.systemPublish?.(conn, topic, payload) === true) {
    if (qos === 2) session.addIncomingQos2(packetId);
    if (qos > 0) acknowledge(conn, qos, packetId, RC.success);
    return;
  }

  if (!instance.policy.authorizePublish(conn, topic, qos, packet.retain)) {
    // The product closes 3.1.1 publishers that publish outside their grant; MQTT 5 gets a reason code.
    if (!v5) {
      conn.endReason ??= 'topic auth failed';
      throw new ProtocolViolation(RC.notAuthorized, 'publish not authorized');
    }
    if (qos > 0) acknowledge(conn, qos, packetId, RC.notAuthorized);
    return;
  }

  const message = createMessage({
    topic,
    payload,
    qos,
    retain: packet.retain,
    properties: v5 ? passThroughProperties(props) : null,
    expiryInterval: v5 ? props?.messageExpiryInterval : undefined,
    publisher: conn.clientId,
    protocolVersion: conn.protocolVersion,
    cleanSession: !session.persistent,
    // 3.1.1 subscribers can be sent the same bytes (Message.frame); RETAIN is never passed on to them.
    frame: v5 || packet.retain ? null : (packet.frame ?? null),
  });
  const receivers = instance.publish(message);

  if (qos === 2) session.addIncomingQos2(packetId);
  if (qos > 0) acknowledge(conn, qos, packetId, receivers === 0 ? RC.noMatchingSubscribers : RC.success);
}

function acknowledge(conn: Connection, qos: number, packetId: number, reason: number): void {
  conn.write(encodeAck(qos === 1 ? 'puback' : 'pubrec', packetId, conn.protocolVersion, reason));
}
