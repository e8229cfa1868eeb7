/**
 * The client status API's question to the broker: how many live (CONNACKed, not yet closing)
 * connections a client ID has on an instance. Asked over the control channel by the console
 * (control method `clientStatus`) and directly by the broker's own HTTP handler
 * (server/http/broker-http.ts), so both count the same way.
 */
import type { Broker } from '../broker';
import { ConnState } from '../protocol/connection';

/** Null when the broker does not serve that instance (not created yet, or deleted). */
export function onlineConnections(broker: Broker, instanceId: string, clientId: string): number | null {
  const instance = broker.instance(instanceId);
  if (!instance) return null;
  let online = 0;
  for (const conn of instance.connections) if (conn.state === ConnState.Connected && conn.clientId === clientId) online++;
  return online;
}

/** Control method: `{ instanceId, clientId }` → `{ online }`. */
export function clientStatus(broker: Broker, params: unknown): { online: number } {
  const { instanceId, clientId } = (params ?? {}) as Record<string, unknown>;
  if (typeof instanceId !== 'string' || typeof clientId !== 'string') {
    throw new Error('clientStatus needs { instanceId, clientId } as strings');
  }
  const online = onlineConnections(broker, instanceId, clientId);
  if (online === null) throw new Error(`the broker does not serve instance ${instanceId}`);
  return { online };
}
