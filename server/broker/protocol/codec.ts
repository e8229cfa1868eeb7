/**
 * Packet decoding and encoding.
 *
 * Decoding: frames arrive whole (framer.ts), so one mqtt-packet parser serves every
 * connection in the process; the connection only tells it which protocol version to assume.
 * The parser is lenient in places (it does not check every length or packet identifier), so
 * handlers still validate what they use. The packets of the message path (PUBLISH without
 * properties, the four acknowledgements in their short form, PINGREQ) are decoded here by
 * hand into the same shapes: they are most of the traffic, and mqtt-packet's streaming
 * parser (a BufferList and a state machine per packet) cost more than the rest of routing a
 * message. Anything else, or anything unusual about these, goes to mqtt-packet.
 *
 * Encoding: the packets sent most often (PUBLISH without properties, acknowledgements,
 * PINGRESP) are written by hand into one buffer; everything else goes through
 * mqtt-packet's generate.
 */
import { generate, parser as createParser, type IPublishPacket, type Packet, type Parser } from 'mqtt-packet';

export class MalformedPacket extends Error {}

type ParserWithSettings = Parser & { settings: { protocolVersion: number } };

const SETTINGS: Record<number, { protocolVersion: number }> = {
  3: { protocolVersion: 3 },
  4: { protocolVersion: 4 },
  5: { protocolVersion: 5 },
};

let decoded: Packet | null = null;
let decodeError: Error | null = null;
let shared = newParser();

function newParser(): ParserWithSettings {
  const p = createParser() as ParserWithSettings;
  p.on('packet', (packet: Packet) => {
    decoded = packet;
  });
  p.on('error', (err: Error) => {
    decodeError = err;
  });
  return p;
}

/** Decodes one whole frame. Throws MalformedPacket. */
export function decodePacket(frame: Buffer, protocolVersion: number): Packet {
  return decodeCommon(frame, protocolVersion) ?? decodeWithParser(frame, protocolVersion);
}

const ACK_CMD = [null, null, null, null, 'puback', 'pubrec', 'pubrel', 'pubcomp'] as const;

/**
 * The message path's packets, or null to leave the frame to mqtt-packet. Mirrors what
 * mqtt-packet would produce (and refuse) for them.
 */
function decodeCommon(frame: Buffer, protocolVersion: number): Packet | null {
  const first = frame[0];
  const type = first >> 4;
  // A one-byte remaining length covers acks and PINGREQ; PUBLISH may use up to four.
  if (type === 3) return decodePublish(frame, first, protocolVersion);
  if (type >= 4 && type <= 7) {
    // Short form only: packet ID alone (MQTT 5: reason code 0 and no properties implied).
    if (frame.length !== 4 || frame[1] !== 2 || (first & 0x0f) !== (type === 6 ? 2 : 0)) return null;
    const messageId = (frame[2] << 8) | frame[3];
    const cmd = ACK_CMD[type]!;
    const qos = type === 6 ? 1 : 0; // what mqtt-packet reads from PUBREL's required flags
    return protocolVersion === 5
      ? ({ cmd, messageId, reasonCode: 0, length: 2, qos, dup: false, retain: false } as Packet)
      : ({ cmd, messageId, length: 2, qos, dup: false, retain: false } as Packet);
  }
  if (type === 12 && first === 0xc0 && frame.length === 2 && frame[1] === 0) {
    return { cmd: 'pingreq', length: 0, qos: 0, dup: false, retain: false } as Packet;
  }
  return null;
}

/** A PUBLISH decoded by hand also carries the frame it was read from (see Message.frame). */
export type DecodedPublish = IPublishPacket & { frame?: Buffer };

function decodePublish(frame: Buffer, first: number, protocolVersion: number): Packet | null {
  const qos = (first >> 1) & 3;
  if (qos === 3) throw new MalformedPacket('Packet must not have both QoS bits set to 1');
  // Fixed header: the framer has checked the remaining length, so it ends the frame.
  let off = 1;
  while (frame[off] & 0x80) off++;
  off++;
  const length = frame.length - off;
  if (off + 2 > frame.length) return null; // let the parser word the error
  const topicLength = (frame[off] << 8) | frame[off + 1];
  const topicStart = off + 2;
  const topicEnd = topicStart + topicLength;
  let pos = topicEnd + (qos > 0 ? 2 : 0);
  if (pos > frame.length) return null;
  if (protocolVersion === 5) {
    // Properties other than none go to mqtt-packet (it knows every identifier's rules).
    if (pos >= frame.length || frame[pos] !== 0) return null;
    pos++;
  }
  const packet: DecodedPublish = {
    cmd: 'publish',
    retain: (first & 1) !== 0,
    qos,
    dup: (first & 8) !== 0,
    length,
    topic: frame.toString('utf8', topicStart, topicEnd),
    payload: frame.subarray(pos),
    frame,
  } as DecodedPublish;
  if (qos > 0) packet.messageId = (frame[topicEnd] << 8) | frame[topicEnd + 1];
  return packet;
}

function decodeWithParser(frame: Buffer, protocolVersion: number): Packet {
  decoded = null;
  decodeError = null;
  shared.settings = SETTINGS[protocolVersion] ?? SETTINGS[4];
  try {
    shared.parse(frame);
  } catch (err) {
    decodeError = err instanceof Error ? err : new Error(String(err));
  }
  const packet = decoded as Packet | null;
  const error = decodeError as Error | null;
  decoded = null;
  decodeError = null;
  if (error || !packet) {
    shared = newParser(); // drop whatever half-state the failed parse left behind
    throw new MalformedPacket(error?.message ?? 'incomplete packet');
  }
  return packet;
}

/** Encodes with mqtt-packet; generate throws on invalid input. */
export function encodePacket(packet: Packet, protocolVersion: number): Buffer {
  return generate(packet, SETTINGS[protocolVersion] ?? SETTINGS[4]);
}

export const PINGRESP = Buffer.from([0xd0, 0x00]);

const ACK_HEADER = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;
export type AckType = keyof typeof ACK_HEADER;

/** PUBACK/PUBREC/PUBREL/PUBCOMP. The reason code is only written for MQTT 5 and when not 0 (spec 3.4.2.1). */
export function encodeAck(type: AckType, packetId: number, protocolVersion: number, reasonCode = 0): Buffer {
  const long = protocolVersion === 5 && reasonCode !== 0;
  const buf = Buffer.allocUnsafe(long ? 5 : 4);
  buf[0] = ACK_HEADER[type];
  buf[1] = long ? 3 : 2;
  buf[2] = packetId >> 8;
  buf[3] = packetId & 0xff;
  if (long) buf[4] = reasonCode;
  return buf;
}

export interface OutgoingPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  packetId: number;
  dup: boolean;
  retain: boolean;
  /** MQTT 5 properties, already assembled for this receiver; null = none. */
  properties: Record<string, unknown> | null;
}

function varIntLength(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

export function encodePublish(p: OutgoingPublish, protocolVersion: number): Buffer {
  if (protocolVersion === 5 && p.properties) {
    return generate(
      {
        cmd: 'publish',
        topic: p.topic,
        payload: p.payload,
        qos: p.qos,
        messageId: p.qos > 0 ? p.packetId : undefined,
        dup: p.dup,
        retain: p.retain,
        properties: p.properties,
      },
      SETTINGS[5],
    );
  }
  const topicLength = Buffer.byteLength(p.topic);
  const remaining = 2 + topicLength + (p.qos > 0 ? 2 : 0) + (protocolVersion === 5 ? 1 : 0) + p.payload.length;
  const buf = Buffer.allocUnsafe(1 + varIntLength(remaining) + remaining);
  buf[0] = 0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 1 : 0);
  let off = 1;
  let rest = remaining;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    buf[off++] = byte;
  } while (rest > 0);
  buf.writeUInt16BE(topicLength, off);
  off += 2;
  off += buf.write(p.topic, off, 'utf8');
  if (p.qos > 0) {
    buf.writeUInt16BE(p.packetId, off);
    off += 2;
  }
  if (protocolVersion === 5) buf[off++] = 0; // empty property list
  p.payload.copy(buf, off);
  return buf;
}

/**
 * A 3.1.1 PUBLISH re-sent from the bytes it arrived in (Message.frame), at the frame's QoS:
 * QoS 0 is the frame itself; QoS 1/2 the frame with this receiver's packet identifier and DUP
 * flag, rewritten `inPlace` (the message's first such send, Message.frameFree) or in a copy.
 * Either way no encoding.
 */
export function publishFromFrame(frame: Buffer, packetId: number, dup: boolean, inPlace = false): Buffer {
  if ((frame[0] & 0x06) === 0) return frame;
  let buf = frame;
  if (!inPlace) {
    buf = Buffer.allocUnsafe(frame.length);
    frame.copy(buf);
  }
  buf[0] = (frame[0] & 0xf7) | (dup ? 0x08 : 0);
  let off = 1;
  while (frame[off] & 0x80) off++;
  off += 1 + 2 + ((frame[off + 1] << 8) | frame[off + 2]);
  buf[off] = packetId >> 8;
  buf[off + 1] = packetId & 0xff;
  return buf;
}
