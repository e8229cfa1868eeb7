/**
 * Not a broker: the least a Node process must do to pass the latency scenario's messages on,
 * to show what the Node runtime itself costs on this machine. It knows exact topics only,
 * keeps no session, store, in-flight window or retained message, checks nothing, and answers
 * every packet the moment it is read, with Node's ordinary socket reads and writes. The
 * benchmark runs it in the fixed-rate latency phase only (MQTT 3.1.1, QoS 1, 64 B), with the
 * same Node options as our broker (process-tuning.ts).
 *
 *   node --import tsx bench/brokers/node-floor.ts <ignored> <port>
 * Prints {"ready":true,"port":N} once listening.
 */
import net from 'node:net';
import { Framer, remainingLengthSize } from '../lib/mqtt-raw';

const CONNECT = 1;
const PUBLISH = 3;
const SUBSCRIBE = 8;
const PINGREQ = 12;
const DISCONNECT = 14;

const CONNACK_OK = Buffer.from([0x20, 2, 0, 0]);
const PINGRESP = Buffer.from([0xd0, 0]);

/** Exact topic → its subscribers' sockets. */
const subscribers = new Map<string, net.Socket[]>();
let nextPacketId = 1;

function onPacket(socket: net.Socket, type: number, flags: number, buf: Buffer, start: number, end: number, headerStart: number): void {
  switch (type) {
    case CONNECT:
      socket.write(CONNACK_OK);
      break;
    case SUBSCRIBE: {
      const packetId = buf.readUInt16BE(start);
      const granted: number[] = [];
      for (let o = start + 2; o < end; ) {
        const n = buf.readUInt16BE(o);
        const topic = buf.toString('utf8', o + 2, o + 2 + n);
        granted.push(Math.min(buf[o + 2 + n], 1));
        o += 3 + n;
        const list = subscribers.get(topic);
        if (list) list.push(socket);
        else subscribers.set(topic, [socket]);
      }
      const suback = Buffer.alloc(4 + granted.length);
      suback[0] = 0x90;
      suback[1] = 2 + granted.length;
      suback.writeUInt16BE(packetId, 2);
      granted.forEach((q, i) => (suback[4 + i] = q));
      socket.write(suback);
      break;
    }
    case PUBLISH: {
      const qos = (flags >> 1) & 3;
      const topicLength = buf.readUInt16BE(start);
      const topic = buf.toString('utf8', start + 2, start + 2 + topicLength);
      // The subscribers' copies first, then the PUBACK: writing the PUBACK first makes every
      // delivery wait for that write (as our broker does, write-batcher.ts).
      for (const s of subscribers.get(topic) ?? []) {
        // The packet as it came, retain and DUP cleared, with a packet ID of this connection's.
        const out = Buffer.from(buf.subarray(headerStart, end));
        out[0] = 0x30 | (qos << 1);
        if (qos > 0) {
          out.writeUInt16BE(nextPacketId, start - headerStart + 2 + topicLength);
          nextPacketId = nextPacketId === 65535 ? 1 : nextPacketId + 1;
        }
        s.write(out);
      }
      if (qos > 0) socket.write(Buffer.from([0x40, 2, buf[start + 2 + topicLength], buf[start + 3 + topicLength]]));
      break;
    }
    case PINGREQ:
      socket.write(PINGRESP);
      break;
    case DISCONNECT:
      socket.end();
      break;
    // PUBACKs from subscribers: nothing is kept in flight, so there is nothing to do.
  }
}

const server = net.createServer({ noDelay: true }, (socket) => {
  const framer = new Framer((type, flags, buf, start, end) => {
    // The fixed header before `start`: one byte, then the remaining length (as the load generator wrote it, in the fewest bytes).
    onPacket(socket, type, flags, buf, start, end, start - 1 - remainingLengthSize(end - start));
  });
  socket.on('data', (chunk: Buffer) => framer.push(chunk));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    for (const list of subscribers.values()) {
      const i = list.indexOf(socket);
      if (i >= 0) list.splice(i, 1);
    }
  });
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: (server.address() as net.AddressInfo).port }));
});
process.on('SIGTERM', () => process.exit(0)); // nothing to keep
