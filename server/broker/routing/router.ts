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

  /** The deliveries for a message, one per subscriber. */
  match(message: Message): Delivery<K>[] {
    const out: Delivery<K>[] = [];
    let index: Map<K, Delivery<K>> | null = null;
    this.tree.match(message.topic, (subscriber, sub) => {
      if (sub.noLocal && message.publisher === subscriber.clientId) return;
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
        return;
      }
      const d: Delivery<K> = { subscriber, qos, retain, subscriptionIds: id !== 0 ? [id] : null };
      out.push(d);
      index?.set(subscriber, d);
    });
    return out;
  }
}
