/**
 * Client lookup by Group ID (PRODUCT.md §8): how many clients of the group are online, and a
 * page of them (by client ID). Control method `groupClients`:
 * `{ instanceId, groupId, offset?, limit? }` → GroupClients.
 */
import type { Broker } from '../broker';
import { ConnState } from '../protocol/connection';
import { describeConnection, type ConnectionInfo } from './client-lookup';
import { intParam, paramsObject, servedInstance, stringParam } from './params';

export const GROUP_PAGE_MAX = 500;

export interface OnlineClient extends ConnectionInfo {
  clientId: string;
  subscriptions: number;
}

export interface GroupClients {
  groupId: string;
  /** Client IDs of the group with a live connection. */
  online: number;
  /** Persistent sessions of the group whose client is offline (they still collect messages). */
  offlineSessions: number;
  offset: number;
  /** Online clients from `offset`, sorted by client ID. */
  clients: OnlineClient[];
}

export function groupClients(broker: Broker, params: unknown): GroupClients {
  const p = paramsObject('groupClients', params);
  const instance = servedInstance('groupClients', broker, p);
  const groupId = stringParam('groupClients', p, 'groupId', 64);
  const offset = intParam('groupClients', p, 'offset', 0, 1_000_000_000, 0);
  const limit = intParam('groupClients', p, 'limit', 1, GROUP_PAGE_MAX, 50);
  const prefix = `${groupId}@@@`;
  // One row per client ID; a takeover in progress can briefly show two connections: the newest wins.
  const byClient = new Map<string, OnlineClient>();
  for (const conn of instance.connections) {
    if (conn.state !== ConnState.Connected || !conn.clientId.startsWith(prefix)) continue;
    const known = byClient.get(conn.clientId);
    if (known && (known.connectedAt ?? 0) > conn.connectedAt) continue;
    byClient.set(conn.clientId, { clientId: conn.clientId, ...describeConnection(conn), subscriptions: conn.session?.subscriptionCount ?? 0 });
  }
  let offlineSessions = 0;
  for (const [clientId, session] of instance.sessions) {
    if (clientId.startsWith(prefix) && !session.online && !session.ended) offlineSessions++;
  }
  const ids = [...byClient.keys()].sort();
  return {
    groupId,
    online: ids.length,
    offlineSessions,
    offset,
    clients: ids.slice(offset, offset + limit).map((id) => byClient.get(id)!),
  };
}
