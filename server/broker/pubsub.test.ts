/** Publish/subscribe as a client sees it: QoS both ways, wildcards, overlaps, order, unsubscribe, instances. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { Broker } from './broker';
import { connectClient, HOST, Inbox, RawClient, roundTrip, startBroker, type TestBroker } from './testing/helpers';

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
});
after(() => tb.close());

const clients: MqttClient[] = [];
async function client(clientId: string, protocolVersion: 4 | 5 = 4, extra = {}): Promise<MqttClient> {
  const c = await connectClient(tb.port, { clientId, protocolVersion, ...extra });
  clients.push(c);
  return c;
}
after(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
});

describe('QoS in both directions', () => {
  for (const version of [4, 5] as const) {
    it(`delivers at min(publish QoS, subscription QoS), MQTT ${version === 4 ? '3.1.1' : '5'}`, async () => {
      const pub = await client(`qos-pub-${version}`, version);
      const subs = await Promise.all([0, 1, 2].map((q) => client(`qos-sub-${version}-${q}`, version)));
      const inboxes = subs.map((s) => new Inbox(s));
      await Promise.all(subs.map((s, q) => s.subscribeAsync(`qos${version}/t`, { qos: q as 0 | 1 | 2 })));
      for (const q of [0, 1, 2] as const) await pub.publishAsync(`qos${version}/t`, `m${q}`, { qos: q });
      for (let sq = 0; sq < 3; sq++) {
        const got = await inboxes[sq].waitFor(3);
        assert.deepEqual(
          got.map((m) => [m.payload.toString(), m.packet.qos]),
          [0, 1, 2].map((pq) => [`m${pq}`, Math.min(pq, sq)]),
        );
      }
    });
  }

  it('gives every 3.1.1 receiver of a QoS 1 message its own packet identifier, and DUP on redelivery', async () => {
    const raw = async (clientId: string, clean = true) => {
      const c = await RawClient.connect(tb.port);
      await c.handshake({ clientId, clean });
      return c;
    };
    const subscribe = async (c: RawClient, topic: string) => {
      c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
      await c.next('suback');
    };
    const first = await raw('ids-first');
    const second = await raw('ids-second', false);
    const pub = await raw('ids-pub');
    await subscribe(first, 'ids/#');
    await subscribe(first, 'ids-same/t');
    await subscribe(second, 'ids-same/t');
    // `first` has used packet IDs 1-3 already; `second` none.
    for (let i = 0; i < 3; i++) {
      pub.send({ cmd: 'publish', topic: 'ids/warm', payload: Buffer.from('w'), qos: 1, messageId: 100 + i, dup: false, retain: false });
      const p = (await first.next('publish')) as IPublishPacket;
      first.send({ cmd: 'puback', messageId: p.messageId! });
    }
    // Both receivers' PUBLISH leave in the same write batch, made from the publisher's bytes.
    pub.send({ cmd: 'publish', topic: 'ids-same/t', payload: Buffer.from('both'), qos: 1, messageId: 4242, dup: false, retain: false });
    const a = (await first.next('publish')) as IPublishPacket;
    const b = (await second.next('publish')) as IPublishPacket;
    assert.deepEqual([a.messageId, a.dup, a.payload.toString()], [4, false, 'both']);
    assert.deepEqual([b.messageId, b.dup, b.payload.toString()], [1, false, 'both']);
    const acks: number[] = [];
    for (let i = 0; i < 4; i++) acks.push(((await pub.next('puback')) as IPublishPacket).messageId!);
    assert.deepEqual(acks, [100, 101, 102, 4242], 'the publisher\'s own packet IDs are acknowledged');

    // `second` leaves without acknowledging: its session sends it again, marked DUP.
    second.close();
    const back = await raw('ids-second', false);
    const again = (await back.next('publish')) as IPublishPacket;
    assert.deepEqual([again.messageId, again.dup, again.payload.toString(), again.topic], [1, true, 'both', 'ids-same/t']);
    for (const c of [first, back, pub]) c.close();
  });

  it('reports the granted QoS in SUBACK', async () => {
    const s = await client('granted');
    const granted = await s.subscribeAsync({ 'g/0': { qos: 0 }, 'g/1': { qos: 1 }, 'g/2': { qos: 2 } });
    assert.deepEqual(
      granted.map((g) => g.qos),
      [0, 1, 2],
    );
  });
});

describe('topic matching', () => {
  it('delivers by + and # and keeps $ topics away from first-level wildcards', async () => {
    const pub = await client('wc-pub');
    const hash = await client('wc-hash');
    const plus = await client('wc-plus');
    const sys = await client('wc-sys');
    const hashInbox = new Inbox(hash);
    const plusInbox = new Inbox(plus);
    const sysInbox = new Inbox(sys);
    await hash.subscribeAsync('#', { qos: 1 });
    await plus.subscribeAsync('wc/+/x', { qos: 1 });
    await sys.subscribeAsync('$SYS/#', { qos: 1 });
    for (const t of ['wc/a/x', 'wc/a/y', 'wc/a/x/z', '$SYS/load', 'wc//x']) await pub.publishAsync(t, t, { qos: 1 });
    await roundTrip(hash);
    await roundTrip(plus);
    await roundTrip(sys);
    const topicsOf = (i: Inbox) => i.messages.map((m) => m.topic).filter((t) => !t.startsWith('$roundtrip'));
    assert.deepEqual(topicsOf(hashInbox), ['wc/a/x', 'wc/a/y', 'wc/a/x/z', 'wc//x']);
    assert.deepEqual(topicsOf(plusInbox), ['wc/a/x', 'wc//x']);
    assert.deepEqual(topicsOf(sysInbox), ['$SYS/load']);
  });

  it('delivers a message once, at the highest QoS, to a client with overlapping subscriptions', async () => {
    const pub = await client('ov-pub');
    const sub = await client('ov-sub');
    const inbox = new Inbox(sub);
    await sub.subscribeAsync('ov/#', { qos: 0 });
    await sub.subscribeAsync('ov/+/c', { qos: 2 });
    await sub.subscribeAsync('ov/b/c', { qos: 1 });
    await pub.publishAsync('ov/b/c', 'once', { qos: 2 });
    await roundTrip(sub);
    const got = inbox.messages.filter((m) => m.topic === 'ov/b/c');
    assert.equal(got.length, 1);
    assert.equal(got[0].packet.qos, 2);
  });
});

describe('ordering', () => {
  // MQTT.js hands a QoS 2 message to the application only at PUBREL, a round trip later
  // than QoS 0/1, so QoS 2 order is checked on its own.
  for (const [name, qosOf] of [
    ['QoS 0 and 1 mixed', (i: number) => (i % 2) as 0 | 1],
    ['QoS 2', () => 2 as const],
  ] as const) {
    it(`keeps the order of one publisher on one topic (${name})`, async () => {
      const pub = await client(`ord-pub-${name}`);
      const sub = await client(`ord-sub-${name}`);
      const inbox = new Inbox(sub);
      await sub.subscribeAsync(`ord/${name}`, { qos: 2 });
      const n = 300;
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) sends.push(pub.publishAsync(`ord/${name}`, String(i), { qos: qosOf(i) }));
      await Promise.all(sends);
      const got = await inbox.waitFor(n, 10000);
      assert.deepEqual(
        got.map((m) => Number(m.payload.toString())),
        Array.from({ length: n }, (_, i) => i),
      );
    });
  }
});

describe('unsubscribe', () => {
  it('stops delivery for the filter and keeps the others', async () => {
    const pub = await client('un-pub');
    const sub = await client('un-sub');
    const inbox = new Inbox(sub);
    await sub.subscribeAsync(['un/a', 'un/b'], { qos: 1 });
    await sub.unsubscribeAsync('un/a');
    await pub.publishAsync('un/a', 'a', { qos: 1 });
    await pub.publishAsync('un/b', 'b', { qos: 1 });
    await inbox.waitFor(1);
    await roundTrip(sub);
    assert.deepEqual(
      inbox.messages.map((m) => m.topic),
      ['un/b'],
    );
  });
});

describe('instances', () => {
  it('never lets two instances see each other’s messages', async () => {
    const broker = new Broker();
    try {
      const a = await broker.listen({ port: 0, host: HOST, instanceId: 'mqtt-cn-a' });
      const b = await broker.listen({ port: 0, host: HOST, instanceId: 'mqtt-cn-b' });
      const subA = await connectClient(a.port, { clientId: 'same-id' });
      const subB = await connectClient(b.port, { clientId: 'same-id' });
      const inboxA = new Inbox(subA);
      const inboxB = new Inbox(subB);
      await subA.subscribeAsync('#', { qos: 1 });
      await subB.subscribeAsync('#', { qos: 1 });
      const pubA = await connectClient(a.port, { clientId: 'pub' });
      await pubA.publishAsync('t', 'for a', { qos: 1 });
      await inboxA.waitFor(1);
      await roundTrip(subB);
      assert.deepEqual(
        inboxA.messages.map((m) => m.payload.toString()),
        ['for a'],
      );
      // The same client ID on the other instance was not taken over, and saw nothing.
      assert.equal(subA.connected, true);
      assert.deepEqual(
        inboxB.messages.filter((m) => !m.topic.startsWith('$')).map((m) => m.topic),
        [],
      );
      await Promise.all([subA, subB, pubA].map((c) => c.endAsync()));
    } finally {
      await broker.close();
    }
  });
});
