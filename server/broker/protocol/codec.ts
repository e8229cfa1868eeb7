/**
 * Packet decoding and encoding.
 *
 * Decoding: frames arrive whole (framer.ts), so one mqtt-packet parser serves every
 * connection in the process; the connection only tells it which protocol version to assume.
 * The parser is lenient in places (it does not check every length or packet identifier), so
 * handlers still validate what they use.
 *
 * Encoding: the packets sent most often (PUBLISH without properties, acknowledgements,
 * PINGRESP) are written by hand into one buffer; everything else goes through
 * mqtt-packet's generate.
 */
import { generate, parser as createParser, type Packet, type Parser } from 'mqtt-packet';

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
  if (protocolVersion === 5 && reasonCode !== 0) {
    return Buffer.from([ACK_HEADER[type], 3, packetId >> 8, packetId & 0xff, reasonCode]);
  }
  return Buffer.from([ACK_HEADER[type], 2, packetId >> 8, packetId & 0xff]);
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
