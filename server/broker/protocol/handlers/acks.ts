/**
 * The acknowledgements of QoS 1/2 exchanges.
 * Outgoing (we published): PUBACK ends QoS 1; PUBREC → we send PUBREL; PUBCOMP ends QoS 2.
 * Incoming (the client published QoS 2): PUBREL → we forget the packet ID and send PUBCOMP.
 */
import type { IPubackPacket, IPubcompPacket, IPubrecPacket, IPubrelPacket } from 'mqtt-packet';
import { encodeAck } from '../codec';
import type { Connection } from '../connection';
import { ProtocolViolation, RC } from '../reason-codes';

function packetIdOf(packet: { messageId?: number }): number {
  const id = packet.messageId ?? 0;
  if (!(id >= 1 && id <= 65535)) throw new ProtocolViolation(RC.malformedPacket, 'missing packet identifier');
  return id;
}

export function handlePuback(conn: Connection, packet: IPubackPacket): void {
  const id = packetIdOf(packet);
  const session = conn.session!;
  // An unknown or non-QoS-1 id is ignored: it may be a late ack for an exchange already done.
  if (session.isInflight(id, 1)) {
    conn.traceAck(session.inflightMessage(id)!, 1);
    session.complete(id);
  }
}

export function handlePubrec(conn: Connection, packet: IPubrecPacket): void {
  const id = packetIdOf(packet);
  const result = conn.session!.received(id, packet.reasonCode ?? 0);
  if (result === 'pubrel') conn.write(encodeAck('pubrel', id, conn.protocolVersion));
  else if (result === 'unknown') conn.write(encodeAck('pubrel', id, conn.protocolVersion, RC.packetIdentifierNotFound));
}

export function handlePubrel(conn: Connection, packet: IPubrelPacket): void {
  const id = packetIdOf(packet);
  const known = conn.session!.releaseIncomingQos2(id);
  conn.write(encodeAck('pubcomp', id, conn.protocolVersion, known ? RC.success : RC.packetIdentifierNotFound));
}

export function handlePubcomp(conn: Connection, packet: IPubcompPacket): void {
  const id = packetIdOf(packet);
  const session = conn.session!;
  if (session.isInflight(id, 2)) {
    conn.traceAck(session.inflightMessage(id)!, 2);
    session.complete(id);
  }
}
