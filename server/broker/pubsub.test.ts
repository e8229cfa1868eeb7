/** Publish/subscribe as a client sees it: QoS both ways, wildcards, overlaps, order, unsubscribe, instances. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import { Broker } from './broker';
import { connectClient, HOST, Inbox, roundTrip, startBroker, type TestBroker } from './testing/helpers';

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
