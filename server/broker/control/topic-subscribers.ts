/**
 * Client lookup by topic (PRODUCT.md §8): who would receive a message published on the topic
 * now. Asks the instance's own router, so wildcards, overlapping filters and shared
 * subscriptions (every member of a matching `$share/<group>/…`; one of them gets each
 * message) count exactly as for a real PUBLISH. A P2P topic (`<parent>/p2p/<clientId>`)
 * reaches its target only. Control method `topicSubscribers`:
 * `{ instanceId, topic, offset?, limit? }` → TopicSubscribers.
 */
import type { Broker } from '../broker';
import type { Message } from '../message';
import { p2pTarget } from '../routing/p2p';
import { SharedGroup } from '../routing/shared';
import { isValidTopicName, parseSharedFilter } from '../routing/topics';
import type { Session } from '../session/session';
import { describeConnection, liveConnections, type ConnectionInfo } from './client-lookup';
import { intParam, paramsObject, servedInstance, stringParam } from './params';

export const TOPIC_PAGE_MAX = 500;

export interface TopicMatch {
  /** The client's subscription that matches, as subscribed (`$share/…` included). */
  filter: string;
  shareGroup: string | null;
  qos: number;
}

export interface TopicSubscriber {
  clientId: string;
  online: boolean;
  /** Keeps QoS 1/2 messages while offline. */
  persistent: boolean;
  matches: TopicMatch[];
  /** The live connection, when online. */
  connection: ConnectionInfo | null;
}

export interface TopicSubscribers {
  topic: string;
  /** Matching sessions: online clients and offline persistent sessions. */
  total: number;
  online: number;
  offset: number;
  /** Online first, then by client ID. */
  subscribers: TopicSubscriber[];
  /** For a P2P topic: its target (ordinary subscribers never see P2P messages). */
  p2p: { clientId: string; online: boolean; hasSession: boolean } | null;
}

/** Whether a (non-shared) filter matches a topic name, `$` rule included [MQTT-4.7.2-1]. */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export function topicSubscribers(broker: Broker, params: unknown): TopicSubscribers {
  const p = paramsObject('topicSubscribers', params);
  const instance = servedInstance('topicSubscribers', broker, p);
  const topic = stringParam('topicSubscribers', p, 'topic', 65535);
  if (!isValidTopicName(topic)) throw new Error(`topicSubscribers: "${topic}" is not a topic name (no wildcards)`);
  const offset = intParam('topicSubscribers', p, 'offset', 0, 1_000_000_000, 0);
  const limit = intParam('topicSubscribers', p, 'limit', 1, TOPIC_PAGE_MAX, 50);

  const target = p2pTarget(topic);
  if (target !== null) {
    const session = instance.sessions.get(target);
    const p2p = { clientId: target, online: session?.online ?? false, hasSession: !!session && !session.ended };
    return { topic, total: 0, online: 0, offset, subscribers: [], p2p };
  }

  // A probe through the router, as a QoS 2 message from nobody (no-local never skips it).
  const probe: Message = { id: 0, topic, payload: Buffer.alloc(0), qos: 2, retain: false, properties: null, expiresAt: 0, publisher: null, createdAt: 0, frame: null, frameFree: false };
  const sessions = new Set<Session>();
  const groups = new Set<string>();
  for (const d of instance.router.match(probe)) {
    if (d.subscriber instanceof SharedGroup) groups.add(d.subscriber.shareFilter);
    else sessions.add(d.subscriber);
  }
  // Shared groups sit in the router as one entry: their members are the sessions holding that subscription.
  if (groups.size > 0) {
    for (const session of instance.sessions.values()) {
      if (!session.subscriptions) continue;
      for (const filter of groups) if (session.subscriptions.has(filter)) sessions.add(session);
    }
  }

  const all: TopicSubscriber[] = [];
  for (const session of sessions) {
    if (session.ended) continue;
    const matches: TopicMatch[] = [];
    for (const sub of session.subscriptions?.values() ?? []) {
      const shared = parseSharedFilter(sub.filter);
      const matching = shared ? groups.has(sub.filter) : filterMatches(sub.filter, topic);
      if (matching) matches.push({ filter: sub.filter, shareGroup: shared?.group || null, qos: sub.qos });
    }
    const conn = session.online ? liveConnections(instance, session.clientId)[0] : undefined;
    all.push({ clientId: session.clientId, online: session.online, persistent: session.persistent, matches, connection: conn ? describeConnection(conn) : null });
  }
  all.sort((a, b) => Number(b.online) - Number(a.online) || (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  return {
    topic,
    total: all.length,
    online: all.filter((s) => s.online).length,
    offset,
    subscribers: all.slice(offset, offset + limit),
    p2p: null,
  };
}
