/**
 * The broker settings of one instance row of the console database (server/broker/main.ts
 * reconcile(), and the test fixture that serves a real database the same way): the product's
 * instance limits apply in every mode, open mode included.
 */
import type { Instance } from '@/db/schema';
import { packetSizeForPayload, type InstanceSettings } from '../settings';

export function instanceSettings(row: Instance): Partial<InstanceSettings> {
  return {
    maxKeepAlive: row.maxKeepAlive,
    // Limits enforced by the protocol handlers (README "Authentication and instance policy").
    maxConnections: row.maxConnections,
    maxSubscriptions: row.maxSubscriptions,
    maxSubscriptionsPerClient: row.maxSubscriptionsPerClient,
    maxTopicLength: row.maxTopicLength,
    maxPayloadBytes: row.maxPayloadBytes,
    // A payload at the top of the allowed range must fit in a packet (settings.ts).
    maxPacketSize: packetSizeForPayload(row.maxPayloadBytes),
    // Messaging: offline keeping and message TPS (session/backlog.ts, throttle/tps-gate.ts).
    offlineRetentionHours: row.offlineRetentionHours,
    offlineStoreLimit: row.offlineStoreLimit,
    maxTps: row.maxTps,
  };
}
