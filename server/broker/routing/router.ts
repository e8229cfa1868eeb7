/**
 * Finds who gets a published message. One delivery per subscriber even when several of its
 * subscriptions match (overlapping filters): at the highest QoS granted among them, with
 * every matching subscription identifier, retained if any of them asked for
 * retain-as-published. Subscriptions with no-local skip the publisher's own messages.
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

export class Router<K extends Subscriber> {
  private readonly tree = new SubscriptionTree<K, StoredSubscription>();

  /** Total (subscriber, filter) pairs. */
  get size(): number {
    return this.tree.size;
  }

  add(subscriber: K, sub: StoredSubscription): void {
    this.tree.add(sub.filter, subscriber, sub);
  }

  remove(subscriber: K, filter: string): void {
    this.tree.remove(filter, subscriber);
  }

  /** Scratch arrays for deliver(): routing allocates nothing per message for them. */
  private readonly matchedKeys: K[] = [];
  private readonly matchedSubs: StoredSubscription[] = [];

  /**
   * Delivers a message to every matching subscriber, once each; returns how many got it.
   * The common case, one matching subscription, goes straight to the subscriber.
   */
  deliver(message: Message): number {
    const keys = this.matchedKeys;
    const subs = this.matchedSubs;
    this.tree.collect(message.topic, keys, subs);
    if (keys.length === 0) return 0;
    if (keys.length !== 1) {
      const deliveries = deliveriesOf(message, keys, subs);
      keys.length = 0;
      subs.length = 0;
      for (const d of deliveries) d.subscriber.deliver(message, d.qos, d.retain, d.subscriptionIds);
      return deliveries.length;
    }
    const subscriber = keys[0];
    const sub = subs[0];
    // Cleared before delivering: a delivery can lead to another publish (a will), which routes too.
    keys.length = 0;
    subs.length = 0;
    if (sub.noLocal && message.publisher === subscriber.clientId) return 0;
    const qos = (sub.qos < message.qos ? sub.qos : message.qos) as QoS;
    subscriber.deliver(message, qos, sub.retainAsPublished && message.retain, sub.subscriptionId !== 0 ? [sub.subscriptionId] : null);
    return 1;
  }

  /** The deliveries for a message, one per subscriber. */
  match(message: Message): Delivery<K>[] {
    const keys: K[] = [];
    const subs: StoredSubscription[] = [];
    this.tree.collect(message.topic, keys, subs);
    return deliveriesOf(message, keys, subs);
  }
}

/** One delivery per subscriber from the matching (subscriber, subscription) pairs. */
function deliveriesOf<K extends Subscriber>(message: Message, keys: K[], subs: StoredSubscription[]): Delivery<K>[] {
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
