/**
 * One broker instance (a product "instance"): its own sessions, subscriptions, retained
 * messages, settings and policy. Instances share the process, the timer wheel and the write
 * batcher but never each other's messages: a client reaches exactly the instance whose
 * listener it dialled.
 */
import { createMessage, type Message, type NewMessage } from './message';
import { allowAll, type Policy } from './policy/policy';
import type { Connection } from './protocol/connection';
import type { WriteBatcher } from './protocol/write-batcher';
import { RC } from './protocol/reason-codes';
import type { RetainedStore } from './routing/retained';
import { Router } from './routing/router';
import { SharedGroup } from './routing/shared';
import { parseSharedFilter } from './routing/topics';
import type { InstanceStats, SessionHost } from './session/host';
import { Session, type Outgoing, type Subscription } from './session/session';
import { resolveSettings, type InstanceSettings } from './settings';
import type { InstanceStore, SessionStore } from './store/types';
import type { TimerWheel } from './timer-wheel';

export interface InstanceOptions {
  settings?: Partial<InstanceSettings>;
  policy?: Policy;
}

export class BrokerInstance implements SessionHost {
  settings: InstanceSettings;
  policy: Policy;
  readonly sessions = new Map<string, Session>();
  readonly connections = new Set<Connection>();
  readonly router = new Router<Session | SharedGroup<Session>>();
  /** Shared subscription groups by their full `$share/<group>/<filter>`. */
  readonly sharedGroups = new Map<string, SharedGroup<Session>>();
  readonly stats: InstanceStats = { received: 0, sent: 0, delivered: 0, dropped: 0 };

  constructor(
    readonly id: string,
    private readonly persistence: InstanceStore,
    readonly wheel: TimerWheel,
    readonly batcher: WriteBatcher,
    options: InstanceOptions = {},
  ) {
    this.settings = resolveSettings(options.settings);
    this.policy = options.policy ?? allowAll;
    this.restoreSessions();
  }

  get store(): SessionStore {
    return this.persistence.sessions;
  }

  get retained(): RetainedStore {
    return this.persistence.retained;
  }

  /** Settings and policy can change while clients are connected (the console edits an instance). */
  configure(options: InstanceOptions): void {
    if (options.settings) this.settings = resolveSettings({ ...this.settings, ...options.settings });
    if (options.policy) this.policy = options.policy;
  }

  commit(): void {
    this.persistence.commit();
  }

  /**
   * Accepts a message: updates the retained store if RETAIN is set, then hands it to every
   * matching session. Returns the number of receiving sessions.
   */
  publish(message: Message): number {
    this.stats.received++;
    if (message.retain && this.settings.retainAvailable) this.retained.set(message);
    const deliveries = this.router.match(message);
    for (const d of deliveries) d.subscriber.deliver(message, d.qos, d.retain, d.subscriptionIds);
    return deliveries.length;
  }

  publishWill(session: Session, will: NewMessage): void {
    // Expiry counts from when the will is sent, not from CONNECT.
    this.publish(createMessage({ ...will, publisher: session.clientId }));
  }

  route(session: Session, sub: Subscription): void {
    const shared = parseSharedFilter(sub.filter);
    if (!shared) {
      this.router.add(session, sub);
      return;
    }
    let group = this.sharedGroups.get(sub.filter);
    if (!group) {
      group = new SharedGroup<Session>(sub.filter, shared.filter);
      this.sharedGroups.set(sub.filter, group);
      // The group's own entry passes QoS and RETAIN through; each member's options apply when it is picked.
      this.router.add(group, {
        filter: shared.filter,
        qos: 2,
        noLocal: false,
        retainAsPublished: true,
        retainHandling: 2,
        subscriptionId: 0,
      });
    }
    group.set(session, sub);
  }

  unroute(session: Session, filter: string): void {
    const group = this.sharedGroups.get(filter);
    if (!group) {
      this.router.remove(session, filter);
      return;
    }
    group.delete(session);
    if (group.size === 0) {
      this.router.remove(group, group.filter);
      this.sharedGroups.delete(filter);
    }
  }

  redeliverShared(from: Session, entry: Outgoing): void {
    const group = entry.shareFilter ? this.sharedGroups.get(entry.shareFilter) : undefined;
    if (!group || !group.deliverExcept(entry.message, from)) this.stats.dropped++;
  }

  sessionEnded(session: Session): void {
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
  }

  private restoreSessions(): void {
    const now = Date.now();
    for (const stored of this.store.load()) {
      const session = Session.restore(this, stored, now);
      this.sessions.set(session.clientId, session);
    }
  }

  /**
   * Disconnects every client (MQTT 5: reason 0x8B). Wills are not sent: the clients did
   * nothing wrong, and everyone they would warn is being disconnected too.
   */
  close(): void {
    for (const conn of [...this.connections]) {
      conn.disconnectedCleanly = true;
      conn.closeWithReason(RC.serverShuttingDown, 'server shutting down');
    }
    for (const session of this.sessions.values()) this.wheel.cancel(session);
  }
}
