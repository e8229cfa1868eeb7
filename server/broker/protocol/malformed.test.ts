/**
 * Bad input closes only the offending connection (MQTT 5: with a DISCONNECT reason), the
 * broker keeps running, and a bystander keeps sending and receiving throughout.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import { generate, type IDisconnectPacket, type Packet } from 'mqtt-packet';
import { connectClient, inboxOf, RawClient, startBroker, type TestBroker } from '../testing/helpers';

let tb: TestBroker;
let bystander: MqttClient;
let sent = 0;
before(async () => {
  tb = await startBroker({ instance: { settings: { maxPacketSize: 4096 } } });
  bystander = await connectClient(tb.port, { clientId: 'bystander' });
  await bystander.subscribeAsync('alive', { qos: 1 });
});
after(async () => {
  await bystander.endAsync();
  await tb.close();
});

/** The bystander still gets its own messages through the broker. */
async function assertBystanderWorks(): Promise<void> {
  sent++;
  await bystander.publishAsync('alive', String(sent), { qos: 1 });
  await inboxOf(bystander).waitFor(sent);
  assert.equal(bystander.connected, true);
}

async function connected(version: 4 | 5): Promise<RawClient> {
  const c = await RawClient.connect(tb.port, version);
  await c.handshake();
  return c;
}

/** Expects the broker to close; for MQTT 5 also the DISCONNECT reason code. */
async function expectClosed(c: RawClient, reason?: number): Promise<void> {
  await c.waitClose();
  if (reason !== undefined) {
    const d = c.pending().find((p) => p.cmd === 'disconnect') as IDisconnectPacket | undefined;
    assert.equal(d?.reasonCode, reason);
  }
}

describe('malformed packets', () => {
  const cases: [string, 4 | 5, number[] | Buffer, number | undefined][] = [
    ['reserved packet type 0', 4, [0x00, 0x00], undefined],
    ['reserved packet type 15 (AUTH) in 3.1.1', 4, [0xf0, 0x00], undefined],
    ['bad SUBSCRIBE header flags', 5, [0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61], 0x81],
    ['PUBLISH with both QoS bits', 5, [0x36, 0x04, 0x00, 0x01, 0x61, 0x00], 0x81],
    ['remaining length over four bytes', 5, [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], 0x81],
    ['SUBSCRIBE with QoS 3', 5, [0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x03], 0x81],
    ['SUBSCRIBE without filters', 4, [0x82, 0x02, 0x00, 0x01], undefined],
    ['PUBACK without a packet id', 4, [0x40, 0x00], undefined],
    ['PINGREQ with a body', 4, [0xc0, 0x01, 0x00], undefined],
    ['CONNACK sent by a client', 5, [0x20, 0x03, 0x00, 0x00, 0x00], 0x82],
    ['a string longer than its packet', 5, [0x30, 0x03, 0x00, 0x09, 0x61], 0x81],
    ['unknown property', 5, [0x30, 0x06, 0x00, 0x01, 0x61, 0x02, 0x7f, 0x00], 0x81],
  ];
  for (const [name, version, bytes, reason] of cases) {
    it(`closes on ${name}`, async () => {
      const c = await connected(version);
      c.sendRaw(bytes);
      await expectClosed(c, reason);
      await assertBystanderWorks();
    });
  }

  it('closes on a packet over the maximum packet size (MQTT 5: 0x95) before it has arrived', async () => {
    const c = await connected(5);
    // Announce 1 MB, send only the header: the broker must not wait for the rest.
    c.sendRaw([0x30, 0x80, 0x80, 0x40]);
    await expectClosed(c, 0x95);
    await assertBystanderWorks();
  });

  it('closes on PUBLISH to a wildcard topic (MQTT 5: 0x90)', async () => {
    const c = await connected(5);
    c.send({ cmd: 'publish', topic: 'a/+', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    await expectClosed(c, 0x90);
    await assertBystanderWorks();
  });

  it('closes on QoS 1 PUBLISH with packet id 0', async () => {
    const c = await connected(4);
    c.sendRaw([0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00]);
    await expectClosed(c);
    await assertBystanderWorks();
  });

  it('closes on an unknown topic alias (MQTT 5: 0x82) and an out-of-range one (0x94)', async () => {
    const c = await connected(5);
    c.send({ cmd: 'publish', topic: '', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { topicAlias: 3 } });
    await expectClosed(c, 0x82);
    const d = await connected(5);
    d.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { topicAlias: 1000 } });
    await expectClosed(d, 0x94);
    await assertBystanderWorks();
  });

  it('survives truncated packets and sockets that vanish mid-packet', async () => {
    const full = generate({ cmd: 'publish', topic: 'alive', payload: Buffer.alloc(100), qos: 1, messageId: 1, dup: false, retain: false });
    for (let cut = 1; cut < full.length; cut += 17) {
      const c = await connected(4);
      c.sendRaw(full.subarray(0, cut));
      c.close();
    }
    await assertBystanderWorks();
  });

  it('survives random garbage before and after CONNECT (fuzz)', async () => {
    const connect = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'fuzz', keepalive: 0 }, { protocolVersion: 5 });
    const valid: Packet[] = [
      { cmd: 'publish', topic: 'f/t', payload: Buffer.from('p'), qos: 1, messageId: 3, dup: false, retain: false },
      { cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'f/#', qos: 2 }] },
      { cmd: 'pingreq' },
      { cmd: 'pubrel', messageId: 9 },
    ];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 60; round++) {
      const c = await RawClient.connect(tb.port, 5);
      const parts: Buffer[] = [];
      if (round % 3 !== 0) parts.push(connect);
      for (let k = 0; k < 3; k++) {
        const base = generate(valid[rand(valid.length)], { protocolVersion: 5 });
        const mutated = Buffer.from(base);
        // Flip a few bytes, truncate, or append random bytes.
        const mode = rand(3);
        if (mode === 0) for (let f = 0; f < 1 + rand(3); f++) mutated[rand(mutated.length)] = rand(256);
        parts.push(mode === 1 ? mutated.subarray(0, rand(mutated.length)) : mutated);
        if (mode === 2) parts.push(randomBytes(rand(40)));
      }
      c.sendRaw(Buffer.concat(parts));
      // The broker either closes the connection or keeps it; either way it must answer the bystander.
      c.close();
    }
    await assertBystanderWorks();
  });
});
