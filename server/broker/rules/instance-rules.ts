/**
 * One instance's outflow and status rules, as the broker's hot paths see them: a lookup by
 * parent topic (BrokerInstance.publish) and by Group ID (Connection.traceDevice). The instance
 * holds one only while it has such rules (BrokerInstance.rules, null otherwise).
 */
import { DeviceKind } from '../../telemetry/kinds';
import type { Message } from '../message';
import { outflowMessage, statusMessage, type StatusEventType } from './outflow-message';
import type { Outbox } from './outbox';
import type { RuleSender } from './sender';

/** What a status event needs of a connection (protocol/connection.ts). */
export interface StatusSource {
  clientId: string;
  channel: number;
  remoteAddress: string;
}

export class InstanceRules {
  /** Data outflow by source parent topic. */
  readonly outflows = new Map<string, RuleSender>();
  /** Client status notification by source Group ID. */
  readonly statuses = new Map<string, RuleSender>();

  constructor(private readonly outbox: Outbox) {}

  get empty(): boolean {
    return this.outflows.size === 0 && this.statuses.size === 0;
  }

  /** Every accepted message (BrokerInstance.publish): to the rule of its parent topic, if any. */
  outflow(message: Message): void {
    if (this.outflows.size === 0) return;
    const topic = message.topic;
    const slash = topic.indexOf('/');
    const parent = slash === -1 ? topic : topic.slice(0, slash);
    const sender = this.outflows.get(parent);
    if (sender === undefined) return;
    // QoS 0 may be lost (MQTT promises no more): it skips the disk.
    sender.push(outflowMessage(message, parent.length), message.qos > 0);
  }

  /** Device events (Connection.traceDevice): connect (accepted), disconnect (DISCONNECT), tcpclean (closed). */
  deviceEvent(kind: DeviceKind, conn: StatusSource, description: string): void {
    if (this.statuses.size === 0) return;
    let eventType: StatusEventType;
    if (kind === DeviceKind.connect) {
      if (description !== 'accepted') return;
      eventType = 'connect';
    } else eventType = kind === DeviceKind.disconnect ? 'disconnect' : 'tcpclean';
    const at = conn.clientId.indexOf('@@@');
    if (at <= 0) return;
    const sender = this.statuses.get(conn.clientId.slice(0, at));
    if (sender === undefined) return;
    sender.push(statusMessage(eventType, conn.clientId, conn.channel, conn.remoteAddress), true);
  }

  commit(): void {
    this.outbox.commit();
  }

  get uncommitted(): boolean {
    return this.outbox.uncommitted;
  }
}
