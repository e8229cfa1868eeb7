/**
 * Queries and commands the console may send the broker over the control channel
 * (supervisor.request(method, params) → one of these). Each answers with JSON-able data or
 * throws an Error whose message the console shows. Validate `params`: they cross a process boundary.
 */
import type { Broker } from '../broker';
import { clientStatus } from './client-status';
import { publishFromConsole } from './publish';

export type ControlMethod = (broker: Broker, params: unknown) => unknown;

export const controlMethods: Record<string, ControlMethod> = {
  /** Live counters per instance. */
  stats(broker) {
    return Object.fromEntries(
      broker.instanceIds.map((id) => {
        const instance = broker.instance(id)!;
        return [id, { connections: instance.connections.size, ...instance.stats }];
      }),
    );
  },
  /** "Send test message" from the console: publishes and answers the message ID. */
  publish: publishFromConsole,
  /** Live connections of a client ID (the client status API): `{ instanceId, clientId }` → `{ online }`. */
  clientStatus,
};
