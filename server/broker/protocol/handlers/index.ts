/** Routes a decoded packet to its handler; packets a client may not send close the connection. */
import type { Packet } from 'mqtt-packet';
import { ConnState, type Connection } from '../connection';
import { ProtocolViolation, RC } from '../reason-codes';
import { handlePuback, handlePubcomp, handlePubrec, handlePubrel } from './acks';
import { handleConnect } from './connect';
import { handleDisconnect } from './disconnect';
import { handlePingreq } from './pingreq';
import { handlePublish } from './publish';
import { handleSubscribe } from './subscribe';
import { handleUnsubscribe } from './unsubscribe';

export function dispatch(conn: Connection, packet: Packet): void {
  if (conn.state !== ConnState.Connected) {
    if (packet.cmd === 'connect' && conn.state === ConnState.New) return handleConnect(conn, packet);
    // [MQTT-3.1.0-1] nothing before CONNECT; and nothing while it is being answered.
    throw new ProtocolViolation(RC.protocolError, `${packet.cmd} before CONNECT completed`);
  }
  switch (packet.cmd) {
    case 'publish':
      return handlePublish(conn, packet);
    case 'puback':
      return handlePuback(conn, packet);
    case 'pubrec':
      return handlePubrec(conn, packet);
    case 'pubrel':
      return handlePubrel(conn, packet);
    case 'pubcomp':
      return handlePubcomp(conn, packet);
    case 'subscribe':
      return handleSubscribe(conn, packet);
    case 'unsubscribe':
      return handleUnsubscribe(conn, packet);
    case 'pingreq':
      return handlePingreq(conn, packet);
    case 'disconnect':
      return handleDisconnect(conn, packet);
    case 'connect':
      // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
      throw new ProtocolViolation(RC.protocolError, 'second CONNECT');
    case 'auth':
      // Enhanced authentication is not offered, so AUTH can never be expected.
      throw new ProtocolViolation(RC.protocolError, 'AUTH without an authentication method');
    default:
      throw new ProtocolViolation(RC.protocolError, `${packet.cmd} is not sent by clients`);
  }
}
