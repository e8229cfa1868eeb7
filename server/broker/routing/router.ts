/**
 * Finds who gets a published message. One delivery per subscriber even when several of its
 * subscriptions match (overlapping filters): at the highest QoS granted among them, with
 * every matching subscription identifier, retained if any of them asked for
 * retain-as-published. Subscriptions with no-local skip the publisher's own messages.
 *
 * What a topic matches is remembered (a route cache) until the subscriptions change: most
 * traffic is many messages to the same topics, and walking the trie for each one (splitting
 * the topic, a map lookup per level, copying the entries out) was a few percent of the
 * broker's CPU time per message.
 */
import type { QoS } from 'mqtt-packet';
import type { Message } from '../message';
import type { StoredSubscription } from '../store/types';
import { SubscriptionTree } from './subscription-tree';

export interface Subscriber {
  readonly clientId: string;
  deliver(message: Message, qos: QoS, retain: boolean, subscriptionIds: number[] | null): void;
}

export interface Delivery<K> {
  subscriber: K;
  qos: QoS;
  retain: boolean;
  subscriptionIds: number[] | null;
}

/** The subscriptions a topic matches, in step; never changed once made (deliveries may route again). */
interface Route<K> {
  readonly keys: readonly K[];
  readonly subs: readonly StoredSubscription[];
  /** No subscriber appears twice (no overlapping filters): each pair is one delivery as it is. */
  readonly distinct: boolean;
}

/** Topics remembered at most; when full the cache starts over (bounded memory for any number of topics). */
export const ROUTE_CACHE_SIZE = 10_000;

export class Router<K extends Subscriber> {
  private readonly tree = new SubscriptionTree<K, StoredSubscription>();
  /** Topic → its route, valid until the next add or remove. */
  private readonly routes = new Map<string, Route<K>>();

  /** Total (subscriber, filter) pairs. */
  get size(): number {
    return this.tree.size;
  }

  /** Topics whose route is remembered (at most ROUTE_CACHE_SIZE). */
  get cachedRoutes(): number {
    return this.routes.size;
  }

  add(subscriber: K, sub: StoredSubscription): void {
    this.tree.add(sub.filter, subscriber, sub);
    if (this.routes.size !== 0) this.routes.clear();
  }

  remove(subscriber: K, filter: string): void {
    this.tree.remove(filter, subscriber);
    if (this.routes.size !== 0) this.routes.clear();
  }

  private routeOf(topic: string): Route<K> {
    let route = this.routes.get(topic);
    if (route === undefined) {
      const keys: K[] = [];
      const subs: StoredSubscription[] = [];
      this.tree.collect(topic, keys, subs);
      route = { keys, subs, distinct: keys.length < 2 || new Set(keys).size === keys.length };
      if (this.routes.size >= ROUTE_CACHE_SIZE) this.routes.clear();
      this.routes.set(topic, route);
    }
    return route;
  }

  /**
   * Delivers a message to every matching subscriber, once each; returns how many got it.
   * The common case, one matching subscription per subscriber, goes straight to them.
   */
  deliver(message: Message): number {
    const { keys, subs, distinct } = this.routeOf(message.topic);
    if (!distinct) {
      const deliveries = deliveriesOf(message, keys, subs);
      for (const d of deliveries) d.subscriber.deliver(message, d.qos, d.retain, d.subscriptionIds);
      return deliveries.length;
    }
    let delivered = 0;
    for (let i = 0; i < keys.length; i++) {
      const subscriber = keys[i];
      const sub = subs[i];
      if (sub.noLocal && message.publisher === subscriber.clientId) continue;
      const qos = (sub.qos < message.qos ? sub.qos : message.qos) as QoS;
      subscriber.deliver(message, qos, sub.retainAsPublished && message.retain, sub.subscriptionId !== 0 ? [sub.subscriptionId] : null);
      delivered++;
    }
    return delivered;
  }

  /** The deliveries for a message, one per subscriber. */
  match(message: Message): Delivery<K>[] {
    // Lookups (the console's) walk the tree: a probe topic is not worth a cache entry.
    const keys: K[] = [];
    const subs: StoredSubscription[] = [];
    this.tree.collect(message.topic, keys, subs);
    return deliveriesOf(message, keys, subs);
  }
}

/** One delivery per subscriber from the matching (subscriber, subscription) pairs. */
function deliveriesOf<K extends Subscriber>(message: Message, keys: readonly K[], subs: readonly StoredSubscription[]): Delivery<K>[] {
  const out: Delivery<K>[] = [];
  let index: Map<K, Delivery<K>> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const subscriber = keys[i];
    const sub = subs[i];
    if (sub.noLocal && message.publisher === subscriber.clientId) continue;
    const qos = (sub.qos < message.qos ? sub.qos : message.qos) as QoS;
    const retain = sub.retainAsPublished && message.retain;
    const id = sub.subscriptionId;
    // Most messages match one subscription per subscriber: index only once there are two.
    let existing: Delivery<K> | undefined;
    if (out.length > 0) {
      if (!index) {
        index = new Map();
        for (const d of out) index.set(d.subscriber, d);
      }
      existing = index.get(subscriber);
    }
    if (existing) {
      if (qos > existing.qos) existing.qos = qos;
      if (retain) existing.retain = true;
      if (id !== 0) (existing.subscriptionIds ??= []).push(id);
      continue;
    }
    const d: Delivery<K> = { subscriber, qos, retain, subscriptionIds: id !== 0 ? [id] : null };
    out.push(d);
    index?.set(subscriber, d);
  }
  return out;
}
