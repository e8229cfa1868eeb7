/** MQTT 3.1.1 / 5.0 CONNECT validation, checked byte by byte over raw sockets. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IConnackPacket } from 'mqtt-packet';
import { connectClient, RawClient, startBroker, type TestBroker } from '../testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ instance: { settings: { connectTimeoutMs: 300 } } });
});
after(() => tb.close());

/** A 3.1.1 CONNECT with the given flags byte, client ID 'c', keep-alive 0. */
function rawConnect(protocolName: string, level: number, flags: number, clientId = 'c'): Buffer {
  const name = Buffer.from(protocolName);
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, name.length]),
    name,
    Buffer.from([level, flags, 0, 0]),
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

describe('CONNECT validation (3.1.1)', () => {
  it('accepts a well-formed CONNECT with CONNACK 0', async () => {
    const c = await RawClient.connect(tb.port);
    const ack = (await c.handshake({ clientId: 'ok-1' })) as IConnackPacket;
    assert.equal(ack.returnCode, 0);
    assert.equal(ack.sessionPresent, false);
    c.close();
  });

  it('answers an unknown protocol level with CONNACK 1 and closes', async () => {
    const c = await RawClient.connect(tb.port);
    c.sendRaw(rawConnect('MQTT', 6, 0x02));
    const ack = (await c.next('connack')) as IConnackPacket;
    assert.equal(ack.returnCode, 1);
    await c.waitClose();
  });

  it('refuses a protocol name that does not go with the level', async () => {
    const c = await RawClient.connect(tb.port);
    c.sendRaw(rawConnect('MQIsdp', 4, 0x02));
    const ack = (await c.next('connack')) as IConnackPacket;
    assert.equal(ack.returnCode, 1);
    await c.waitClose();
  });

  it('closes without CONNACK when the reserved flag is set', async () => {
    const c = await RawClient.connect(tb.port);
    c.sendRaw(rawConnect('MQTT', 4, 0x03));
    await c.waitClose();
    assert.equal(c.pending().length, 0);
  });

  it('refuses an empty client ID without clean session with CONNACK 2', async () => {
    const c = await RawClient.connect(tb.port);
    c.sendRaw(rawConnect('MQTT', 4, 0x00, '')); // mqtt-packet refuses to generate this one
    const ack = (await c.next('connack')) as IConnackPacket;
    assert.equal(ack.returnCode, 2);
    await c.waitClose();
  });

  it('accepts an empty client ID with clean session', async () => {
    const c = await RawClient.connect(tb.port);
    const ack = (await c.handshake({ clientId: '', clean: true })) as IConnackPacket;
    assert.equal(ack.returnCode, 0);
    c.close();
  });

  it('closes when the first packet is not CONNECT', async () => {
    const c = await RawClient.connect(tb.port);
    c.send({ cmd: 'pingreq' });
    await c.waitClose();
  });

  it('closes on a second CONNECT', async () => {
    const c = await RawClient.connect(tb.port);
    await c.handshake({ clientId: 'twice' });
    c.send({ cmd: 'connect', clientId: 'twice', protocolVersion: 4, protocolId: 'MQTT', clean: true, keepalive: 0 });
    await c.waitClose();
  });

  it('closes on a password without a user name', async () => {
    const c = await RawClient.connect(tb.port);
    // flags: password (0x40) + clean session (0x02), no user name flag
    const base = rawConnect('MQTT', 4, 0x42);
    const withPassword = Buffer.concat([base, Buffer.from([0, 2, 0x61, 0x62])]);
    withPassword[1] += 4;
    c.sendRaw(withPassword);
    await c.waitClose();
    assert.equal(c.pending().length, 0);
  });

  it('closes on will QoS 3', async () => {
    const c = await RawClient.connect(tb.port);
    // will flag 0x04 + will QoS 3 (0x18) + clean 0x02; then will topic and message
    const base = rawConnect('MQTT', 4, 0x1e);
    const will = Buffer.from([0, 1, 0x74, 0, 1, 0x78]);
    const packet = Buffer.concat([base, will]);
    packet[1] += will.length;
    c.sendRaw(packet);
    await c.waitClose();
    assert.equal(c.pending().length, 0);
  });

  it('closes a socket that never sends CONNECT', async () => {
    const c = await RawClient.connect(tb.port);
    await c.waitClose(2000);
  });

  it('keeps serving after all of the above', async () => {
    const client = await connectClient(tb.port, { clientId: 'after' });
    await client.publishAsync('x', 'y', { qos: 1 });
    await client.endAsync();
  });
});

describe('CONNECT (MQTT 5)', () => {
  it('assigns a client identifier to an empty one', async () => {
    const c = await RawClient.connect(tb.port, 5);
    const ack = (await c.handshake({ clientId: '', clean: true })) as IConnackPacket;
    assert.equal(ack.reasonCode, 0);
    assert.match(ack.properties?.assignedClientIdentifier ?? '', /^magpie-/);
    c.close();
  });

  it('reports the limits it enforces in CONNACK', async () => {
    const c = await RawClient.connect(tb.port, 5);
    const ack = (await c.handshake({ clientId: 'limits' })) as IConnackPacket;
    assert.equal(ack.properties?.maximumPacketSize, 1024 * 1024);
    assert.equal(ack.properties?.topicAliasMaximum, 64);
    assert.equal(ack.properties?.receiveMaximum, 1024);
    assert.equal(ack.properties?.sharedSubscriptionAvailable, undefined); // absent = available
    c.close();
  });

  it('refuses enhanced authentication with 0x8C', async () => {
    const c = await RawClient.connect(tb.port, 5);
    const ack = (await c.handshake({ clientId: 'auth', properties: { authenticationMethod: 'SCRAM' } })) as IConnackPacket;
    assert.equal(ack.reasonCode, 0x8c);
    await c.waitClose();
  });

  it('refuses Receive Maximum 0 as a protocol error', async () => {
    const c = await RawClient.connect(tb.port, 5);
    const ack = (await c.handshake({ clientId: 'rm0', properties: { receiveMaximum: 0 } })) as IConnackPacket;
    assert.equal(ack.reasonCode, 0x82);
    await c.waitClose();
  });
});
