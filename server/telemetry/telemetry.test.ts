/**
 * Telemetry end to end: real MQTT clients against an in-process broker that records into a
 * real telemetry.db (worker thread and all), read back with the console's TelemetryReader.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { createMessage, setMessageIdNode } from '../broker/message';
import { connectClient, endClient, eventually, inboxOf, RawClient, startBroker, type TestBroker } from '../broker/testing/helpers';
import type { MessageColumns } from './batch';
import { prepareTelemetryDatabase } from './database';
import { MessageKind } from './kinds';
import { listPartitions, partitionTables, segmentEvents } from './partitions';
import { TelemetryReader, type DeviceEvent } from './queries';
import { TelemetryStore } from './store';
import { writeOldMessages } from './testing/old-events';
import { TelemetryWriter } from './writer';

const ID = /^[0-9a-f]{32}$/;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-telemetry-'));
}

/** Polls the database (flushing the writer first) until `read` returns something truthy. */
async function settled<T>(writer: TelemetryWriter, read: () => T | null | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await writer.flush();
    const value = read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('telemetry', () => {
  let dir: string;
  let writer: TelemetryWriter;
  let broker: TestBroker;
  let reader: TelemetryReader;
  const instanceId = 'default';
  const range = () => ({ instanceId, from: 0, to: Date.now() + 1000 });
  const clients: MqttClient[] = [];

  before(async () => {
    dir = tempDir();
    writer = TelemetryWriter.open(dir);
    setMessageIdNode(writer.nodeId);
    broker = await startBroker({ telemetry: writer });
    reader = new TelemetryReader(dir);
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await broker.close();
    await writer.close();
    reader.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function client(clientId: string, options: Parameters<typeof connectClient>[1] = {}): Promise<MqttClient> {
    const c = await connectClient(broker.port, { clientId, ...options });
    clients.push(c);
    return c;
  }

  it('traces a message from its publisher to its subscriber under one 32-hex-digit ID, with the acknowledgement', async () => {
    const sub = await client('sub-1');
    await sub.subscribeAsync('Orders/#', { qos: 1 });
    const pub = await client('pub-1');
    await pub.publishAsync('Orders/a', 'hello', { qos: 1 });
    await inboxOf(sub).waitFor(1);

    const sent = await settled(writer, () => reader.messagesOfClient({ ...range(), clientId: 'pub-1' })[0], 'the publish event');
    assert.equal(sent.kind, 'pub_mqtt');
    assert.match(sent.messageId, ID);
    assert.equal(sent.topic, 'Orders/a');
    assert.equal(sent.qos, 1);
    assert.equal(sent.acked, null);

    const trace = await settled(writer, () => {
      const t = reader.traceMessage(sent.messageId);
      return t?.deliveries[0]?.acked ? t : null;
    }, 'the acknowledged delivery');
    assert.equal(trace.instanceId, instanceId);
    assert.equal(trace.topic, 'Orders/a');
    assert.deepEqual(trace.origin && { kind: trace.origin.kind, clientId: trace.origin.clientId }, { kind: 'pub_mqtt', clientId: 'pub-1' });
    assert.equal(trace.deliveries.length, 1);
    assert.equal(trace.deliveries[0].kind, 'sub');
    assert.equal(trace.deliveries[0].clientId, 'sub-1');
    assert.ok(trace.deliveries[0].ackedAt! >= trace.deliveries[0].time);

    // The subscriber's own history has the same message under the same ID.
    const received = reader.messagesOfClient({ ...range(), clientId: 'sub-1' });
    assert.deepEqual(
      received.map((e) => [e.kind, e.messageId, e.acked]),
      [['sub', sent.messageId, true]],
    );
    // And the topic's messages list it.
    const onTopic = reader.messagesOfTopic({ ...range(), topic: 'Orders/a' });
    assert.deepEqual(
      onTopic.map((e) => [e.kind, e.messageId, e.clientId]),
      [['pub_mqtt', sent.messageId, 'pub-1']],
    );
  });

  it('shows a QoS 1 delivery as unacknowledged until the client sends PUBACK', async () => {
    const raw = await RawClient.connect(broker.port);
    await raw.handshake({ clientId: 'slow-acker' });
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'Slow/#', qos: 1 }] });
    await raw.next('suback');
    const pub = await client('pub-slow');
    await pub.publishAsync('Slow/x', 'a', { qos: 1 });
    const publish = await raw.next('publish');

    const delivery = await settled(writer, () => reader.messagesOfClient({ ...range(), clientId: 'slow-acker' })[0], 'the delivery');
    assert.equal(delivery.kind, 'sub');
    assert.equal(delivery.acked, false);
    assert.equal(reader.traceMessage(delivery.messageId)?.deliveries[0].acked, false);

    raw.send({ cmd: 'puback', messageId: (publish as { messageId: number }).messageId });
    await settled(writer, () => reader.messagesOfClient({ ...range(), clientId: 'slow-acker' })[0]?.acked, 'the ack');
    raw.close();
  });

  it('counts a QoS 0 delivery as acknowledged on send', async () => {
    const sub = await client('sub-q0');
    await sub.subscribeAsync('Zero/#', { qos: 0 });
    const pub = await client('pub-q0');
    await pub.publishAsync('Zero/x', 'z', { qos: 0 });
    await inboxOf(sub).waitFor(1);
    const delivery = await settled(writer, () => reader.messagesOfClient({ ...range(), clientId: 'sub-q0' })[0], 'the delivery');
    assert.equal(delivery.qos, 0);
    assert.equal(delivery.acked, true);
  });

  it('records messages kept for an offline client as push_offline when it reconnects', async () => {
    const first = await client('offline-1', { clean: false });
    await first.subscribeAsync('Kept/#', { qos: 1 });
    await endClient(first);
    const pub = await client('pub-kept');
    await pub.publishAsync('Kept/a', 'while you were away', { qos: 1 });
    const again = await client('offline-1', { clean: false });
    await inboxOf(again).waitFor(1);
    await pub.publishAsync('Kept/b', 'live', { qos: 1 });
    await inboxOf(again).waitFor(2);

    const events = await settled(
      writer,
      () => {
        const e = reader.messagesOfClient({ ...range(), clientId: 'offline-1' });
        return e.length === 2 && e.every((x) => x.acked) ? e : null;
      },
      'both deliveries, acknowledged',
    );
    assert.deepEqual(
      events.map((e) => [e.topic, e.kind]),
      [
        ['Kept/b', 'sub'],
        ['Kept/a', 'push_offline'],
      ],
    );
    const published = reader.messagesOfClient({ ...range(), clientId: 'pub-kept' }).find((e) => e.topic === 'Kept/a');
    assert.equal(published?.messageId, events[1].messageId);
  });

  it('lists a client\'s messages newest first across batches, cut at the limit', async () => {
    const pub = await client('pub-many');
    // Each publish in a batch of its own (a run of its own per client and topic).
    for (let i = 0; i < 5; i++) {
      await pub.publishAsync(`Many/${i}`, String(i), { qos: 1 });
      await writer.flush();
      await new Promise((r) => setTimeout(r, 2));
    }
    const all = reader.messagesOfClient({ ...range(), clientId: 'pub-many' });
    assert.deepEqual(
      all.map((e) => e.topic),
      ['Many/4', 'Many/3', 'Many/2', 'Many/1', 'Many/0'],
    );
    const newest = reader.messagesOfClient({ ...range(), clientId: 'pub-many', limit: 2 });
    assert.deepEqual(
      newest.map((e) => e.topic),
      ['Many/4', 'Many/3'],
    );
    // A range that ends before the newest ones.
    const older = reader.messagesOfClient({ ...range(), to: all[2].time, clientId: 'pub-many', limit: 2 });
    assert.deepEqual(older.map((e) => e.topic).slice(0, 1), [all.find((e) => e.time <= all[2].time)!.topic]);
    assert.ok(older.every((e) => e.time <= all[2].time));
    assert.deepEqual(reader.messagesOfTopic({ ...range(), topic: 'Many/3' }).map((e) => e.messageId), [all[1].messageId]);
  });

  describe('device trace', () => {
    const deviceEvents = (clientId: string, n: number) =>
      settled(
        writer,
        () => {
          const e = reader.deviceEvents({ ...range(), clientId });
          return e.length >= n ? e.slice().reverse() : null;
        },
        `${n} device events of ${clientId}`,
      );
    const summary = (events: DeviceEvent[]) => events.map((e) => `${e.action}: ${e.description}`);

    it('records connect, disconnect and close of a client that sends DISCONNECT', async () => {
      const c = await client('dev-clean');
      const port = (c.stream as import('node:net').Socket).localPort;
      await endClient(c);
      const events = await deviceEvents('dev-clean', 3);
      assert.deepEqual(summary(events), ['connect: accepted', 'disconnect: disconnected by client', 'close: disconnected by client']);
      assert.equal(new Set(events.map((e) => e.channelId)).size, 1);
      assert.ok(events.every((e) => e.address === `127.0.0.1:${port}`));
    });

    it('records "closed by client" when the socket ends without DISCONNECT', async () => {
      const raw = await RawClient.connect(broker.port);
      await raw.handshake({ clientId: 'dev-drop' });
      const port = raw.socket.localPort;
      raw.socket.end();
      const events = await deviceEvents('dev-drop', 2);
      assert.deepEqual(summary(events), ['connect: accepted', 'close: closed by client']);
      assert.equal(events[1].address, `127.0.0.1:${port}`);
    });

    it('records "no heartbeat" when the client stays silent past 1.5 × keep-alive', async () => {
      const raw = await RawClient.connect(broker.port);
      await raw.handshake({ clientId: 'dev-silent', keepalive: 1 });
      await raw.waitClose(4000);
      const events = await deviceEvents('dev-silent', 2);
      assert.deepEqual(summary(events), ['connect: accepted', 'close: no heartbeat']);
    });

    it('records "clientId conflict" for the connection a newer one with the same client ID replaces', async () => {
      const older = await client('dev-twin');
      const olderChannel = (await deviceEvents('dev-twin', 1))[0].channelId;
      const closed = new Promise<void>((r) => older.once('close', () => r()));
      await client('dev-twin');
      await closed;
      const events = await deviceEvents('dev-twin', 3);
      const close = events.find((e) => e.action === 'close');
      assert.equal(close?.description, 'clientId conflict');
      assert.equal(close?.channelId, olderChannel);
      // The newer connection is on a channel of its own.
      assert.equal(events.filter((e) => e.action === 'connect' && e.channelId !== olderChannel).length, 1);
    });

    it('records a refused CONNECT under the client ID it asked for', async () => {
      const raw = await RawClient.connect(broker.port);
      // A will topic with a wildcard: 3.1.1 closes without CONNACK.
      raw.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId: 'dev-refused',
        keepalive: 0,
        will: { topic: 'a/#', payload: Buffer.from('x'), qos: 0, retain: false },
      });
      await raw.waitClose();
      const events = await deviceEvents('dev-refused', 1);
      assert.deepEqual(summary(events), ['connect: invalid param']);
    });
  });

  it('samples the instance: connections, subscriptions, messages per second, per-topic counts', async () => {
    const sub = await client('stat-sub');
    await sub.subscribeAsync('Stats/#', { qos: 0 });
    const pub = await client('stat-pub');
    writer.sample(broker.broker); // baseline
    for (let i = 0; i < 10; i++) pub.publish('Stats/x', 'm');
    await inboxOf(sub).waitFor(10);
    await new Promise((r) => setTimeout(r, 20));
    writer.sample(broker.broker);
    const samples = await settled(writer, () => {
      const s = reader.samples(range());
      return s.length > 0 ? s : null;
    }, 'a sample');
    const last = samples.at(-1)!;
    assert.ok(last.connections >= 2, `connections ${last.connections}`);
    assert.ok(last.subscriptions >= 1);
    assert.ok(last.inPerSecond > 0 && last.outPerSecond > 0);
    // Folded into buckets (the chart of a long range): one bucket holding them all.
    await new Promise((r) => setTimeout(r, 5));
    writer.sample(broker.broker);
    await writer.flush();
    const all = reader.samples(range());
    assert.ok(all.length >= 2);
    const folded = reader.samples({ ...range(), bucketMs: Date.now() * 2 });
    assert.equal(folded.length, 1);
    assert.equal(folded[0].time, all.at(-1)!.time);

    const topics = await settled(writer, () => reader.topicCounts(range()).find((t) => t.topic === 'Stats'), 'the topic count');
    assert.deepEqual(topics, { topic: 'Stats', messagesIn: 10, messagesOut: 10 });
  });

  it('counts the first interval of a new instance from when it started', async () => {
    const id = 'fresh-stats';
    const fresh = broker.broker.addInstance(id);
    for (let i = 0; i < 3; i++) fresh.publish(createMessage({ topic: 'Fresh/x', payload: Buffer.from('m'), qos: 0, retain: false }));
    await new Promise((r) => setTimeout(r, 20));
    writer.sample(broker.broker); // the instance's first sample: no earlier one to count from
    const first = await settled(writer, () => reader.samples({ instanceId: id, from: 0, to: Date.now() + 1000 })[0] ?? null, 'the first sample');
    assert.ok(first.inPerSecond > 0, `messages in per second ${first.inPerSecond}`);
    await broker.broker.removeInstance(id);
  });

  it('answers nothing for an ID it never issued or a client it never saw', () => {
    assert.equal(reader.traceMessage('0'.repeat(32)), null);
    assert.equal(reader.traceMessage('not an id'), null);
    assert.deepEqual(reader.messagesOfClient({ ...range(), clientId: 'nobody' }), []);
    assert.deepEqual(reader.deviceEvents({ ...range(), clientId: 'nobody' }), []);
  });
});

describe('telemetry retention', () => {
  it('drops whole days older than the retention and keeps newer ones', async () => {
    const dir = tempDir();
    const writer = TelemetryWriter.open(dir);
    setMessageIdNode(writer.nodeId);
    const broker = await startBroker({ telemetry: writer });
    const reader = new TelemetryReader(dir);
    try {
      const pub = await connectClient(broker.port, { clientId: 'ret-pub' });
      await pub.publishAsync('New/x', 'new', { qos: 1 });
      await writer.flush();
      const day = 86_400_000;
      // Recorded three days and one day ago (another day's partition each).
      writeOldMessages(writer.file, [
        { time: Date.now() - 3 * day, instanceId: 'default', clientId: 'ret-old', topic: 'Old/x', messageId: 11 },
        { time: Date.now() - day, instanceId: 'default', clientId: 'ret-old', topic: 'Old/y', messageId: 12 },
      ]);
      const all = { instanceId: 'default', from: 0, to: Date.now() + 1000 };
      assert.equal(reader.messagesOfClient({ ...all, clientId: 'ret-old' }).length, 2);
      const oldId = reader.messagesOfTopic({ ...all, topic: 'Old/x' })[0].messageId;
      assert.ok(reader.traceMessage(oldId));

      writer.setRetentionDays(2);
      await eventually(() => reader.messagesOfTopic({ ...all, topic: 'Old/x' }).length === 0, 'the three-day-old event deleted');
      assert.equal(reader.traceMessage(oldId), null);
      // Its day went as a whole (a dropped table, not rows deleted one by one); the newer days stay.
      assert.equal(partitionCount(dir), 2);
      assert.deepEqual(
        reader.messagesOfClient({ ...all, clientId: 'ret-old' }).map((e) => e.topic),
        ['Old/y'],
      );
      assert.equal(reader.messagesOfTopic({ ...all, topic: 'New/x' }).length, 1);
      await endClient(pub);
    } finally {
      await broker.close();
      await writer.close();
      reader.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('telemetry retention of names', () => {
  it('deletes the names only events past the retention used; a name deleted and used again is recorded anew', () => {
    const dir = tempDir();
    const { file } = prepareTelemetryDatabase(dir);
    const store = new TelemetryStore(file);
    const reader = new TelemetryReader(dir);
    try {
      const day = 86_400_000;
      const now = Date.now();
      // The broker thread's numbering: 1 default, 2 gone, 3 Gone/x, 4 stay, 5 Stay/x.
      const event = (time: number, client: number, topic: number, id: number): MessageColumns => ({
        count: 1,
        kinds: Uint8Array.of(MessageKind.pub_mqtt),
        qos: Uint8Array.of(0),
        times: Float64Array.of(time),
        ids: Float64Array.of(id),
        instances: Uint32Array.of(1),
        clients: Uint32Array.of(client),
        topics: Uint32Array.of(topic),
      });
      store.write({ names: { reset: true, first: 1, names: ['default', 'gone', 'Gone/x', 'stay', 'Stay/x'] }, messages: event(now - 5 * day, 2, 3, 1), devices: [], samples: [] });
      store.write({ names: { reset: false, first: 6, names: [] }, messages: event(now, 4, 5, 2), devices: [], samples: [] });
      const db = new Database(file, { readonly: true });
      const names = () => (db.prepare('SELECT name FROM names ORDER BY name').pluck().all() as string[]).join(' ');
      try {
        assert.equal(names(), 'Gone Gone/x Stay Stay/x default gone stay'); // Gone, Stay: parent topics (per-topic counts)

        while (store.retain(now - 2 * day)) {}
        assert.equal(names(), 'Stay Stay/x default stay');

        // The broker thread still has its numbers for gone and Gone/x: a new event of theirs is
        // recorded under the names, found by them.
        store.write({ names: { reset: false, first: 6, names: [] }, messages: event(now, 2, 3, 3), devices: [], samples: [] });
        assert.equal(names(), 'Gone Gone/x Stay Stay/x default gone stay');
        const all = { instanceId: 'default', from: 0, to: now + 1000 };
        assert.deepEqual(
          reader.messagesOfClient({ ...all, clientId: 'gone' }).map((e) => e.topic),
          ['Gone/x'],
        );
        assert.deepEqual(
          reader.messagesOfClient({ ...all, clientId: 'stay' }).map((e) => e.topic),
          ['Stay/x'],
        );
      } finally {
        db.close();
      }
    } finally {
      store.close();
      reader.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('telemetry under a flood', () => {
  it('never holds delivery back: events beyond its buffer are dropped and counted', async () => {
    const dir = tempDir();
    // A tiny buffer, so that a burst overflows it before the thread can take a batch.
    const writer = TelemetryWriter.open(dir, { capacity: 100, flushAt: 100 });
    const broker = await startBroker({ telemetry: writer });
    const reader = new TelemetryReader(dir);
    try {
      const sub = await connectClient(broker.port, { clientId: 'flood-sub' });
      await sub.subscribeAsync('Flood/#', { qos: 0 });
      const pub = await connectClient(broker.port, { clientId: 'flood-pub' });
      writer.sample(broker.broker); // baseline
      const n = 3000;
      for (let i = 0; i < n; i++) pub.publish('Flood/x', String(i));
      const got = await inboxOf(sub).waitFor(n, 10_000);
      assert.deepEqual(
        got.map((m) => Number(m.payload.toString())),
        Array.from({ length: n }, (_, i) => i),
      );
      await writer.flush();
      assert.ok(writer.dropped > 0, 'some events were dropped');
      const rows = reader.messagesOfTopic({ instanceId: 'default', topic: 'Flood/x', from: 0, to: Date.now() + 1000, limit: 1000 });
      assert.ok(rows.length > 0, 'some events were written');
      // Every event is either in the database or counted as dropped (n publishes + n deliveries).
      assert.equal(countRows(dir) + writer.dropped, 2 * n);

      writer.sample(broker.broker);
      await writer.flush();
      const sample = reader.samples({ instanceId: 'default', from: 0, to: Date.now() + 1000 }).at(-1)!;
      assert.equal(sample.traceDropped, writer.dropped);
      await endClient(pub);
      await endClient(sub);
    } finally {
      await broker.close();
      await writer.close();
      reader.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Message events on disk (every day's table), counted independently of the reader's queries. */
function countRows(dir: string): number {
  const db = new Database(path.join(dir, 'telemetry.db'), { readonly: true });
  try {
    let n = 0;
    for (const day of listPartitions(db)) {
      const topicKey = db.prepare("SELECT key FROM names WHERE name = 'Flood/x'").pluck().get() as number;
      const blobs = db.prepare(`SELECT events FROM ${partitionTables(day).messages}`).pluck().all() as Buffer[];
      for (const blob of blobs) n += segmentEvents(blob).filter((e) => e.topicKey === topicKey).length;
    }
    return n;
  } finally {
    db.close();
  }
}

function partitionCount(dir: string): number {
  const db = new Database(path.join(dir, 'telemetry.db'), { readonly: true });
  try {
    return listPartitions(db).length;
  } finally {
    db.close();
  }
}
