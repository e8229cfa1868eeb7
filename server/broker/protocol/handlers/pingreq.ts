/** PINGREQ: answer PINGRESP (receiving it already refreshed the keep-alive). */
import type { IPingreqPacket } from 'mqtt-packet';
import { PINGRESP } from '../codec';
import type { Connection } from '../connection';
import { ProtocolViolation, RC } from '../reason-codes';

export function handlePingreq(conn: Connection, packet: IPingreqPacket): void {
  if (packet.length !== 0) throw new ProtocolViolation(RC.malformedPacket, 'PINGREQ with a body');
  conn.write(PINGRESP);
}
