/**
 * DISCONNECT from the client: a normal end, so the will is discarded — except MQTT 5 reason
 * 0x04 (disconnect with will). MQTT 5 may change the session expiry here, but not from 0.
 */
import type { IDisconnectPacket } from 'mqtt-packet';
import { DeviceKind } from '../../../telemetry/kinds';
import { ConnState, type Connection } from '../connection';
import { ProtocolViolation, RC } from '../reason-codes';

export function handleDisconnect(conn: Connection, packet: IDisconnectPacket): void {
  if (conn.protocolVersion === 5) {
    const expiry = packet.properties?.sessionExpiryInterval;
    if (expiry !== undefined && conn.session) {
      if (conn.connectedWithZeroExpiry && expiry !== 0) {
        throw new ProtocolViolation(RC.protocolError, 'session expiry raised from 0 at DISCONNECT');
      }
      conn.session.setExpiry(Math.min(expiry, conn.instance.settings.maxSessionExpiry));
    }
    conn.disconnectedCleanly = packet.reasonCode !== RC.disconnectWithWill;
  } else {
    if (packet.length !== 0) throw new ProtocolViolation(RC.malformedPacket, 'DISCONNECT with a body');
    conn.disconnectedCleanly = true;
  }
  if (conn.state === ConnState.Connected) {
    conn.endReason ??= 'disconnected by client';
    conn.traceDevice(DeviceKind.disconnect, 'disconnected by client');
    conn.endAfterOutput();
  }
}
