/**
 * A minimal MQTT 3.1.1 client side for the load generator: hand-written encoders for the few
 * packets it sends and a framer that reads only what it needs (type, flags, packet id,
 * payload offset). Raw sockets keep the load generator's own cost per message low, so that
 * on a small machine most of the CPU goes to the broker being measured.
 */

export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const SUBACK = 9;

/** Bytes the remaining-length field takes for this length. */
export function remainingLengthSize(n: number): number {
  if (n < 128) return 1;
  if (n < 16_384) return 2;
  if (n < 2_097_152) return 3;
  return 4;
}

function writeRemainingLength(buf: Buffer, offset: number, n: number): number {
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    buf[offset++] = byte;
  } while (n > 0);
  return offset;
}

export function connectPacket(clientId: string, { clean, keepAlive }: { clean: boolean; keepAlive: number }): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const remaining = 10 + 2 + id.length;
  const buf = Buffer.allocUnsafe(1 + remainingLengthSize(remaining) + remaining);
  buf[0] = 0x10;
  let o = writeRemainingLength(buf, 1, remaining);
  o = buf.writeUInt16BE(4, o);
  o += buf.write('MQTT', o, 'latin1');
  buf[o++] = 4; // protocol level 3.1.1
  buf[o++] = clean ? 0x02 : 0x00;
  o = buf.writeUInt16BE(keepAlive, o);
  o = buf.writeUInt16BE(id.length, o);
  id.copy(buf, o);
  return buf;
}

export function subscribePacket(packetId: number, filter: string, qos: number): Buffer {
  const f = Buffer.from(filter, 'utf8');
  const remaining = 2 + 2 + f.length + 1;
  const buf = Buffer.allocUnsafe(1 + remainingLengthSize(remaining) + remaining);
  buf[0] = 0x82;
  let o = writeRemainingLength(buf, 1, remaining);
  o = buf.writeUInt16BE(packetId, o);
  o = buf.writeUInt16BE(f.length, o);
  o += f.copy(buf, o);
  buf[o] = qos;
  return buf;
}

export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/**
 * A PUBLISH to a fixed topic with a fixed payload size, written into a caller's buffer.
 * The payload starts with a header the receiving side reads back (see PayloadHeader).
 */
export class PublishTemplate {
  readonly size: number;
  /** Offset of the packet id (QoS > 0), from the start of the packet. */
  private readonly packetIdAt: number;
  readonly payloadAt: number;
  private readonly template: Buffer;

  constructor(topic: string, qos: number, payloadSize: number) {
    const t = Buffer.from(topic, 'utf8');
    const remaining = 2 + t.length + (qos > 0 ? 2 : 0) + payloadSize;
    this.size = 1 + remainingLengthSize(remaining) + remaining;
    const buf = Buffer.alloc(this.size, 0x61); // payload filler: 'a'
    buf[0] = 0x30 | (qos << 1);
    let o = writeRemainingLength(buf, 1, remaining);
    o = buf.writeUInt16BE(t.length, o);
    o += t.copy(buf, o);
    this.packetIdAt = qos > 0 ? o : -1;
    if (qos > 0) o += 2;
    this.payloadAt = o;
    this.template = buf;
  }

  /** Writes the packet at `offset` of `out` and returns the offset after it. */
  write(out: Buffer, offset: number, packetId: number, header: PayloadHeader): number {
    this.template.copy(out, offset);
    if (this.packetIdAt >= 0) out.writeUInt16BE(packetId, offset + this.packetIdAt);
    writeHeader(out, offset + this.payloadAt, header);
    return offset + this.size;
  }
}

/** What every payload starts with (16 bytes): when it was sent, and who sent which one. */
export interface PayloadHeader {
  /** Monotonic send time in microseconds (process.hrtime: the same clock in every process). */
  sentUs: number;
  /** Load-generator process of the publisher. */
  worker: number;
  /** Publisher index within its worker. */
  publisher: number;
  /** Per-publisher sequence number. */
  seq: number;
}

export const PAYLOAD_HEADER_SIZE = 16;

function writeHeader(buf: Buffer, o: number, h: PayloadHeader): void {
  buf.writeDoubleLE(h.sentUs, o);
  buf[o + 8] = h.worker;
  buf[o + 9] = 0;
  buf.writeUInt16LE(h.publisher, o + 10);
  buf.writeUInt32LE(h.seq >>> 0, o + 12);
}

export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/** Called for each whole packet read from a socket; `buf[start..end)` is the packet after its fixed header. */
export interface PacketHandler {
  (type: number, flags: number, buf: Buffer, start: number, end: number): void;
}

/**
 * Splits a socket's byte stream into packets. Keeps a leftover only when a packet spans
 * reads; most reads are handled in place.
 */
export class Framer {
  private rest: Buffer | null = null;

  constructor(private readonly onPacket: PacketHandler) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.rest) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let o = 0;
    const n = buf.length;
    while (o < n) {
      if (n - o < 2) break;
      const first = buf[o];
      let len = 0;
      let mul = 1;
      let p = o + 1;
      let complete = false;
      for (let i = 0; i < 4 && p < n; i++) {
        const b = buf[p++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || p + len > n) break;
      this.onPacket(first >> 4, first & 0x0f, buf, p, p + len);
      o = p + len;
    }
    if (o < n) this.rest = buf.subarray(o);
  }
}
