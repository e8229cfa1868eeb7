/**
 * Follow-ups of the product policy through the REAL broker process (server/broker/main.ts
 * under the real supervisor): changes written to the console database by another process are
 * applied by the broker's own poll (no nudge), within a second.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import type { Instance } from '@/db/schema';
import { hmacSha1Base64 } from '../../crypto/signatures';
import { createAccessKey } from '../../services/access-keys';
import { groupService, topicService } from '../../services/instance-resources';
import { insertInstance, startBrokerProcess, until, type BrokerProcess } from '../../supervisor/testing/broker-process';
import { connectClient, inboxOf, withTimeout } from '../testing/helpers';

describe('policy changes in the supervised broker process', () => {
  let broker: BrokerProcess;
  let instance: Instance;
  let url: string;
  let key: { id: string; secret: string };

  const options = (clientId: string, protocolVersion: 4 | 5 = 4): mqtt.IClientOptions => ({
    reconnectPeriod: 0,
    connectTimeout: 3000,
    protocolVersion,
    clientId,
    username: `Signature|${key.id}|${instance.id}`,
    password: hmacSha1Base64(key.secret, clientId),
  });

  async function connackCode(opts: mqtt.IClientOptions): Promise<number> {
    try {
      const c = await mqtt.connectAsync(url, opts);
      await c.endAsync();
      return 0;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (typeof code !== 'number') throw err;
      return code;
    }
  }

  before(async () => {
    broker = await startBrokerProcess();
    instance = await insertInstance(broker.backend, 'reloaded', { openMode: false, maxPayloadBytes: 1024 * 1024 });
    url = `mqtt://127.0.0.1:${instance.tcpPort}`;
    const k = createAccessKey(broker.backend);
    key = { id: k.id, secret: k.secret };
    topicService.create(broker.backend, { instanceId: instance.id, name: 'Fleet' });
    groupService.create(broker.backend, { instanceId: instance.id, name: 'GID_gone' });
    groupService.create(broker.backend, { instanceId: instance.id, name: 'GID_stay' });
    await until(async () => (await connackCode(options('GID_stay@@@probe')).catch(() => -1)) === 0, 'the instance accepting signature clients');
  });

  after(() => broker?.stop());

  it('deleting a Group ID disconnects its clients within a second (MQTT 5: DISCONNECT 0x87); other groups stay', async () => {
    const v4 = await mqtt.connectAsync(url, options('GID_gone@@@v4'));
    const v5 = await mqtt.connectAsync(url, options('GID_gone@@@v5', 5));
    const stay = await mqtt.connectAsync(url, options('GID_stay@@@s', 5));
    const reason = new Promise<number | undefined>((resolve) => v5.once('disconnect', (p) => resolve(p.reasonCode)));
    const closed = [v4, v5].map((c) => new Promise<void>((resolve) => c.once('close', () => resolve())));
    const started = Date.now();
    groupService.remove(broker.backend, { instanceId: instance.id, name: 'GID_gone' });
    await withTimeout(Promise.all(closed), 1000, "the deleted group's clients closed within a second");
    assert.ok(Date.now() - started <= 1000);
    assert.equal(await reason, 0x87);
    assert.ok(stay.connected, 'a client of another group stays');
    assert.equal(await connackCode(options('GID_gone@@@v4')), 2, 'unknown group: CONNACK 2');
    await stay.endAsync();
    v4.end(true);
    v5.end(true);
  });

  it('a parent topic deleted while the broker was down: the restored sessions keep no subscription under it', async () => {
    topicService.create(broker.backend, { instanceId: instance.id, name: 'Gone' });
    const id = 'GID_stay@@@restored';
    // Refused (SUBACK 0x80) until the broker has seen the new parent topic.
    await until(async () => {
      const c = await mqtt.connectAsync(url, { ...options(id), clean: false });
      try {
        return (await c.subscribeAsync(['Gone/#', 'Fleet/kept'], { qos: 1 })).every((g) => g.qos === 1);
      } catch {
        return false;
      } finally {
        await c.endAsync();
      }
    }, 'both subscriptions granted');

    await broker.supervisor.stop();
    topicService.remove(broker.backend, { instanceId: instance.id, name: 'Gone' });
    broker.supervisor.start();
    await withTimeout(broker.supervisor.whenRunning(), 10_000, 'the broker running again');
    topicService.create(broker.backend, { instanceId: instance.id, name: 'Gone' });

    const pub = await mqtt.connectAsync(url, options('GID_stay@@@restored-pub', 5));
    // Refused (0x87) until the broker has seen the topic created again.
    await until(async () => (await pub.publishAsync('Gone/x', 'old subscription', { qos: 1 }).then(() => true, () => false)), 'Gone accepted again');
    await pub.publishAsync('Fleet/kept', 'kept', { qos: 1 });
    // Its inbox listens from CONNACK on: offline messages follow CONNACK at once.
    const back = await connectClient(instance.tcpPort, { ...options(id), clean: false });
    const [first] = await inboxOf(back).waitFor(1, 5000);
    assert.equal(first!.topic, 'Fleet/kept', 'the first offline message is the one of the subscription that is left');
    await Promise.all([pub.endAsync(), back.endAsync()]);
  });

  it('a payload at the top of the allowed range (1 MB) arrives: the packet limit follows the payload limit', async () => {
    const sub = await mqtt.connectAsync(url, options('GID_stay@@@big-sub', 5));
    await sub.subscribeAsync('Fleet/big', { qos: 1 });
    const got = new Promise<Buffer>((resolve) => sub.once('message', (_t, payload) => resolve(payload)));
    const pub = await mqtt.connectAsync(url, options('GID_stay@@@big-pub', 5));
    await pub.publishAsync('Fleet/big', Buffer.alloc(1024 * 1024, 9), { qos: 1 });
    assert.equal((await withTimeout(got, 5000, 'the 1 MB message')).length, 1024 * 1024);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });
});
