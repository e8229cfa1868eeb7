/**
 * The hand-written decoding of the message path's packets (codec.ts) must read exactly what
 * mqtt-packet's parser reads, and refuse what it refuses: every frame here is decoded both
 * ways and compared field by field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { decodePacket, MalformedPacket, publishFromFrame, type DecodedPublish } from './codec';

/** What mqtt-packet alone makes of a frame (or the error it reports). */
function reference(frame: Buffer, protocolVersion: number): Packet | Error {
  const p = createParser({ protocolVersion });
  let out: Packet | Error = new Error('incomplete packet');
  p.on('packet', (packet: Packet) => (out = packet));
  p.on('error', (err: Error) => (out = err));
  p.parse(frame);
  return out;
}

/** The fields handlers read. */
function fields(p: Packet): Record<string, unknown> {
  const x = p as Packet & Record<string, unknown>;
  const out: Record<string, unknown> = { cmd: x.cmd };
  for (const k of ['qos', 'dup', 'retain', 'topic', 'messageId', 'reasonCode', 'properties']) {
    if (x[k] !== undefined && x[k] !== null) out[k] = x[k];
  }
  if (x.payload !== undefined && x.payload !== null) out.payload = Buffer.from(x.payload as Buffer).toString('hex');
  return out;
}

function assertSameDecoding(frame: Buffer, protocolVersion: number): void {
  const expected = reference(frame, protocolVersion);
  if (expected instanceof Error) {
    assert.throws(() => decodePacket(frame, protocolVersion), MalformedPacket, `refused by mqtt-packet: ${frame.toString('hex')}`);
    return;
  }
  const actual = decodePacket(frame, protocolVersion);
  assert.deepEqual(fields(actual), fields(expected), `frame ${frame.toString('hex')} (v${protocolVersion})`);
}

describe('codec: decoding the message path by hand', () => {
  it('reads PUBLISH like mqtt-packet for every QoS, flag, version, topic and payload size', () => {
    const topics = ['a', 't/1/2', 'héllo/wörld/✓', 'x'.repeat(300)];
    const sizes = [0, 1, 64, 127, 128, 4096, 16383, 16384, 70000, 2_100_000];
    let n = 0;
    for (const protocolVersion of [3, 4, 5]) {
      for (const qos of [0, 1, 2] as const) {
        for (const topic of topics) {
          for (const size of sizes) {
            for (const flags of [0, 1, 2, 3]) {
              const packet = {
                cmd: 'publish' as const,
                topic,
                payload: Buffer.alloc(size, (size + flags) & 0xff),
                qos,
                dup: qos > 0 && (flags & 1) !== 0,
                retain: (flags & 2) !== 0,
                messageId: qos > 0 ? 1 + ((size * 7 + flags) % 65535) : undefined,
              };
              assertSameDecoding(generate(packet, { protocolVersion }), protocolVersion);
              n++;
            }
          }
        }
      }
    }
    assert.equal(n, 3 * 3 * topics.length * sizes.length * 4);
  });

  it('passes MQTT 5 PUBLISH properties through unchanged', () => {
    const frame = generate(
      {
        cmd: 'publish',
        topic: 'p',
        payload: Buffer.from('x'),
        qos: 1,
        messageId: 9,
        dup: false,
        retain: false,
        properties: { contentType: 'text/plain', userProperties: { k: 'v' }, messageExpiryInterval: 5 },
      },
      { protocolVersion: 5 },
    );
    assertSameDecoding(frame, 5);
    const { properties } = decodePacket(frame, 5) as { properties?: { userProperties?: object } };
    assert.deepEqual({ ...properties, userProperties: { ...properties?.userProperties } }, {
      contentType: 'text/plain',
      userProperties: { k: 'v' },
      messageExpiryInterval: 5,
    });
  });

  it('reads the acknowledgements and PINGREQ like mqtt-packet, short and long forms', () => {
    for (const protocolVersion of [4, 5]) {
      for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
        for (const messageId of [1, 255, 256, 65535]) {
          assertSameDecoding(generate({ cmd, messageId }, { protocolVersion }), protocolVersion);
        }
      }
      assertSameDecoding(generate({ cmd: 'pingreq' }), protocolVersion);
    }
    // MQTT 5 with a reason code (and properties): the long form.
    assertSameDecoding(Buffer.from([0x40, 0x03, 0x00, 0x07, 0x10]), 5);
    assertSameDecoding(generate({ cmd: 'pubrec', messageId: 3, reasonCode: 0x80, properties: { reasonString: 'no' } }, { protocolVersion: 5 }), 5);
  });

  it('refuses what mqtt-packet refuses', () => {
    const bad: [string, number[]][] = [
      ['PUBLISH with both QoS bits', [0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]],
      ['PUBLISH topic longer than the packet', [0x30, 0x03, 0x00, 0x09, 0x61]],
      ['PUBLISH QoS 1 without room for the packet ID', [0x32, 0x03, 0x00, 0x01, 0x61]],
      ['PUBREL with flags 0', [0x60, 0x02, 0x00, 0x01]],
      ['PUBACK with flags 2', [0x42, 0x02, 0x00, 0x01]],
      ['PUBACK with an invalid MQTT 5 reason code', [0x40, 0x03, 0x00, 0x01, 0x05]],
      ['PINGREQ with flags', [0xc1, 0x00]],
    ];
    for (const [why, bytes] of bad) {
      const frame = Buffer.from(bytes);
      for (const protocolVersion of [4, 5]) {
        const expected = reference(frame, protocolVersion);
        let actual: unknown;
        try {
          actual = decodePacket(frame, protocolVersion);
        } catch (err) {
          actual = err;
        }
        if (expected instanceof Error) assert.ok(actual instanceof MalformedPacket, `${why} (v${protocolVersion}) must be refused`);
        else assert.deepEqual(fields(actual as Packet), fields(expected), `${why} (v${protocolVersion})`);
      }
    }
  });

  it('re-sends a 3.1.1 PUBLISH from its frame: QoS 0 as it is, QoS 1/2 with the receiver\'s packet ID and DUP flag', () => {
    const qos0 = generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    assert.equal(publishFromFrame(qos0, 0, false), qos0);
    for (const topic of ['a', 'x'.repeat(200)]) {
      for (const size of [0, 64, 200, 20_000]) {
        for (const qos of [1, 2] as const) {
          const payload = Buffer.alloc(size, 3);
          const incoming = generate({ cmd: 'publish', topic, payload, qos, messageId: 777, dup: true, retain: false });
          const decoded = decodePacket(incoming, 4) as DecodedPublish;
          assert.equal(decoded.frame, incoming, 'a hand-decoded PUBLISH carries its frame');
          for (const [packetId, dup] of [[1, false], [65535, true], [300, false]] as const) {
            const expected = generate({ cmd: 'publish', topic, payload, qos, messageId: packetId, dup, retain: false });
            assert.deepEqual(publishFromFrame(incoming, packetId, dup), expected, `${topic.length}/${size}/${qos}/${packetId}`);
          }
          assert.equal(incoming.readUInt16BE(incoming.length - size - 2), 777, 'the original frame is left as it was');
          // In place (a message's first send): the same bytes, rewritten.
          const expected = generate({ cmd: 'publish', topic, payload, qos, messageId: 9, dup: false, retain: false });
          assert.equal(publishFromFrame(incoming, 9, false, true), incoming);
          assert.deepEqual(incoming, expected);
        }
      }
    }
  });
});
