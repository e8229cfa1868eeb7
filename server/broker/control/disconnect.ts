/**
 * "Disconnect" from the console's client lookup: closes the client's live connections. MQTT 5
 * clients get DISCONNECT 0x98 (Administrative action) first; the device trace records
 * 'disconnected by admin'. Like any close the server decides, the will is published. A
 * persistent session stays (the client may come back and find its messages).
 * Control method `disconnectClient`: `{ instanceId, clientId }` → `{ disconnected }`.
 */
import type { Broker } from '../broker';
import { RC } from '../protocol/reason-codes';
import { LOOKUP_CLIENT_ID_MAX, liveConnections } from './client-lookup';
import { paramsObject, servedInstance, stringParam } from './params';

export function disconnectClient(broker: Broker, params: unknown): { disconnected: number } {
  const p = paramsObject('disconnectClient', params);
  const instance = servedInstance('disconnectClient', broker, p);
  const clientId = stringParam('disconnectClient', p, 'clientId', LOOKUP_CLIENT_ID_MAX);
  const conns = liveConnections(instance, clientId);
  for (const conn of conns) {
    conn.endReason ??= 'disconnected by admin';
    conn.closeWithReason(RC.administrativeAction, 'disconnected by an administrator');
  }
  return { disconnected: conns.length };
}
