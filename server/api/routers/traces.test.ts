/**
 * The traces router against the REAL broker process: MQTT.js clients publish, subscribe, go
 * offline and come back, log in with a bad signature or steal a client ID; the console's tRPC
 * caller then finds all of it in the broker's telemetry.db, paged, and refuses bad queries
 * with the message the console shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import type { Instance } from '@/db/schema';
import { connectClient, endClient, inboxOf } from '../../broker/testing/helpers';
import { insertInstance, startBrokerProcess, until, type BrokerProcess } from '../../supervisor/testing/broker-process';
import { closeTelemetryReaders } from '../../telemetry/trace-queries';
import { adminCaller, rejectsWith } from '../../testing/temp-backend';

type Caller = Awaited<ReturnType<typeof adminCaller>>;

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('traces router (real broker process, real telemetry)', () => {
  let broker: BrokerProcess;
  let admin: Caller;
  let instanceId: string;
  let port: number;
  const clients: mqtt.MqttClient[] = [];
  const range = () => ({ from: Date.now() - HOUR, to: Date.now() + 1000 });

  async function client(clientId: string, options: mqtt.IClientOptions = {}, onPort = port) {
    const c = await connectClient(onPort, { clientId, protocolVersion: 4, ...options });
    clients.push(c);
    return c;
  }

  before(async () => {
    broker = await startBrokerProcess();
    instanceId = broker.instance.id;
    port = broker.instance.tcpPort;
    admin = await adminCaller(broker.backend);
  });

  after(async () => {
    for (const c of clients) c.end(true);
    closeTelemetryReaders();
    await broker?.stop();
  });

  /** The publisher's newest pub_mqtt: how a user finds the ID of a message an MQTT client sent. */
  async function lastPublished(clientId: string): Promise<string> {
    let id = '';
    await until(async () => {
      const page = await admin.traces.byClient({ instanceId, clientId, ...range() });
      id = page.items.find((e) => e.kind === 'pub_mqtt')?.messageId ?? '';
      return id !== '';
    }, `the publish of ${clientId}`);
    return id;
  }

  it('traces a message by ID (any case): published by the client, pushed online and pushed after reconnect, both acknowledged', async () => {
    const online = await client('GID_app@@@online');
    await online.subscribeAsync('Orders/#', { qos: 1 });
    const offline = await client('GID_app@@@offline', { clean: false });
    await offline.subscribeAsync('Orders/#', { qos: 1 });
    await endClient(offline);

    const publisher = await client('GID_app@@@publisher');
    const before = Date.now();
    await publisher.publishAsync('Orders/eu/42', 'hello', { qos: 1 });
    await inboxOf(online).waitFor(1);
    const back = await client('GID_app@@@offline', { clean: false });
    await inboxOf(back).waitFor(1);

    const messageId = await lastPublished('GID_app@@@publisher');
    assert.match(messageId, /^[0-9a-f]{32}$/);
    let answer = await admin.traces.message({ instanceId, messageId: messageId.toUpperCase() });
    await until(async () => {
      answer = await admin.traces.message({ instanceId, messageId: messageId.toUpperCase() });
      return answer.trace?.deliveries.length === 2 && answer.trace.deliveries.every((d) => d.acked);
    }, 'both acknowledged deliveries');
    const trace = answer.trace!;
    assert.equal(trace.messageId, messageId);
    assert.equal(trace.topic, 'Orders/eu/42');
    assert.equal(trace.qos, 1);
    assert.equal(trace.origin?.kind, 'pub_mqtt');
    assert.equal(trace.origin?.clientId, 'GID_app@@@publisher');
    assert.ok(trace.origin!.time >= before - 5);
    assert.deepEqual(
      trace.deliveries.map((d) => [d.kind, d.clientId]),
      [
        ['sub', 'GID_app@@@online'],
        ['push_offline', 'GID_app@@@offline'],
      ],
    );
    for (const d of trace.deliveries) assert.ok(d.ackedAt! >= d.time, JSON.stringify(d));
    assert.equal(answer.retentionDays, 3);
  });

  it('answers no trace for an ID that is unknown, or that belongs to another instance', async () => {
    const unknown = await admin.traces.message({ instanceId, messageId: '0'.repeat(32) });
    assert.equal(unknown.trace, null);

    const other = await insertInstance(broker.backend, 'other');
    const messageId = await lastPublished('GID_app@@@publisher');
    assert.equal((await admin.traces.message({ instanceId: other.id, messageId })).trace, null);
    assert.notEqual((await admin.traces.message({ instanceId, messageId })).trace, null);
  });

  it('lists the messages of a client and of a topic in a time range, newest first', async () => {
    const sub = await client('GID_app@@@lister');
    await sub.subscribeAsync('Lists/#', { qos: 0 });
    const pub = await client('GID_app@@@list-pub');
    await pub.publishAsync('Lists/a', 'one', { qos: 0 });
    await pub.publishAsync('Lists/b', 'two', { qos: 1 });
    await inboxOf(sub).waitFor(2);

    let sent: Awaited<ReturnType<Caller['traces']['byClient']>> = { items: [], nextCursor: null };
    await until(async () => {
      sent = await admin.traces.byClient({ instanceId, clientId: 'GID_app@@@list-pub', ...range() });
      return sent.items.length === 2;
    }, 'two publishes');
    assert.deepEqual(
      sent.items.map((e) => [e.kind, e.topic, e.qos, e.acked]),
      [
        ['pub_mqtt', 'Lists/b', 1, null],
        ['pub_mqtt', 'Lists/a', 0, null],
      ],
    );
    assert.equal(sent.nextCursor, null);

    let received: typeof sent = { items: [], nextCursor: null };
    await until(async () => {
      received = await admin.traces.byClient({ instanceId, clientId: 'GID_app@@@lister', ...range() });
      return received.items.length === 2;
    }, 'two deliveries');
    assert.deepEqual(
      received.items.map((e) => [e.kind, e.messageId, e.acked]),
      sent.items.map((e) => ['sub', e.messageId, true]),
    );

    const onTopic = await admin.traces.byTopic({ instanceId, topic: 'Lists/a', ...range() });
    assert.deepEqual(
      onTopic.items.map((e) => [e.kind, e.clientId, e.messageId]),
      [['pub_mqtt', 'GID_app@@@list-pub', sent.items[1].messageId]],
    );

    // A range that ends before the messages finds nothing.
    const earlier = await admin.traces.byClient({ instanceId, clientId: 'GID_app@@@list-pub', from: Date.now() - 2 * HOUR, to: Date.now() - HOUR });
    assert.deepEqual(earlier, { items: [], nextCursor: null });
  });

  it('pages through many messages with a cursor: every message once, in order, then no cursor', async () => {
    const pub = await client('GID_app@@@pager');
    const count = 23;
    for (let i = 0; i < count; i++) await pub.publishAsync('Paged/x', String(i), { qos: 0 });
    const { from, to } = range();
    await until(async () => (await admin.traces.byTopic({ instanceId, topic: 'Paged/x', from, to: Date.now() + 1000, pageSize: 200 })).items.length === count, 'all messages');

    const seen: string[] = [];
    const times: number[] = [];
    let cursor: { before: number; skip: number } | undefined;
    let pages = 0;
    do {
      const page = await admin.traces.byTopic({ instanceId, topic: 'Paged/x', from, to: to + 5000, pageSize: 5, cursor });
      assert.ok(page.items.length <= 5);
      seen.push(...page.items.map((e) => e.messageId));
      times.push(...page.items.map((e) => e.time));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 20);
    assert.equal(pages, 5);
    assert.equal(seen.length, count);
    assert.equal(new Set(seen).size, count, 'no message twice');
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  });

  it('shows a device\'s connections: connect and its end share a channel ID; a clientId conflict and a DISCONNECT are described', async () => {
    const first = await client('GID_dev@@@sensor-1');
    const second = await client('GID_dev@@@sensor-1'); // takes over: the first is closed
    await until(() => !first.connected, 'the first connection closed');
    await endClient(second); // DISCONNECT

    let events: Awaited<ReturnType<Caller['traces']['device']>>['items'] = [];
    await until(async () => {
      const page = await admin.traces.device({ instanceId, groupId: 'GID_dev', deviceId: 'sensor-1', ...range() });
      assert.equal(page.clientId, 'GID_dev@@@sensor-1');
      events = page.items;
      return events.length === 5;
    }, 'five device events');
    const chrono = [...events].reverse();
    const [firstConnect, secondConnect] = chrono.filter((e) => e.action === 'connect');
    assert.equal(firstConnect.description, 'accepted');
    assert.equal(secondConnect.description, 'accepted');
    assert.notEqual(firstConnect.channelId, secondConnect.channelId);
    const ofChannel = (channel: string) => chrono.filter((e) => e.channelId === channel).map((e) => [e.action, e.description]);
    assert.deepEqual(ofChannel(firstConnect.channelId), [
      ['connect', 'accepted'],
      ['close', 'clientId conflict'],
    ]);
    assert.deepEqual(ofChannel(secondConnect.channelId), [
      ['connect', 'accepted'],
      ['disconnect', 'disconnected by client'],
      ['close', 'disconnected by client'],
    ]);
    for (const e of events) assert.match(e.address, /^127\.0\.0\.1:\d+$/);

    // The same by the full client ID.
    const byClientId = await admin.traces.device({ instanceId, clientId: 'GID_dev@@@sensor-1', ...range() });
    assert.deepEqual(byClientId.items, events);
  });

  it('records a refused login (bad signature) as a connect that was not authorized', async () => {
    const secured: Instance = await insertInstance(broker.backend, 'secured', { openMode: false });
    await admin.groups.create({ instanceId: secured.id, name: 'GID_locked' });
    const key = await admin.accessKeys.create({});
    const clientId = 'GID_locked@@@door-1';
    const attempt = () =>
      mqtt
        .connectAsync(`mqtt://127.0.0.1:${secured.tcpPort}`, {
          clientId,
          username: `Signature|${key.id}|${secured.id}`,
          password: 'bm90IHRoZSBzaWduYXR1cmU=',
          protocolVersion: 4,
          reconnectPeriod: 0,
          connectTimeout: 2000,
        })
        .then(
          (c) => {
            c.end(true);
            return 'connected';
          },
          (err: Error) => err.message,
        );
    // The broker serves a new instance within a second or so; until then the port is closed.
    await until(async () => /Not authorized|Bad username or password/i.test(await attempt()), 'the refusal');

    await until(async () => {
      const page = await admin.traces.device({ instanceId: secured.id, groupId: 'GID_locked', deviceId: 'door-1', ...range() });
      return page.items.some((e) => e.action === 'connect' && e.description === 'not authorized');
    }, 'the refused connect in the device trace');
    const page = await admin.traces.device({ instanceId: secured.id, clientId, ...range() });
    // A refused connection never started a session: no close follows it.
    assert.ok(page.items.every((e) => e.action === 'connect' && e.description === 'not authorized'), JSON.stringify(page.items));
  });

  it('refuses bad queries with the message the console shows, and unknown instances', async () => {
    const now = Date.now();
    await rejectsWith(admin.traces.message({ instanceId, messageId: 'xyz' }), { code: 'BAD_REQUEST', key: 'v.trace.messageId', fields: { messageId: 'v.trace.messageId' } });
    await rejectsWith(admin.traces.message({ instanceId, messageId: 'a'.repeat(31) }), { code: 'BAD_REQUEST', fields: { messageId: 'v.trace.messageId' } });
    await rejectsWith(admin.traces.message({ instanceId, messageId: 'g'.repeat(32) }), { code: 'BAD_REQUEST', fields: { messageId: 'v.trace.messageId' } });
    await rejectsWith(admin.traces.byClient({ instanceId, clientId: 'GID_app@@@x', from: now, to: now - HOUR }), {
      code: 'BAD_REQUEST',
      key: 'v.trace.rangeOrder',
      fields: { range: 'v.trace.rangeOrder' },
    });
    await rejectsWith(admin.traces.byTopic({ instanceId, topic: 'Orders/a', from: now - 8 * DAY, to: now }), {
      code: 'BAD_REQUEST',
      fields: { range: 'v.trace.rangeTooLong' },
    });
    // Exactly 7 days is allowed.
    assert.deepEqual(await admin.traces.byTopic({ instanceId, topic: 'Nothing/here', from: now - 7 * DAY, to: now }), { items: [], nextCursor: null });
    await rejectsWith(admin.traces.device({ instanceId, clientId: 'GID_dev@@@sensor-1', from: now - DAY - 1, to: now }), {
      code: 'BAD_REQUEST',
      fields: { range: 'v.trace.deviceRangeTooLong' },
    });
    await rejectsWith(admin.traces.device({ instanceId, clientId: 'GID_dev@@@sensor-1', from: now, to: now - 1 }), {
      code: 'BAD_REQUEST',
      fields: { range: 'v.trace.rangeOrder' },
    });
    await rejectsWith(admin.traces.device({ instanceId, groupId: 'devices', deviceId: 'a/b', ...range() }), {
      code: 'BAD_REQUEST',
      fields: { groupId: 'v.groupName.prefix', deviceId: 'v.trace.deviceId' },
    });
    await rejectsWith(admin.traces.device({ instanceId, groupId: 'GID_dev', ...range() }), { code: 'BAD_REQUEST', fields: { deviceId: 'v.required' } });
    await rejectsWith(admin.traces.byTopic({ instanceId, topic: 'Orders/#', ...range() }), { code: 'BAD_REQUEST', fields: { topic: 'v.trace.topic' } });
    await rejectsWith(admin.traces.byClient({ instanceId, clientId: '', ...range() }), { code: 'BAD_REQUEST', fields: { clientId: 'v.required' } });
    await rejectsWith(admin.traces.byClient({ instanceId, clientId: 'c', from: Number.NaN, to: now }), { code: 'BAD_REQUEST', fields: { from: 'v.trace.time' } });

    const missing = 'mqtt-cn-zzzzzzzzzzzz';
    const notFound = { code: 'NOT_FOUND' as const, key: 'e.notFound.instance', params: { id: missing } };
    await rejectsWith(admin.traces.message({ instanceId: missing, messageId: '0'.repeat(32) }), notFound);
    await rejectsWith(admin.traces.byClient({ instanceId: missing, clientId: 'c', ...range() }), notFound);
    await rejectsWith(admin.traces.byTopic({ instanceId: missing, topic: 't', ...range() }), notFound);
    await rejectsWith(admin.traces.device({ instanceId: missing, clientId: 'c', ...range() }), notFound);
    await rejectsWith(admin.traces.device({ instanceId: 'nope', clientId: 'c', ...range() }), { code: 'BAD_REQUEST', fields: { instanceId: 'v.instanceId.format' } });
  });
});
