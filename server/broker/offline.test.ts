/**
 * Offline messages as clients see them (PRODUCT.md §4): the QoS × clean-session table, the
 * retention (offlineRetentionHours, and a shorter MQTT 5 message expiry), the instance-wide
 * store limit (oldest dropped first, counted), a stuck online subscriber's backlog under the
 * same rules, and a broker restart on the SQLite store.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { Broker } from './broker';
import type { InstanceOptions } from './instance';
import { SqlitePersistence } from './store/sqlite';
import { connectClient, eventually, HOST, inboxOf, RawClient, roundTrip, startBroker, type TestBroker } from './testing/helpers';

type Version = 4 | 5;

/** A persistent client (3.1.1 cleanSession=false, or MQTT 5 with a session expiry) with `qos` on `filter`, left offline. */
async function subscribeAndLeave(tb: TestBroker, clientId: string, filter: string, version: Version = 4, expiry = 3600): Promise<void> {
  const c = await connect(tb, clientId, version, expiry);
  await c.subscribeAsync(filter, { qos: 2 });
  await c.endAsync();
  await eventually(() => !tb.broker.instance('default')!.sessions.get(clientId)?.online, `${clientId} offline`);
}

function connect(tb: TestBroker, clientId: string, version: Version, expiry: number): Promise<MqttClient> {
  return version === 5
    ? connectClient(tb.port, { clientId, protocolVersion: 5, clean: expiry === 0, properties: { sessionExpiryInterval: expiry } })
    : connectClient(tb.port, { clientId, clean: expiry === 0 });
}

/** Reconnects (without resubscribing) and returns what arrives, proven complete by a round trip. */
async function collect(tb: TestBroker, clientId: string, version: Version = 4, expiry = 3600): Promise<string[]> {
  const c = await connectClient(tb.port, {
    clientId,
    clean: expiry === 0,
    resubscribe: false,
    ...(version === 5 ? { protocolVersion: 5 as const, properties: { sessionExpiryInterval: expiry } } : {}),
  });
  await roundTrip(c);
  await roundTrip(c); // the backlog is written right after CONNACK, before the round trip's PUBACK
  const got = inboxOf(c).messages.map((m) => `${m.payload.toString()}@${m.packet.qos}`);
  await c.endAsync();
  return got;
}

async function publishAll(tb: TestBroker, topic: string, payloads: string[], qos: 0 | 1 | 2 = 1, props?: object): Promise<void> {
  const pub = await connectClient(tb.port, { clientId: `pub-${Math.random().toString(36).slice(2)}`, protocolVersion: 5 });
  for (const p of payloads) await pub.publishAsync(topic, p, { qos, ...(props ? { properties: props } : {}) });
  await pub.endAsync();
}

async function withBroker(instance: InstanceOptions, body: (tb: TestBroker) => Promise<void>): Promise<void> {
  const tb = await startBroker({ instance });
  try {
    await body(tb);
  } finally {
    await tb.close();
  }
}

describe('offline messages: QoS × clean session', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(() => tb.close());

  for (const version of [4, 5] as const) {
    const name = version === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
    it(`${name}, persistent session: QoS 1 and QoS 2 are kept and all delivered, QoS 0 is not`, async () => {
      const id = `table-keep-${version}`;
      await subscribeAndLeave(tb, id, `table/${id}`, version);
      await publishAll(tb, `table/${id}`, ['a0'], 0);
      await publishAll(tb, `table/${id}`, ['a1', 'b1'], 1);
      await publishAll(tb, `table/${id}`, ['a2', 'b2'], 2);
      assert.deepEqual(await collect(tb, id, version), ['a1@1', 'b1@1', 'a2@2', 'b2@2']);
    });

    it(`${name}, clean session: nothing is kept`, async () => {
      const id = `table-clean-${version}`;
      await subscribeAndLeave(tb, id, `table/${id}`, version, 0);
      await publishAll(tb, `table/${id}`, ['x1'], 1);
      await publishAll(tb, `table/${id}`, ['x2'], 2);
      assert.deepEqual(await collect(tb, id, version, 0), []);
    });
  }

  it('a client that subscribed with cleanSession=false keeps receiving across reconnects until it unsubscribes', async () => {
    await subscribeAndLeave(tb, 'keeps', 'keeps/t');
    await publishAll(tb, 'keeps/t', ['1']);
    assert.deepEqual(await collect(tb, 'keeps'), ['1@1']);
    await publishAll(tb, 'keeps/t', ['2']);
    assert.deepEqual(await collect(tb, 'keeps'), ['2@1']);
    const c = await connectClient(tb.port, { clientId: 'keeps', clean: false, resubscribe: false });
    await c.unsubscribeAsync('keeps/t');
    await c.endAsync();
    await publishAll(tb, 'keeps/t', ['3']);
    assert.deepEqual(await collect(tb, 'keeps'), []);
  });
});

describe('retention', () => {
  it('a message older than offlineRetentionHours is not delivered: counted as expired, not dropped', async () => {
    await withBroker({ settings: { offlineRetentionHours: 2 / 3600 } }, async (tb) => {
      const stats = tb.broker.instance('default')!.stats;
      await subscribeAndLeave(tb, 'ret', 'ret/t');
      await publishAll(tb, 'ret/t', ['old1', 'old2', 'old3']);
      assert.equal(stats.offlineQueued, 3);
      // The sweep on the timer wheel ages them out while the client is still away.
      await eventually(() => stats.offlineQueued === 0, 'old messages aged out', 6000);
      assert.equal(stats.offlineExpired, 3);
      assert.equal(stats.offlineDropped, 0);
      assert.equal(stats.dropped, 0);
      await publishAll(tb, 'ret/t', ['fresh']);
      assert.deepEqual(await collect(tb, 'ret'), ['fresh@1']);
    });
  });

  it('a shorter MQTT 5 message expiry wins over the retention', async () => {
    await withBroker({}, async (tb) => {
      const stats = tb.broker.instance('default')!.stats;
      await subscribeAndLeave(tb, 'mexp', 'mexp/t', 5);
      await publishAll(tb, 'mexp/t', ['short'], 1, { messageExpiryInterval: 1 });
      await publishAll(tb, 'mexp/t', ['long'], 1, { messageExpiryInterval: 600 });
      await new Promise((r) => setTimeout(r, 1200));
      assert.deepEqual(await collect(tb, 'mexp', 5), ['long@1']);
      assert.equal(stats.offlineExpired, 1);
      assert.equal(stats.dropped, 0);
    });
  });

  it('lowering the retention while messages wait applies it at once', async () => {
    await withBroker({}, async (tb) => {
      const instance = tb.broker.instance('default')!;
      await subscribeAndLeave(tb, 'lower', 'lower/t');
      await publishAll(tb, 'lower/t', ['a', 'b']);
      await new Promise((r) => setTimeout(r, 300));
      tb.broker.addInstance('default', { settings: { offlineRetentionHours: 0.1 / 3600 } });
      assert.equal(instance.stats.offlineQueued, 0);
      assert.equal(instance.stats.offlineExpired, 2);
      tb.broker.addInstance('default', { settings: { offlineRetentionHours: 72 } });
      await publishAll(tb, 'lower/t', ['c']);
      assert.deepEqual(await collect(tb, 'lower'), ['c@1']);
    });
  });
});

describe('offline store limit (per instance, all sessions together)', () => {
  it('drops the oldest message of the instance first, whichever session holds it, and counts it', async () => {
    await withBroker({ settings: { offlineStoreLimit: 4 } }, async (tb) => {
      const instance = tb.broker.instance('default')!;
      await subscribeAndLeave(tb, 'lim-a', 'lim/a');
      await subscribeAndLeave(tb, 'lim-b', 'lim/b');
      await publishAll(tb, 'lim/a', ['a1', 'a2']);
      await publishAll(tb, 'lim/b', ['b1', 'b2']);
      await publishAll(tb, 'lim/a', ['a3']); // a1 goes
      await publishAll(tb, 'lim/b', ['b3']); // a2 goes: now the oldest of the instance
      assert.equal(instance.stats.offlineQueued, 4);
      assert.equal(instance.stats.offlineDropped, 2);
      assert.equal(instance.stats.dropped, 2);
      assert.equal(instance.sessions.get('lim-a')!.dropped, 2);
      assert.equal(instance.sessions.get('lim-b')!.dropped, 0);
      assert.deepEqual(await collect(tb, 'lim-a'), ['a3@1']);
      assert.deepEqual(await collect(tb, 'lim-b'), ['b1@1', 'b2@1', 'b3@1']);
      assert.equal(instance.stats.offlineQueued, 0);
    });
  });

  it('a stuck online subscriber keeps QoS 1 under the same rules, and never slows a healthy one', async () => {
    await withBroker({ settings: { offlineStoreLimit: 300, maxInflight: 256 } }, async (tb) => {
      const instance = tb.broker.instance('default')!;
      const stuck = await RawClient.connect(tb.port);
      await stuck.handshake({ clientId: 'stuck' });
      stuck.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'stuck/t', qos: 1 }] });
      await stuck.next('suback');
      // Never acknowledges: its window (maxInflight 256) fills, then its queue.
      const healthy = await connectClient(tb.port, { clientId: 'healthy' });
      await healthy.subscribeAsync('stuck/t', { qos: 1 });
      const pub = await connectClient(tb.port, { clientId: 'stuck-pub' });
      const n = 1000;
      for (let i = 0; i < n; i += 50) {
        const batch: Promise<unknown>[] = [];
        for (let k = i; k < i + 50; k++) batch.push(pub.publishAsync('stuck/t', String(k), { qos: 1 }));
        await Promise.all(batch);
      }
      const got = await inboxOf(healthy).waitFor(n, 10000);
      assert.deepEqual(
        got.map((m) => Number(m.payload.toString())),
        Array.from({ length: n }, (_, i) => i),
      );
      assert.equal(instance.sessions.get('healthy')!.dropped, 0);
      const stuckSession = instance.sessions.get('stuck')!;
      assert.equal(stuckSession.inflightCount, 256);
      assert.equal(stuckSession.queuedCount, 300);
      assert.equal(instance.stats.offlineDropped, n - 256 - 300);

      // Once it reads and acknowledges again: its window, then the newest 300, in order.
      const seen: number[] = [];
      while (seen.length < 556) {
        const p = (await stuck.next('publish')) as IPublishPacket;
        seen.push(Number(p.payload.toString()));
        stuck.send({ cmd: 'puback', messageId: p.messageId! });
      }
      assert.deepEqual(seen, [...Array.from({ length: 256 }, (_, i) => i), ...Array.from({ length: 300 }, (_, i) => 700 + i)]);
      stuck.close();
      await Promise.all([healthy.endAsync(), pub.endAsync()]);
    });
  });
});

describe('a broker restart on the SQLite store', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('keeps offline messages (P2P and subscribed), applies a lowered limit at start-up, and counts it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-offline-'));
    dirs.push(dir);
    let persistence = new SqlitePersistence(dir);
    let broker = new Broker({ persistence });
    let { port } = await broker.listen({ port: 0, host: HOST });
    let tb: TestBroker = { broker, port, url: '', close: () => broker.close() };
    await subscribeAndLeave(tb, 'GID_x@@@dev', 'Parent/sub');
    await publishAll(tb, 'Parent/sub', ['s1', 's2']);
    const sender = await connectClient(port, { clientId: 'GID_x@@@sender', clean: false });
    for (const p of ['p1', 'p2', 'p3']) await sender.publishAsync('Parent/p2p/GID_x@@@dev', p, { qos: 2 });
    await sender.endAsync();
    assert.equal(broker.instance('default')!.stats.offlineQueued, 5);
    await broker.close();
    persistence.close();

    persistence = new SqlitePersistence(dir);
    broker = new Broker({ persistence });
    broker.addInstance('default', { settings: { offlineStoreLimit: 3 } });
    ({ port } = await broker.listen({ port: 0, host: HOST }));
    tb = { broker, port, url: '', close: () => broker.close() };
    const stats = broker.instance('default')!.stats;
    assert.equal(stats.offlineQueued, 3);
    assert.equal(stats.offlineDropped, 2);
    assert.deepEqual(await collect(tb, 'GID_x@@@dev'), ['p1@2', 'p2@2', 'p3@2']);
    await broker.close();
    persistence.close();
  });
});
