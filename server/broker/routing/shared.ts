/**
 * Shared subscriptions (`$share/<group>/<filter>`, MQTT 5 4.8.2; also accepted from 3.1.1
 * clients as most brokers do). The group sits in the subscription tree as one subscriber;
 * each matching message goes to one member, round-robin, preferring a member that can take
 * it right now (online, window open, socket not congested).
 */
import type { QoS } from 'mqtt-packet';
import type { Message } from '../message';
import type { StoredSubscription } from '../store/types';

export interface SharedMember {
  readonly clientId: string;
  /** Online with room in its window: the message would leave at once. */
  readyForDelivery(qos: QoS): boolean;
  /** Has a connection (even if busy). */
  readonly online: boolean;
  /** Keeps messages while offline. */
  readonly persistent: boolean;
  deliver(message: Message, qos: QoS, retain: boolean, subscriptionIds: number[] | null, shareFilter: string | null): void;
}

export class SharedGroup<M extends SharedMember> {
  /** The tree needs a subscriber key with a client ID: the share filter can never be one a publisher has… in practice, and no-local is refused on shared subscriptions anyway. */
  readonly clientId: string;
  private readonly members = new Map<M, StoredSubscription>();
  private list: M[] = [];
  private cursor = 0;

  constructor(
    /** The full `$share/<group>/<filter>`. */
    readonly shareFilter: string,
    /** The filter messages are matched against. */
    readonly filter: string,
  ) {
    this.clientId = shareFilter;
  }

  get size(): number {
    return this.members.size;
  }

  set(member: M, sub: StoredSubscription): void {
    if (!this.members.has(member)) this.list.push(member);
    this.members.set(member, sub);
  }

  delete(member: M): void {
    if (!this.members.delete(member)) return;
    this.list = this.list.filter((m) => m !== member);
    if (this.cursor >= this.list.length) this.cursor = 0;
  }

  /** Called by the router for a matching message (qos/retain/ids from the member's own subscription). */
  deliver(message: Message): void {
    this.deliverExcept(message, null);
  }

  /** Gives the message to one member other than `except`; false when nobody can take it. */
  deliverExcept(message: Message, except: M | null): boolean {
    const member = this.pick(message.qos, except);
    if (!member) return false;
    const sub = this.members.get(member)!;
    const qos = (sub.qos < message.qos ? sub.qos : message.qos) as QoS;
    member.deliver(message, qos, sub.retainAsPublished && message.retain, sub.subscriptionId !== 0 ? [sub.subscriptionId] : null, this.shareFilter);
    return true;
  }

  private pick(qos: QoS, except: M | null): M | null {
    const n = this.list.length;
    // Bounded: at most three passes over the members.
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      const m = this.list[index];
      if (m !== except && m.readyForDelivery(qos)) {
        this.cursor = (index + 1) % n;
        return m;
      }
    }
    for (const m of this.list) if (m !== except && m.online) return m;
    for (const m of this.list) if (m !== except && m.persistent && qos > 0) return m;
    return null;
  }
}
