/** The policy hook: the core asks, and honours the answers with the right codes per version. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate, type IConnackPacket, type IPubackPacket, type IPublishPacket, type ISubackPacket } from 'mqtt-packet';
import { connectClient, inboxOf, RawClient, startBroker, type TestBroker } from '../testing/helpers';
import type { Policy } from './policy';

const policy: Policy = {
  authenticate(req) {
    if (req.username === 'bad') return { ok: false, reason: 'bad-credentials' };
    if (req.username === 'banned') return { ok: false, reason: 'not-authorized' };
    if (req.username === 'slow') return new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 100));
    if (req.username === 'slow-no') return new Promise((resolve) => setTimeout(() => resolve({ ok: false, reason: 'identifier-rejected' }), 50));
    return { ok: true };
  },
  authorizePublish: (_client, topic) => !topic.startsWith('deny/'),
  authorizeSubscribe: (_client, filter, qos) =>
    filter.startsWith('deny/') ? false : filter.startsWith('secret/') ? { refuse: 0x87 } : filter.startsWith('max1/') ? (Math.min(qos, 1) as 0 | 1) : qos,
};

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ instance: { policy } });
});
after(() => tb.close());

describe('policy: authentication', () => {
  for (const [username, v4, v5] of [
    ['bad', 4, 0x86],
    ['banned', 5, 0x87],
    ['slow-no', 2, 0x85],
  ] as const) {
    it(`refuses '${username}' with CONNACK ${v4} (3.1.1) / 0x${v5.toString(16)} (5)`, async () => {
      const c4 = await RawClient.connect(tb.port, 4);
      assert.equal(((await c4.handshake({ username })) as IConnackPacket).returnCode, v4);
      await c4.waitClose();
      const c5 = await RawClient.connect(tb.port, 5);
      assert.equal(((await c5.handshake({ username })) as IConnackPacket).reasonCode, v5);
      await c5.waitClose();
    });
  }

  it('processes packets sent behind CONNECT once a slow authentication succeeds, in order', async () => {
    const c = await RawClient.connect(tb.port, 4);
    c.sendRaw(
      Buffer.concat([
        generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'slow-auth', keepalive: 0, username: 'slow' }),
        generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'pipe/t', qos: 1 }] }),
        generate({ cmd: 'publish', topic: 'pipe/t', payload: Buffer.from('to myself'), qos: 1, messageId: 2, dup: false, retain: false }),
      ]),
    );
    assert.equal(((await c.next('connack')) as IConnackPacket).returnCode, 0);
    await c.next('suback');
    const p = (await c.next('publish')) as IPublishPacket;
    assert.equal(p.payload.toString(), 'to myself');
    await c.next('puback');
    c.close();
  });
});

describe('policy: authorization', () => {
  it('3.1.1: an unauthorized PUBLISH closes the connection; SUBSCRIBE gets 0x80', async () => {
    const c = await RawClient.connect(tb.port, 4);
    await c.handshake({ clientId: 'authz4' });
    c.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'deny/x', qos: 1 },
        { topic: 'secret/x', qos: 1 },
        { topic: 'max1/x', qos: 2 },
        { topic: 'ok', qos: 2 },
      ],
    });
    assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [0x80, 0x80, 1, 2]);
    c.send({ cmd: 'publish', topic: 'deny/x', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
    await c.waitClose();
  });

  it('MQTT 5: reason codes instead, and the connection stays', async () => {
    const watcher = await connectClient(tb.port, { clientId: 'authz-watch' });
    await watcher.subscribeAsync('#', { qos: 1 });
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'authz5' });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'deny/x', qos: 1 }, { topic: 'secret/x', qos: 1 }] });
    assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [0x80, 0x87]);
    c.send({ cmd: 'publish', topic: 'deny/x', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
    assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0x87);
    c.send({ cmd: 'publish', topic: 'allowed', payload: Buffer.from('y'), qos: 1, messageId: 3, dup: false, retain: false });
    await c.next('puback');
    const [m] = await inboxOf(watcher).waitFor(1);
    assert.equal(m.topic, 'allowed'); // the refused one never reached anybody
    c.close();
    await watcher.endAsync();
  });

  it('refuses a will the client may not publish', async () => {
    const c = await RawClient.connect(tb.port, 5);
    const ack = (await c.handshake({ clientId: 'will-deny', will: { topic: 'deny/will', payload: Buffer.from('x'), qos: 0, retain: false } })) as IConnackPacket;
    assert.equal(ack.reasonCode, 0x87);
    await c.waitClose();
  });
});
