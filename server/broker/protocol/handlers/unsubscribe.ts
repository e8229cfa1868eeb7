/** UNSUBSCRIBE: remove each filter; MQTT 5 UNSUBACK says per filter whether it existed. */
import type { IUnsubscribePacket } from 'mqtt-packet';
import type { Connection } from '../connection';
import { ProtocolViolation, RC } from '../reason-codes';

export function handleUnsubscribe(conn: Connection, packet: IUnsubscribePacket): void {
  const session = conn.session!;
  const packetId = packet.messageId ?? 0;
  if (!(packetId >= 1 && packetId <= 65535)) throw new ProtocolViolation(RC.malformedPacket, 'missing packet identifier');
  if (packet.unsubscriptions.length === 0) throw new ProtocolViolation(RC.protocolError, 'UNSUBSCRIBE without filters');
  const codes: number[] = [];
  for (const filter of packet.unsubscriptions) {
    codes.push(session.unsubscribe(filter) ? RC.success : RC.noSubscriptionExisted);
  }
  // 3.1.1 UNSUBACK has no payload; mqtt-packet leaves `granted` out for it.
  conn.writePacket({ cmd: 'unsuback', messageId: packetId, granted: codes });
}
