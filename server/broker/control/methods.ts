/**
 * Queries and commands the console may send the broker over the control channel
 * (supervisor.request(method, params) → one of these). Each answers with JSON-able data or
 * throws an Error whose message the console shows. Validate `params`: they cross a process boundary.
 */
import type { Broker } from '../broker';
import { lookupClient } from './client-lookup';
import { clientStatus } from './client-status';
import { disconnectClient } from './disconnect';
import { groupClients } from './group-clients';
import { liveTps } from './live-rate';
import { publishFromConsole } from './publish';
import { rocketmqTest, ruleStats } from './rules';
import { topicSubscribers } from './topic-subscribers';

export type ControlMethod = (broker: Broker, params: unknown) => unknown;

export const controlMethods: Record<string, ControlMethod> = {
  /** Live counters per instance. */
  stats(broker) {
    return Object.fromEntries(
      broker.instanceIds.map((id) => {
        const instance = broker.instance(id)!;
        // Connections as the maxConnections limit counts them (accepted CONNECTs); subscriptions
        // as maxSubscriptions does (each member of a shared group counts).
        let subscriptions = instance.router.size;
        for (const group of instance.sharedGroups.values()) subscriptions += group.size - 1;
        return [id, { connections: instance.connectedCount, subscriptions, tps: liveTps(instance), ...instance.stats }];
      }),
    );
  },
  /** "Send test message" from the console: publishes and answers the message ID. */
  publish: publishFromConsole,
  /** Live connections of a client ID (the client status API): `{ instanceId, clientId }` → `{ online }`. */
  clientStatus,
  /** Client lookup (console): one client ID's connections and session. */
  clientLookup: lookupClient,
  /** Client lookup by Group ID: online count and a page of online clients. */
  groupClients,
  /** Client lookup by topic: the sessions a message on it would reach. */
  topicSubscribers,
  /** Closes a client's live connections (MQTT 5: DISCONNECT 0x98). */
  disconnectClient,
  /** RocketMQ rules: counters per rule of an instance (`{ instanceId }`). */
  ruleStats,
  /** RocketMQ cluster check: endpoint, credentials, topic (`{ clusterId, topic? }`). */
  rocketmqTest,
};
