/**
 * "Send test message" through the REAL broker process: the console's procedure asks the broker
 * (control method `publish`) and an MQTT.js subscriber receives the message; the answer carries
 * its message ID, under which the message trace records it as sent by the console (ServerSend).
 * Bad control params are refused with a reason and never crash the broker; a
 * stopped broker gives the console a clear error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { instances } from '@/db/schema';
import { topicService } from '../services/instance-resources';
import { TelemetryReader } from '../telemetry/queries';
import { adminCaller, rejectsWith } from '../testing/temp-backend';
import { setSupervisor } from './registry';
import { startBrokerProcess, until, type BrokerProcess } from './testing/broker-process';

type Caller = Awaited<ReturnType<typeof adminCaller>>;

interface Received {
  topic: string;
  payload: string;
  qos: number;
}

describe('Send test message through the supervised broker process', () => {
  let broker: BrokerProcess;
  let admin: Caller;
  let instanceId: string;
  let subscriber: mqtt.MqttClient;
  const inbox: Received[] = [];

  before(async () => {
    broker = await startBrokerProcess();
    instanceId = broker.instance.id;
    setSupervisor(broker.supervisor);
    admin = await adminCaller(broker.backend);
    topicService.create(broker.backend, { instanceId, name: 'Orders' });
    subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.instance.tcpPort}`, {
      clientId: 'GID_test@@@subscriber',
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    subscriber.on('message', (topic, payload, packet) => inbox.push({ topic, payload: payload.toString('utf8'), qos: packet.qos }));
    await subscriber.subscribeAsync('Orders/#', { qos: 1 });
  });

  after(async () => {
    setSupervisor(undefined);
    await subscriber?.endAsync();
    await broker?.stop();
  });

  it('the message reaches a subscriber; the answer has its ID, full topic and receiver count', async () => {
    const sent = await admin.testMessages.send({ instanceId, topic: 'Orders', subtopic: 'eu/42', payload: 'héllo', qos: 1 });
    assert.equal(sent.topic, 'Orders/eu/42');
    assert.equal(sent.receivers, 1);
    assert.match(sent.messageId, /^[0-9a-f]{32}$/);
    await until(() => inbox.length === 1, 'the test message');
    assert.deepEqual(inbox[0], { topic: 'Orders/eu/42', payload: 'héllo', qos: 1 });
  });

  it('the message trace finds it by that ID: origin ServerSend (the console), delivered to the subscriber', async () => {
    const sent = await admin.testMessages.send({ instanceId, topic: 'Orders', subtopic: 'traced', payload: 'trace me', qos: 1 });
    await until(() => inbox.some((m) => m.topic === 'Orders/traced'), 'the traced message');
    const reader = new TelemetryReader(broker.backend.dataDir);
    try {
      // Telemetry is written in batches about once a second.
      await until(() => (reader.traceMessage(sent.messageId)?.deliveries.length ?? 0) > 0, 'the trace', 5000);
      const trace = reader.traceMessage(sent.messageId)!;
      assert.equal(trace.origin?.kind, 'ServerSend');
      assert.equal(trace.topic, 'Orders/traced');
      assert.deepEqual(
        trace.deliveries.map((d) => [d.kind, d.clientId]),
        [['sub', 'GID_test@@@subscriber']],
      );
    } finally {
      reader.close();
    }
    inbox.splice(inbox.findIndex((m) => m.topic === 'Orders/traced'), 1);
  });

  it('a second message gets another ID; an empty subtopic publishes to the parent topic itself (QoS 0)', async () => {
    const a = await admin.testMessages.send({ instanceId, topic: 'Orders', subtopic: '/a', payload: 'one', qos: 0 });
    const b = await admin.testMessages.send({ instanceId, topic: 'Orders', payload: 'two', qos: 0 });
    assert.notEqual(a.messageId, b.messageId);
    assert.equal(b.topic, 'Orders');
    await until(() => inbox.length === 3, 'two more messages');
    assert.deepEqual(
      inbox.slice(1).map((m) => [m.topic, m.payload, m.qos]),
      [
        ['Orders/a', 'one', 0],
        ['Orders', 'two', 0],
      ],
    );
  });

  it('broker.stats reports the instance\'s live counters', async () => {
    const stats = await admin.broker.stats({ instanceId });
    assert.ok(stats, 'stats while the broker runs');
    assert.equal(stats.connections, 1);
    assert.ok(stats.received >= 3, JSON.stringify(stats));
    assert.ok(stats.sent >= 3, JSON.stringify(stats));
  });

  it("the broker checks the instance's own payload limit, changed in the database, within a second", async () => {
    broker.backend.db.update(instances).set({ maxPayloadBytes: 1024 }).where(eq(instances.id, instanceId)).run();
    const raw = (bytes: number) =>
      broker.supervisor.request('publish', {
        instanceId,
        parentTopic: 'Orders',
        topic: 'Orders/big',
        payloadBase64: Buffer.alloc(bytes, 120).toString('base64'),
        qos: 0,
      });
    const start = Date.now();
    await until(
      () => raw(1025).then(
        () => false,
        (err: Error) => /at most 1024/.test(err.message),
      ),
      'the 1 KB payload limit in the broker',
      3000,
    );
    assert.ok(Date.now() - start < 1500, `took ${Date.now() - start} ms`);
    const atLimit = (await raw(1024)) as { receivers: number };
    assert.equal(atLimit.receivers, 1);
    // The console checks the same limit first and names the field.
    await rejectsWith(admin.testMessages.send({ instanceId, topic: 'Orders', payload: 'x'.repeat(1025), qos: 0 }), {
      code: 'BAD_REQUEST',
      fields: { payload: 'e.testMessage.payloadTooLarge' },
      params: { size: 1025, max: 1024 },
    });
    await until(() => inbox.some((m) => m.topic === 'Orders/big' && m.payload.length === 1024), 'the 1 KB message');
  });

  it('the control method refuses bad params with the reason, and the broker keeps running', async () => {
    const delivered = inbox.length;
    const publish = (params: unknown) => broker.supervisor.request('publish', params);
    const ok = { instanceId, parentTopic: 'Orders', topic: 'Orders/x', payloadBase64: '', qos: 0 };
    const refusals: [unknown, RegExp][] = [
      [undefined, /instanceId/],
      [{ ...ok, qos: 3 }, /qos/],
      [{ ...ok, instanceId: 'mqtt-cn-zzzzzzzzzzzz' }, /not served/],
      [{ ...ok, topic: 'Other/x' }, /not under the parent topic/],
      [{ ...ok, topic: 'Ordersx/y' }, /not under the parent topic/],
      [{ ...ok, topic: 'Orders/#' }, /not a valid topic/],
      [{ ...ok, parentTopic: 'Orders/x', topic: 'Orders/x/y' }, /one topic level/],
      // More than the broker's largest packet (1 MB) is over any instance's payload limit.
      [{ ...ok, payloadBase64: Buffer.alloc(1024 * 1024 + 1).toString('base64') }, /at most/],
    ];
    for (const [params, reason] of refusals) {
      await assert.rejects(publish(params), reason, JSON.stringify(params)?.slice(0, 120));
    }
    assert.equal(broker.supervisor.status().state, 'running');
    assert.equal(broker.supervisor.status().restarts, 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(inbox.length, delivered, 'nothing refused was delivered');
  });

  it('with the broker stopped, the console says so', async () => {
    await broker.supervisor.stop();
    await rejectsWith(admin.testMessages.send({ instanceId, topic: 'Orders', payload: 'late', qos: 1 }), {
      code: 'PRECONDITION_FAILED',
      key: 'e.broker.notRunning',
    });
    assert.equal(await admin.broker.stats({ instanceId }), null);
  });
});
