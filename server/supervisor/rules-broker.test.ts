/**
 * RocketMQ rules in the REAL broker process under the real supervisor, against a real RocketMQ 5:
 * rules inserted, edited and disabled in the console database take effect without a restart;
 * the control methods ruleStats and rocketmqTest answer; inflow messages sent while the broker
 * process is down are not lost (they were never acknowledged to RocketMQ), and outflow messages
 * acknowledged to an MQTT client while RocketMQ was down reach it after a broker-process restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { rocketmqClusters, rules } from '@/db/schema';
import { Collector, sendInflow, startProducer } from '../broker/rules/testing';
import type { RuleStats } from '../broker/rules/types';
import { startRocketMQ, type RocketMQ } from '../testing/rocketmq';
import { startBrokerProcess, until, type BrokerProcess } from './testing/broker-process';

const timeout = 10 * 60_000;

describe('RocketMQ rules in the supervised broker process', { timeout }, () => {
  let mq: RocketMQ;
  let broker: BrokerProcess;
  let instanceId: string;
  let clusterId: number;
  let port: number;

  before(async () => {
    mq = await startRocketMQ({ topics: ['sv_out', 'sv_in', 'sv_status', 'sv_probe'] });
    broker = await startBrokerProcess();
    instanceId = broker.instance.id;
    port = broker.instance.tcpPort;
    clusterId = broker.backend.db
      .insert(rocketmqClusters)
      .values({ name: 'local', endpoints: mq.endpoint })
      .returning()
      .get().id;
  }, { timeout });

  after(async () => {
    await broker?.stop();
    await mq?.stop();
  });

  const stats = () => broker.supervisor.request<Record<string, RuleStats>>('ruleStats', { instanceId });
  const addRule = (ruleId: string, type: 'inflow' | 'outflow' | 'status', source: string, target: string) =>
    broker.backend.db.insert(rules).values({ instanceId, ruleId, type, source, target, clusterId, updatedAt: Date.now() }).run();
  const connect = (clientId: string, options: mqtt.IClientOptions = {}) =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, reconnectPeriod: 0, ...options });

  it('rocketmqTest checks the endpoint, the credentials and a topic; bad params are refused', { timeout }, async () => {
    const ok = await broker.supervisor.request<{ checks: { name: string; ok: boolean }[] }>('rocketmqTest', { clusterId, topic: 'sv_probe' }, 30_000);
    assert.deepEqual(ok.checks.map((c) => [c.name, c.ok]), [['endpoint', true], ['credentials', true], ['topic', true]]);
    const missing = await broker.supervisor.request<{ checks: { name: string; ok: boolean }[] }>('rocketmqTest', { clusterId, topic: 'no_such_topic' }, 30_000);
    assert.equal(missing.checks.find((c) => c.name === 'topic')?.ok, false);
    const deadId = broker.backend.db.insert(rocketmqClusters).values({ name: 'dead', endpoints: '127.0.0.1:1' }).returning().get().id;
    const dead = await broker.supervisor.request<{ checks: { name: string; ok: boolean; detail: string }[] }>('rocketmqTest', { clusterId: deadId }, 30_000);
    assert.deepEqual(dead.checks.map((c) => [c.name, c.ok]), [['endpoint', false]]);
    assert.match(dead.checks[0]!.detail, /127\.0\.0\.1:1/);
    await assert.rejects(broker.supervisor.request('rocketmqTest', { clusterId: 99_999 }), /does not exist/);
    await assert.rejects(broker.supervisor.request('rocketmqTest', { clusterId: 'x' }), /clusterId/);
    await assert.rejects(broker.supervisor.request('ruleStats', {}), /instanceId/);
  });

  it('an outflow rule created in the database forwards within seconds; disabled it stops', { timeout }, async () => {
    const collector = await new Collector(mq.endpoint, 'sv_out', 'GID_sv_out').start();
    const client = await connect('GID_dev@@@out', { protocolVersion: 4, clean: false });
    try {
      addRule('out-1', 'outflow', 'Data', 'sv_out');
      await until(async () => (await stats())['out-1'] !== undefined, 'the broker to load the rule', 5000);
      await client.publishAsync('Data/x', 'first', { qos: 1 });
      const [got] = await collector.waitFor(1);
      assert.equal(got!.properties.get('mqttSecondTopic'), '/x');
      assert.equal(got!.properties.get('cleansessionflag'), 'false');

      broker.backend.db.update(rules).set({ enabled: false }).where(eq(rules.ruleId, 'out-1')).run();
      await new Promise((r) => setTimeout(r, 1500)); // the broker polls the database every 0.5 s
      await client.publishAsync('Data/x', 'second', { qos: 1 });
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual(collector.messages.map((m) => m.body.toString()), ['first']);
      const s = (await stats())['out-1']!;
      assert.equal(s.sent, 1);
    } finally {
      await client.endAsync();
      await collector.stop();
    }
  });

  it('inflow: the cloud demo (MQ2MQTT, mqttSecondTopic) and P2P reach MQTT clients; messages sent while the broker is down arrive after it is back', { timeout }, async () => {
    addRule('in-1', 'inflow', 'sv_in', 'Inbox');
    await until(async () => (await stats())['in-1'] !== undefined, 'the broker to load the rule', 5000);
    const producer = await startProducer(mq.endpoint, 'sv_in');
    let sub = await connect('GID_dev@@@sub', { protocolVersion: 4, clean: false });
    try {
      const inbox: string[] = [];
      const listen = (c: mqtt.MqttClient) => c.on('message', (topic, payload) => inbox.push(`${topic} ${payload.toString()}`));
      listen(sub);
      await sub.subscribeAsync('Inbox/testMq4Iot', { qos: 1 });
      await sendInflow(producer, 'sv_in', 'hello', { mqttSecondTopic: '/testMq4Iot' });
      await sendInflow(producer, 'sv_in', 'direct', { mqttSecondTopic: '/p2p/GID_dev@@@sub' });
      await until(() => inbox.length === 2, 'two inflow messages', 60_000);
      assert.deepEqual(inbox.sort(), ['Inbox/p2p/GID_dev@@@sub direct', 'Inbox/testMq4Iot hello']);

      // The broker process goes away; RocketMQ keeps what nobody acknowledged.
      await sub.endAsync();
      await broker.supervisor.stop();
      await sendInflow(producer, 'sv_in', 'while down', { mqttSecondTopic: '/testMq4Iot' });
      broker.supervisor.start();
      await broker.supervisor.whenRunning();
      inbox.length = 0;
      sub = await connect('GID_dev@@@sub', { protocolVersion: 4, clean: false });
      listen(sub);
      await until(() => inbox.length === 1, 'the message sent while the broker was down', 90_000);
      assert.deepEqual(inbox, ['Inbox/testMq4Iot while down']);
    } finally {
      await producer.shutdown();
      await sub.endAsync();
    }
  });

  it('status notification: connect and tcpclean of a group\'s clients reach RocketMQ with channel and address', { timeout }, async () => {
    addRule('st-1', 'status', 'GID_watch', 'sv_status');
    await until(async () => (await stats())['st-1'] !== undefined, 'the broker to load the rule', 5000);
    const collector = await new Collector(mq.endpoint, 'sv_status', 'GID_sv_status', 'connect||tcpclean').start();
    try {
      const c = await connect('GID_watch@@@dev', { protocolVersion: 4 });
      c.stream.destroy();
      const got = await collector.waitFor(2, 60_000);
      const bodies = got.map((m) => JSON.parse(m.body.toString()) as { eventType: string; channelId: string; clientIp: string; clientId: string });
      assert.deepEqual(got.map((m) => m.tag).sort(), ['connect', 'tcpclean']);
      assert.equal(bodies[0]!.channelId, bodies[1]!.channelId);
      assert.equal(bodies[0]!.clientId, 'GID_watch@@@dev');
      assert.match(bodies[0]!.clientIp, /^127\.0\.0\.1:\d+$/);
    } finally {
      await collector.stop();
    }
  });

  it('outflow QoS 1 acknowledged while RocketMQ is down survives a broker-process restart and is sent when RocketMQ is back', { timeout }, async () => {
    broker.backend.db.update(rules).set({ enabled: true }).where(eq(rules.ruleId, 'out-1')).run();
    await new Promise((r) => setTimeout(r, 1500));
    await mq.stopBroker();
    const client = await connect('GID_dev@@@down', { protocolVersion: 5 });
    for (let i = 0; i < 10; i++) await client.publishAsync('Data/down', `d${i}`, { qos: 1 });
    await client.endAsync();
    await until(async () => (await stats())['out-1']!.buffered === 10, 'ten buffered messages', 10_000);
    await broker.supervisor.stop();
    broker.supervisor.start();
    await broker.supervisor.whenRunning();
    await mq.startBroker();
    const collector = await new Collector(mq.endpoint, 'sv_out', 'GID_sv_out').start();
    try {
      await until(() => collector.messages.filter((m) => m.body.toString().startsWith('d')).length >= 10, 'the buffered messages', 180_000);
      const bodies = new Set(collector.messages.map((m) => m.body.toString()));
      for (let i = 0; i < 10; i++) assert.ok(bodies.has(`d${i}`), `d${i}`);
    } finally {
      await collector.stop();
    }
  });
});
