/**
 * One broker instance (a product "instance"): its own sessions, subscriptions, retained
 * messages, settings and policy. Instances share the process, the timer wheel and the write
 * batcher but never each other's messages: a client reaches exactly the instance whose
 * listener it dialled.
 */
import { createMessage, keepPayload, type Message, type NewMessage } from './message';
import { allowAll, type Policy } from './policy/policy';
import type { Connection } from './protocol/connection';
import type { WriteBatcher } from './protocol/write-batcher';
import { RC } from './protocol/reason-codes';
import type { RetainedStore } from './routing/retained';
import { p2pTarget } from './routing/p2p';
import { Router } from './routing/router';
import { SharedGroup } from './routing/shared';
import { parseSharedFilter } from './routing/topics';
import { Backlog } from './session/backlog';
import type { InstanceStats, SessionHost } from './session/host';
import { Session, type Outgoing, type Subscription } from './session/session';
import { resolveSettings, type InstanceSettings } from './settings';
import type { InstanceRules } from './rules/instance-rules';
import type { InstanceStore, SessionStore } from './store/types';
import { TpsGate } from './throttle/tps-gate';
import type { TimerWheel } from './timer-wheel';
import { MessageKind, type MessageOrigin, type TraceRecorder } from '../telemetry/kinds';

export interface InstanceOptions {
  settings?: Partial<InstanceSettings>;
  policy?: Policy;
}

export class BrokerInstance implements SessionHost {
  settings: InstanceSettings;
  policy: Policy;
  readonly sessions = new Map<string, Session>();
  readonly connections = new Set<Connection>();
  /** Where trace events go (server/telemetry/writer.ts); null = not recorded. Set by the Broker. */
  telemetry: TraceRecorder | null = null;
  /** Connections whose CONNECT was accepted and that have not ended yet (the maxConnections limit). */
  connectedCount = 0;
  readonly router = new Router<Session | SharedGroup<Session>>();
  /** Shared subscription groups by their full `$share/<group>/<filter>`. */
  readonly sharedGroups = new Map<string, SharedGroup<Session>>();
  /** When the counters in `stats` started from 0 (the statistics' first interval counts from here). */
  readonly statsSince = Date.now();
  readonly stats: InstanceStats = {
    received: 0,
    sent: 0,
    delivered: 0,
    dropped: 0,
    throttled: 0,
    offlineDropped: 0,
    offlineExpired: 0,
    offlineQueued: 0,
  };
  /** Every waiting QoS 1/2 delivery of the instance, bounded and aged out together. */
  readonly backlog: Backlog = new Backlog(this);
  /** Message TPS (in + out per second): publishers wait for the next second when it is used up. */
  readonly tps: TpsGate = new TpsGate(this);
  /**
   * The instance's RocketMQ rules (rules/instance-rules.ts): outflow of accepted messages and
   * client status events. null while it has none, so the hot paths pay one comparison.
   */
  rules: InstanceRules | null = null;

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
    if (options.settings) {
      const before = this.settings;
      this.settings = resolveSettings({ ...this.settings, ...options.settings });
      if (
        before.offlineStoreLimit !== this.settings.offlineStoreLimit ||
        before.offlineRetentionHours !== this.settings.offlineRetentionHours
      ) {
        this.backlog.settle();
      }
    }
    if (options.policy) this.policy = options.policy;
  }

  commit(): void {
    this.persistence.commit();
    // The rules' outbox too: a PUBACK leaves only once the message is buffered for RocketMQ.
    this.rules?.commit();
  }

  /** commit() has work to do. */
  get uncommitted(): boolean {
    return this.persistence.uncommitted || (this.rules?.uncommitted ?? false);
  }

  /**
   * Accepts a message: updates the retained store if RETAIN is set, then hands it to every
   * matching session (or, for a P2P topic, to its target only). Returns the number of
   * receiving sessions.
   */
  publish(message: Message, origin: MessageOrigin = 'pub_mqtt'): number {
    this.accept(message, origin);
    if (this.rules !== null) this.rules.outflow(message);
    const target = p2pTarget(message.topic);
    if (target !== null) return this.publishP2P(message, target);
    if (message.retain && this.settings.retainAvailable) {
      keepPayload(message);
      this.retained.set(message);
    }
    return this.router.deliver(message);
  }

  /**
   * A P2P message (routing/p2p.ts) goes to its target's session at the published QoS, without
   * a subscription; it is never retained. An online target gets it at once (queued behind a
   * full window like any delivery). For an offline target, offline keeping follows the
   * SENDER: a QoS 1/2 message from a persistent session (3.1.1 cleanSession=false, MQTT 5
   * session expiry > 0) — or from the broker itself (rules, console) — waits in the
   * target's persistent session; from a clean session it is not kept. A target with no
   * session at all (never connected, or its clean session ended) gets nothing: there is no
   * session to keep it in, and the publisher sees 0 receivers (MQTT 5: PUBACK 0x10).
   */
  private publishP2P(message: Message, targetId: string): number {
    const session = this.sessions.get(targetId);
    if (!session || session.ended) return 0;
    if (!session.online && (message.qos === 0 || !this.senderKeepsOffline(message))) return 0;
    session.deliver(message, message.qos, false, null);
    return 1;
  }

  /**
   * A P2P message whose receiver sees another topic than the P2P one (a data-inflow rule's
   * `mqttRealTopic`): routed to the client named in `p2pTopic`, delivered as `message.topic`.
   */
  publishP2PAs(message: Message, p2pTopic: string, origin: MessageOrigin): number {
    const target = p2pTarget(p2pTopic);
    if (target === null) return this.publish(message, origin);
    this.accept(message, origin);
    return this.publishP2P(message, target);
  }

  /** Bookkeeping of every accepted message: counters, its trace event, the TPS budget. */
  private accept(message: Message, origin: MessageOrigin): void {
    this.stats.received++;
    this.telemetry?.message(MessageKind[origin], this.id, message.publisher ?? '', message.id, message.topic, message.qos);
    this.tps.count();
  }

  private senderKeepsOffline(message: Message): boolean {
    // The broker's own messages are kept, unless a rule says its sender had a clean session.
    if (message.publisher === null) return message.cleanSession !== true;
    return this.sessions.get(message.publisher)?.persistent ?? false;
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
    // Queues came back session by session: order them by age, then age out and bound.
    this.backlog.settle(now);
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
    this.backlog.close();
    this.tps.close();
  }
}
