/**
 * SUBSCRIBE: each filter is validated, authorized and added (replacing an existing one with
 * the same filter); SUBACK lists the granted QoS or failure per filter, in order; then the
 * matching retained messages follow, as the retain handling option asks.
 */
import type { ISubscribePacket, QoS } from 'mqtt-packet';
import { isValidTopicFilter, levelCount, parseSharedFilter } from '../../routing/topics';
import type { BrokerInstance } from '../../instance';
import type { Subscription } from '../../session/session';
import type { Connection } from '../connection';
import { ProtocolViolation, RC } from '../reason-codes';

const MAX_SUBSCRIPTION_ID = 268_435_455;

export function handleSubscribe(conn: Connection, packet: ISubscribePacket): void {
  const session = conn.session!;
  const instance = conn.instance;
  const settings = instance.settings;
  const v5 = conn.protocolVersion === 5;
  const packetId = packet.messageId ?? 0;
  if (!(packetId >= 1 && packetId <= 65535)) throw new ProtocolViolation(RC.malformedPacket, 'missing packet identifier');
  if (packet.subscriptions.length === 0) throw new ProtocolViolation(RC.protocolError, 'SUBSCRIBE without filters');

  let subscriptionId = 0;
  if (v5 && packet.properties?.subscriptionIdentifier !== undefined) {
    const id = packet.properties.subscriptionIdentifier as unknown;
    if (typeof id !== 'number' || id < 1 || id > MAX_SUBSCRIPTION_ID) {
      throw new ProtocolViolation(RC.protocolError, 'invalid subscription identifier');
    }
    subscriptionId = id;
  }

  const codes: number[] = [];
  const replay: Subscription[] = [];
  // The instance-wide subscription limit: counted once per packet, then kept up to date here.
  let instanceTotal = settings.maxSubscriptions > 0 ? subscriptionTotal(instance) : 0;
  const failure = (reason: number) => codes.push(v5 ? reason : 0x80);
  for (const request of packet.subscriptions) {
    const filter = request.topic;
    const shared = parseSharedFilter(filter);
    if (shared && v5 && request.nl) throw new ProtocolViolation(RC.protocolError, 'no local on a shared subscription');
    const matchFilter = shared ? shared.filter : filter;
    if (
      (shared && shared.group === '') ||
      !isValidTopicFilter(matchFilter) ||
      levelCount(matchFilter) > settings.maxTopicLevels ||
      (settings.maxTopicLength > 0 && matchFilter.length > settings.maxTopicLength)
    ) {
      failure(RC.topicFilterInvalid);
      continue;
    }
    const exists = session.subscriptions?.has(filter) ?? false;
    if (!exists && settings.maxSubscriptionsPerClient > 0 && session.subscriptionCount >= settings.maxSubscriptionsPerClient) {
      failure(RC.quotaExceeded);
      continue;
    }
    if (!exists && settings.maxSubscriptions > 0 && instanceTotal >= settings.maxSubscriptions) {
      failure(RC.quotaExceeded);
      continue;
    }
    const granted = instance.policy.authorizeSubscribe(conn, filter, request.qos);
    if (granted === false || typeof granted === 'object') {
      failure(granted === false ? RC.unspecifiedError : granted.refuse);
      continue;
    }
    const sub: Subscription = {
      filter,
      qos: Math.min(granted, request.qos) as QoS,
      noLocal: v5 && (request.nl ?? false),
      retainAsPublished: v5 && (request.rap ?? false),
      retainHandling: v5 ? ((request.rh ?? 0) as 0 | 1 | 2) : 0,
      subscriptionId,
    };
    const isNew = session.subscribe(sub);
    if (isNew) instanceTotal++;
    codes.push(sub.qos);
    // Retain handling: 0 always, 1 only for a new subscription, 2 never [MQTT-3.3.1-9..11].
    // A shared subscription gets no retained messages.
    if (!shared && settings.retainAvailable && (sub.retainHandling === 0 || (sub.retainHandling === 1 && isNew))) replay.push(sub);
  }

  conn.writePacket({ cmd: 'suback', messageId: packetId, granted: codes });

  const ids = subscriptionId !== 0 ? [subscriptionId] : null;
  for (const sub of replay) {
    instance.retained.match(sub.filter, (message) => {
      // Retained messages sent because of a subscription always carry RETAIN=1 [MQTT-3.3.1-8].
      session.deliver(message, (message.qos < sub.qos ? message.qos : sub.qos) as QoS, true, ids);
    });
  }
}

/** Subscriptions of every client of the instance: a shared group is one router entry for all its members. */
function subscriptionTotal(instance: BrokerInstance): number {
  let total = instance.router.size;
  for (const group of instance.sharedGroups.values()) total += group.size - 1;
  return total;
}
