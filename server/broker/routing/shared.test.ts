/** Shared subscriptions as clients see them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IDisconnectPacket, IPublishPacket } from 'mqtt-packet';
import { connectClient, eventually, inboxOf, RawClient, roundTrip, startBroker, type TestBroker } from '../testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
});
after(() => tb.close());

const v5 = { protocolVersion: 5 as const };

describe('shared subscriptions', () => {
  it('gives each message to one member of the group, spreading them; plain subscribers still get all', async () => {
    const a = await connectClient(tb.port, { clientId: 'sh-a', ...v5 });
    const b = await connectClient(tb.port, { clientId: 'sh-b' }); // 3.1.1 members are welcome too
    const plain = await connectClient(tb.port, { clientId: 'sh-plain', ...v5 });
    await a.subscribeAsync('$share/g1/sh/t', { qos: 1 });
    await b.subscribeAsync('$share/g1/sh/t', { qos: 1 });
    await plain.subscribeAsync('sh/t', { qos: 1 });
    const pub = await connectClient(tb.port, { clientId: 'sh-pub', ...v5 });
    const n = 20;
    for (let i = 0; i < n; i++) await pub.publishAsync('sh/t', String(i), { qos: 1 });
    await inboxOf(plain).waitFor(n);
    await Promise.all([roundTrip(a), roundTrip(b)]);
    const got = (c: typeof a) => inboxOf(c).messages.filter((m) => m.topic === 'sh/t').map((m) => Number(m.payload.toString()));
    const all = [...got(a), ...got(b)].sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
    assert.ok(got(a).length >= 5 && got(b).length >= 5, `split ${got(a).length}/${got(b).length}`);
    await Promise.all([a, b, plain, pub].map((c) => c.endAsync()));
  });

  it('gives an unacknowledged message to another member when its receiver leaves', async () => {
    const stuck = await RawClient.connect(tb.port, 5);
    await stuck.handshake({ clientId: 'sh-stuck' });
    stuck.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g2/sh2/t', qos: 1 }] });
    await stuck.next('suback');
    const pub = await connectClient(tb.port, { clientId: 'sh2-pub', ...v5 });
    await pub.publishAsync('sh2/t', 'hot potato', { qos: 1 });
    const p = (await stuck.next('publish')) as IPublishPacket;
    assert.equal(p.payload.toString(), 'hot potato');

    const healthy = await connectClient(tb.port, { clientId: 'sh-healthy', ...v5 });
    await healthy.subscribeAsync('$share/g2/sh2/t', { qos: 1 });
    stuck.close(); // leaves without PUBACK
    const [m] = await inboxOf(healthy).waitFor(1);
    assert.equal(m.payload.toString(), 'hot potato');
    await Promise.all([healthy.endAsync(), pub.endAsync()]);
  });

  it('stops routing to a group once its last member unsubscribes, and sends no retained messages', async () => {
    const pub = await connectClient(tb.port, { clientId: 'sh3-pub', ...v5 });
    await pub.publishAsync('sh3/t', 'retained', { qos: 1, retain: true });
    const c = await connectClient(tb.port, { clientId: 'sh3', ...v5 });
    await c.subscribeAsync('$share/g3/sh3/t', { qos: 1 });
    await roundTrip(c);
    assert.equal(inboxOf(c).messages.filter((m) => m.topic === 'sh3/t').length, 0);
    await c.unsubscribeAsync('$share/g3/sh3/t');
    await eventually(() => !tb.broker.instance('default')!.sharedGroups.has('$share/g3/sh3/t'), 'group removed');
    await Promise.all([c.endAsync(), pub.endAsync()]);
  });

  it('refuses no-local on a shared subscription as a protocol error', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake({ clientId: 'sh-nl' });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/x', qos: 1, nl: true }] });
    const d = (await c.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x82);
    await c.waitClose();
  });
});
