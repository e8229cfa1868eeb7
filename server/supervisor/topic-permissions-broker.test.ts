/**
 * Topic permissions through the real broker process: a rule written to the database by
 * another process (the console or the CLI) takes effect within a second, without a restart.
 * A denied SUBSCRIBE gets SUBACK 0x80 (3.1.1 and MQTT 5); a denied MQTT 5 PUBLISH gets
 * PUBACK 0x87 and reaches nobody; a denied 3.1.1 PUBLISH closes the connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { topicPermissions } from '@/db/schema';
import { permissionService } from '../services/topic-permissions';
import type { TempBackend } from '../testing/temp-backend';
import { startBrokerProcess, type BrokerProcess } from './testing/broker-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The SUBACK code the broker answers for one filter. */
async function subscribeCode(client: mqtt.MqttClient, filter: string, qos: 0 | 1 = 1): Promise<number> {
  try {
    const granted = await client.subscribeAsync(filter, { qos });
    return granted[0]!.qos;
  } catch (err) {
    // MQTT.js rejects a refused subscription with the SUBACK packet attached.
    const code = (err as { packet?: { granted?: (number | { qos: number })[] } }).packet?.granted?.[0];
    if (code === undefined) throw err;
    return typeof code === 'number' ? code : code.qos;
  }
}

/** Subscribes with fresh 3.1.1 clients until the broker answers `code`; resolves with the time it took. */
async function untilSubscribeAnswers(url: string, filter: string, code: number, timeoutMs = 3000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4 });
    const got = await subscribeCode(probe, filter);
    await probe.endAsync();
    if (got === code) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`SUBACK for ${filter} is still ${got}, not ${code}`);
    await sleep(25);
  }
}

describe('topic permissions in the supervised broker process', () => {
  let broker: BrokerProcess;
  let backend: TempBackend;
  let instanceId: string;
  let url: string;

  before(async () => {
    broker = await startBrokerProcess();
    backend = broker.backend;
    instanceId = broker.instance.id;
    url = `mqtt://127.0.0.1:${broker.instance.tcpPort}`;
  });

  after(() => broker.stop());

  it('without rules everything is allowed', async () => {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4 });
    assert.equal(await subscribeCode(c, 'test/nosubscribe'), 1);
    await c.endAsync();
  });

  it('a subscribe deny rule added while the broker runs refuses the filter within a second (SUBACK 0x80 in 3.1.1 and MQTT 5)', async () => {
    permissionService.create(backend, { instanceId, filter: 'test/nosubscribe', action: 'subscribe', effect: 'deny' });
    permissionService.create(backend, { instanceId, filter: 'secret/#', action: 'subscribe', effect: 'deny' });
    const took = await untilSubscribeAnswers(url, 'test/nosubscribe', 0x80);
    assert.ok(took < 1000, `took ${took} ms`);

    const v4 = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4 });
    const v5 = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
    const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4 });
    try {
      assert.equal(await subscribeCode(v4, 'test/nosubscribe'), 0x80);
      assert.equal(await subscribeCode(v4, 'secret/a'), 0x80);
      assert.equal(await subscribeCode(v4, 'secret/#'), 0x80);
      assert.equal(await subscribeCode(v5, 'test/nosubscribe'), 0x80);
      assert.equal(await subscribeCode(v5, '$share/g/secret/a'), 0x80);
      // Everything else is delivered as usual.
      assert.equal(await subscribeCode(v4, 'test/other', 1), 1);
      const got = new Promise<string>((resolve) => v4.once('message', (topic, payload) => resolve(`${topic} ${payload}`)));
      await pub.publishAsync('test/other', 'hello', { qos: 1 });
      assert.equal(await got, 'test/other hello');
      // Subscribe-only rules do not stop publishing to the topic.
      await pub.publishAsync('test/nosubscribe', 'still fine', { qos: 1 });
    } finally {
      await Promise.all([v4.endAsync(), v5.endAsync(), pub.endAsync()]);
    }
  });

  it('a publish deny rule: MQTT 5 gets PUBACK 0x87 and the message reaches nobody; 3.1.1 is disconnected', async () => {
    permissionService.create(backend, { instanceId, filter: 'readonly/#', action: 'publish', effect: 'deny' });
    const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
    const v5 = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
    try {
      await sub.subscribeAsync('readonly/#', { qos: 1 });
      const received: string[] = [];
      sub.on('message', (topic) => received.push(topic));
      // Within a second of the change.
      const start = Date.now();
      let code = 0;
      while (code !== 0x87 && Date.now() - start < 3000) {
        try {
          await v5.publishAsync('readonly/a', 'x', { qos: 1 });
          await sleep(25);
        } catch (err) {
          code = (err as { code?: number }).code ?? -1;
        }
      }
      assert.equal(code, 0x87);
      assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
      received.length = 0;
      await assert.rejects(v5.publishAsync('readonly/b/c', 'x', { qos: 1 }), (err: { code?: number }) => err.code === 0x87);
      await v5.publishAsync('readwrite/a', 'ok', { qos: 1 });
      await sleep(100);
      assert.deepEqual(received, []);

      const v4 = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4 });
      const closed = new Promise<void>((resolve) => v4.once('close', () => resolve()));
      v4.publish('readonly/a', 'x', { qos: 1 });
      await closed;
      v4.end(true);
    } finally {
      await Promise.all([sub.endAsync(), v5.endAsync()]);
    }
  });

  it('deleting the rule allows the filter again within a second', async () => {
    backend.db
      .delete(topicPermissions)
      .where(and(eq(topicPermissions.instanceId, instanceId), eq(topicPermissions.filter, 'test/nosubscribe')))
      .run();
    const took = await untilSubscribeAnswers(url, 'test/nosubscribe', 1);
    assert.ok(took < 1000, `took ${took} ms`);
  });
});
