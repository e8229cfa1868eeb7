/**
 * Plain HTTP on each instance's WebSocket ports (ws and wss), served by the broker process:
 * the client status API for that instance, as the cloud serves it on the instance's endpoint.
 * Anything else answers as the listener would without a handler (426 on /mqtt, else 404).
 */
import type { Db } from '@/db/client';
import type { Broker } from '../broker/broker';
import { onlineConnections } from '../broker/control/client-status';
import type { HttpRequestHandler } from '../broker/listeners/websocket';
import type { MagpieConfig } from '../config';
import { openSecretBox } from '../crypto/secret-box';
import { CLIENT_STATUS_PATH, handleClientStatus } from './client-status';
import { pathOf } from './request';

export function brokerHttpHandler(db: Db, config: MagpieConfig, broker: Broker): HttpRequestHandler {
  // AccessKey secrets are sealed with the data directory's key, which the console shares.
  const backend = { db, config, secrets: openSecretBox(config.dataDir) };
  return async (req, res, { instanceId }) => {
    const path = pathOf(req.url);
    if (path === CLIENT_STATUS_PATH) {
      await handleClientStatus(req, res, backend, (id, clientId) => onlineConnections(broker, id, clientId) ?? 0, {
        servingInstanceId: instanceId,
      });
    } else if (path === '/mqtt') {
      res
        .writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'Upgrade' })
        .end('MQTT over WebSocket: upgrade with subprotocol mqtt\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  };
}
