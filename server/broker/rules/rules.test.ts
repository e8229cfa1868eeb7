/**
 * The rule engine against a real RocketMQ 5 (one per file: JVMs are heavy) and an in-process
 * broker: data outflow (3.1.1 and 5 publishers, properties and key), data inflow (the cloud
 * demo's MQ2MQTT + mqttSecondTopic, P2P; held to the instance's message TPS), status
 * notifications per channel, disabling a rule,
 * the buffer bound, and a RocketMQ restart in the middle of a QoS 1 stream.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Producer } from 'rocketmq-client-nodejs';
import { Broker } from '../broker';
import { messageIdHex } from '../message';
import { connectClient, endClient, eventually, HOST, inboxOf } from '../testing/helpers';
import { startRocketMQ, type RocketMQ } from '../../testing/rocketmq';
import { RuleEngine } from './engine';
import { Collector, sendInflow, startProducer } from './testing';
import type { ClusterConfig, RuleConfig } from './types';

const timeout = 10 * 60_000;

interface StatusBody {
  clientId: string;
  time: number;
  eventType: string;
  channelId: string;
  clientIp: string;
}
const INSTANCE = 'mqtt-cn-rules01';
let mq: RocketMQ;
let broker: Broker;
let port: number;
let engine: RuleEngine;
let cluster: ClusterConfig;
let rules: RuleConfig[] = [];

before(async () => {
  mq = await startRocketMQ({ topics: ['mq_out', 'mq_in', 'mq_status', 'mq_off', 'mq_stream', 'mq_tps'] });
  cluster = { id: 1, endpoints: mq.endpoint, namespace: '', accessKey: null, secretKey: null };
  broker = new Broker();
  ({ port } = await broker.listen({ port: 0, host: HOST, instanceId: INSTANCE }));
  engine = new RuleEngine(null);
}, { timeout });

after(async () => {
  await engine?.stop();
  await broker?.close();
  await mq?.stop();
});

function setRules(next: RuleConfig[], clusters: ClusterConfig[] = [cluster]): void {
  rules = next;
  engine.apply(broker, clusters, rules);
}

const rule = (ruleId: string, type: RuleConfig['type'], source: string, target: string, enabled = true): RuleConfig => ({
  instanceId: INSTANCE,
  ruleId,
  enabled,
  type,
  source,
  target,
  clusterId: 1,
});

test('data outflow: 3.1.1 and 5 messages reach RocketMQ with the payload, properties and the message ID as key', { timeout }, async () => {
  setRules([rule('out1', 'outflow', 'Parent', 'mq_out')]);
  const collector = await new Collector(mq.endpoint, 'mq_out', 'GID_test_out').start();
  const c4 = await connectClient(port, { clientId: 'GID_a@@@dev4', clean: false, protocolVersion: 4 });
  const c5 = await connectClient(port, { clientId: 'GID_a@@@dev5', protocolVersion: 5 });
  try {
    await c4.publishAsync('Parent/a/b', Buffer.from([0, 1, 2, 255]), { qos: 1 });
    await c4.publishAsync('Parent', 'bare', { qos: 0 });
    await c4.publishAsync('Other/x', 'not ruled', { qos: 1 });
    await c5.publishAsync('Parent/v5', 'five', {
      qos: 2,
      properties: { userProperties: { k: 'v', multi: ['1', '2'] }, messageExpiryInterval: 600, contentType: 'text/plain' },
    });
    const got = await collector.waitFor(3);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(got.length, 3, 'only messages of the source parent topic');
    const byBody = new Map(got.map((m) => [m.body.toString('latin1'), m]));

    const first = byBody.get(Buffer.from([0, 1, 2, 255]).toString('latin1'))!;
    assert.ok(first, 'binary payload unchanged');
    assert.equal(first.properties.get('mqttSecondTopic'), '/a/b');
    assert.equal(first.properties.get('clientId'), 'GID_a@@@dev4');
    assert.equal(first.properties.get('qoslevel'), '1');
    assert.equal(first.properties.get('cleansessionflag'), 'false');
    assert.equal(first.properties.get('topic'), undefined, 'no MQTT 5 properties for 3.1.1');
    assert.match(first.keys[0] ?? '', /^[0-9a-f]{32}$/);

    const bare = byBody.get('bare')!;
    assert.equal(bare.properties.get('mqttSecondTopic') ?? '', '');
    assert.equal(bare.properties.get('qoslevel'), '0');

    const five = byBody.get('five')!;
    assert.equal(five.properties.get('topic'), 'Parent/v5');
    assert.equal(five.properties.get('mqttSecondTopic'), '/v5');
    assert.equal(five.properties.get('cleansessionflag'), 'true');
    assert.equal(five.properties.get('qoslevel'), '2');
    assert.deepEqual(JSON.parse(five.properties.get('mqtt5UserProperty')!), [
      { key: 'k', value: 'v' },
      { key: 'multi', value: '1' },
      { key: 'multi', value: '2' },
    ]);
    const expiry = Number(five.properties.get('mqtt5MsgExpireInterval'));
    assert.ok(expiry > 590 && expiry <= 600, `expiry ${expiry}`);
    assert.equal(five.properties.get('mqtt5ContentType'), 'text/plain');

    const stats = engine.stats(INSTANCE).out1!;
    assert.equal(stats.sent, 3);
    assert.equal(stats.buffered, 0);
    assert.ok(stats.lastSentAt !== null);
  } finally {
    await endClient(c4);
    await endClient(c5);
    await collector.stop();
  }
});

test('the message key is the MQTT message ID the broker gave the message', { timeout }, async () => {
  setRules([rule('out1', 'outflow', 'Parent', 'mq_out')]);
  const collector = await new Collector(mq.endpoint, 'mq_out', 'GID_test_out_key').start();
  try {
    // A message published by the broker itself (as the console's test message): its ID is known.
    const { createMessage } = await import('../message');
    const message = createMessage({ topic: 'Parent/console', payload: Buffer.from('k'), qos: 1, retain: false });
    broker.instance(INSTANCE)!.publish(message, 'ServerSend');
    // A new consumer group may also see the earlier test's messages: pick this one by its body.
    await eventually(() => collector.messages.some((m) => m.body.toString() === 'k'), 'the console message', 30_000);
    const got = collector.messages.find((m) => m.body.toString() === 'k')!;
    assert.deepEqual(got.keys, [messageIdHex(message)]);
    assert.equal(got.properties.get('clientId'), undefined, 'no sender client');
  } finally {
    await collector.stop();
  }
});

test('data inflow: MQ2MQTT with mqttSecondTopic reaches subscribers; /p2p/<clientId> reaches that client', { timeout }, async () => {
  setRules([rule('in1', 'inflow', 'mq_in', 'Target')]);
  const sub = await connectClient(port, { clientId: 'GID_b@@@sub' });
  const p2p = await connectClient(port, { clientId: 'GID_b@@@p2p' });
  let producer: Producer | undefined;
  try {
    await sub.subscribeAsync('Target/testMq4Iot', { qos: 1 });
    producer = await startProducer(mq.endpoint, 'mq_in');
    await sendInflow(producer, 'mq_in', 'hello mq send mqtt msg', { mqttSecondTopic: '/testMq4Iot' });
    await sendInflow(producer, 'mq_in', 'p2p msg', { mqttSecondTopic: '/p2p/GID_b@@@p2p', qoslevel: '0' });
    await sendInflow(producer, 'mq_in', 'other tag', { mqttSecondTopic: '/testMq4Iot' }, 'OTHER');
    await sendInflow(producer, 'mq_in', 'real topic', { mqttSecondTopic: '/p2p/GID_b@@@p2p', mqttRealTopic: 'Target/seen/as' });

    const [got] = await inboxOf(sub).waitFor(1, 60_000);
    assert.equal(got!.topic, 'Target/testMq4Iot');
    assert.equal(got!.payload.toString(), 'hello mq send mqtt msg');
    assert.equal(got!.packet.qos, 1, 'qoslevel defaults to 1');

    const direct = await inboxOf(p2p).waitFor(2, 60_000);
    const byPayload = new Map(direct.map((m) => [m.payload.toString(), m]));
    assert.equal(byPayload.get('p2p msg')?.topic, 'Target/p2p/GID_b@@@p2p');
    assert.equal(byPayload.get('p2p msg')?.packet.qos, 0);
    assert.equal(byPayload.get('real topic')?.topic, 'Target/seen/as');

    // Only MQ2MQTT is taken: the OTHER message never arrives.
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(inboxOf(sub).messages.map((m) => m.payload.toString()), ['hello mq send mqtt msg']);
    assert.equal(engine.stats(INSTANCE).in1!.sent, 3);
  } finally {
    await producer?.shutdown();
    await endClient(sub);
    await endClient(p2p);
  }
});

test('data inflow keeps to the instance message TPS: messages wait for the next second, none is lost', { timeout }, async () => {
  const id = 'mqtt-cn-rules02';
  broker.addInstance(id, { settings: { maxTps: 10 } });
  const { port: tpsPort } = await broker.listen({ port: 0, host: HOST, instanceId: id });
  setRules([{ ...rule('in-tps', 'inflow', 'mq_tps', 'Slow'), instanceId: id }]);
  const sub = await connectClient(tpsPort, { clientId: 'GID_t@@@sub' });
  const arrivals: number[] = [];
  sub.on('message', () => arrivals.push(Date.now()));
  let producer: Producer | undefined;
  try {
    await sub.subscribeAsync('Slow/#', { qos: 1 });
    producer = await startProducer(mq.endpoint, 'mq_tps');
    const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const body of sent) await sendInflow(producer, 'mq_tps', body, { mqttSecondTopic: '/x' });

    // Each message counts twice (in, and out to the subscriber): 10 TPS lets about 5 through a second.
    const got = await inboxOf(sub).waitFor(20, 90_000);
    assert.deepEqual(got.map((m) => m.payload.toString()).sort(), [...sent].sort(), 'every message, once');
    const spread = arrivals[arrivals.length - 1]! - arrivals[0]!;
    assert.ok(spread >= 2000, `20 messages at 10 TPS arrive over several seconds, not at once (took ${spread} ms)`);
    assert.ok(broker.instance(id)!.stats.throttled > 0, 'counted as throttling');
    assert.equal(engine.stats(id)['in-tps']!.sent, 20);
  } finally {
    await producer?.shutdown();
    await endClient(sub);
    setRules([]);
  }
});

test('status notifications: connect, disconnect and tcpclean per channel, tag = event type', { timeout }, async () => {
  setRules([rule('st1', 'status', 'GID_watch', 'mq_status')]);
  const collector = await new Collector(mq.endpoint, 'mq_status', 'GID_test_status', 'connect||disconnect||tcpclean').start();
  try {
    const a = await connectClient(port, { clientId: 'GID_watch@@@d1' });
    const other = await connectClient(port, { clientId: 'GID_other@@@d1' });
    await endClient(a); // DISCONNECT, then the socket closes
    const b = await connectClient(port, { clientId: 'GID_watch@@@d1' });
    b.stream.destroy(); // no DISCONNECT: only tcpclean
    await endClient(other);
    const got = await collector.waitFor(5);
    const events = got.map((m) => ({ tag: m.tag, ...(JSON.parse(m.body.toString()) as StatusBody) }));
    for (const e of events) {
      assert.equal(e.tag, e.eventType);
      assert.equal(e.clientId, 'GID_watch@@@d1');
      assert.match(String(e.clientIp), /^127\.0\.0\.1:\d+$/);
      assert.equal(typeof e.time, 'number');
    }
    const channels = [...new Set(events.map((e) => String(e.channelId)))];
    assert.equal(channels.length, 2, 'one channel per TCP connection');
    const of = (ch: string) => events.filter((e) => String(e.channelId) === ch).map((e) => e.eventType).sort();
    assert.deepEqual(of(channels[0]!).length + of(channels[1]!).length, 5);
    const sets = channels.map(of).map((s) => s.join(','));
    assert.ok(sets.includes('connect,disconnect,tcpclean'), sets.join(' | '));
    assert.ok(sets.includes('connect,tcpclean'), sets.join(' | '));

    // The seed's consumer logic: online = a channel with a connect and no offline event.
    const c = await connectClient(port, { clientId: 'GID_watch@@@d1' });
    await collector.waitFor(6);
    const online = (list: typeof collector.messages) => {
      const byChannel = new Map<string, Set<string>>();
      for (const m of list) {
        const body = JSON.parse(m.body.toString()) as StatusBody;
        if (!byChannel.has(body.channelId)) byChannel.set(body.channelId, new Set());
        byChannel.get(body.channelId)!.add(body.eventType);
      }
      return [...byChannel.values()].some((s) => s.has('connect') && s.size === 1);
    };
    assert.equal(online(collector.messages), true);
    await endClient(c);
    await collector.waitFor(8);
    assert.equal(online(collector.messages), false);
  } finally {
    await collector.stop();
  }
});

test('a disabled rule stops forwarding at once; enabled again it forwards', { timeout }, async () => {
  setRules([rule('off1', 'outflow', 'Off', 'mq_off')]);
  const collector = await new Collector(mq.endpoint, 'mq_off', 'GID_test_off').start();
  const c = await connectClient(port, { clientId: 'GID_c@@@off' });
  try {
    await c.publishAsync('Off/1', 'one', { qos: 1 });
    await collector.waitFor(1);
    setRules([rule('off1', 'outflow', 'Off', 'mq_off', false)]);
    assert.equal(broker.instance(INSTANCE)!.rules, null, 'no rule left: the hot path is back to one comparison');
    await c.publishAsync('Off/2', 'two', { qos: 1 });
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(collector.messages.map((m) => m.body.toString()), ['one']);
    setRules([rule('off1', 'outflow', 'Off', 'mq_off', true)]);
    await c.publishAsync('Off/3', 'three', { qos: 1 });
    await collector.waitFor(2);
    assert.deepEqual(collector.messages.map((m) => m.body.toString()), ['one', 'three']);
  } finally {
    await endClient(c);
    await collector.stop();
  }
});

test('RocketMQ unreachable: QoS 1 waits in the buffer up to its bound, the rest is dropped and counted', { timeout }, async () => {
  process.env.MAGPIE_RULE_BUFFER_LIMIT = '5';
  try {
    const dead: ClusterConfig = { id: 2, endpoints: '127.0.0.1:1', namespace: '', accessKey: null, secretKey: null };
    setRules([{ ...rule('bound1', 'outflow', 'Bound', 'mq_off'), clusterId: 2 }], [cluster, dead]);
  } finally {
    delete process.env.MAGPIE_RULE_BUFFER_LIMIT;
  }
  const c = await connectClient(port, { clientId: 'GID_c@@@bound' });
  try {
    for (let i = 0; i < 8; i++) await c.publishAsync(`Bound/${i}`, `m${i}`, { qos: 1 });
    await eventually(() => engine.stats(INSTANCE).bound1!.failed > 0, 'a failed send', 10_000);
    const stats = engine.stats(INSTANCE).bound1!;
    assert.equal(stats.buffered, 5);
    assert.equal(stats.dropped, 3);
    assert.equal(stats.sent, 0);
    assert.ok(stats.lastError !== null && stats.lastErrorAt !== null);
  } finally {
    await endClient(c);
    setRules([]);
  }
});

test('RocketMQ stopped and started again in the middle of a QoS 1 stream: nothing acknowledged is lost', { timeout }, async () => {
  setRules([rule('stream1', 'outflow', 'Stream', 'mq_stream')]);
  const c = await connectClient(port, { clientId: 'GID_c@@@stream' });
  const collector = await new Collector(mq.endpoint, 'mq_stream', 'GID_test_stream').start();
  const N = 60;
  try {
    // A burst, so that sends are still in flight (the sender keeps several going) when RocketMQ stops.
    await Promise.all(Array.from({ length: 20 }, (_, k) => c.publishAsync('Stream/s', String(k), { qos: 1 })));
    await mq.stopBroker();
    let i = 20;
    for (; i < 40; i++) await c.publishAsync('Stream/s', String(i), { qos: 1 }); // acknowledged: buffered
    await eventually(() => engine.stats(INSTANCE).stream1!.buffered > 0, 'messages buffered while RocketMQ is down', 10_000);
    await mq.startBroker();
    for (; i < N; i++) await c.publishAsync('Stream/s', String(i), { qos: 1 });
    await collector.waitFor(N, 180_000);
    const seen = collector.messages.map((m) => Number(m.body.toString()));
    assert.deepEqual([...new Set(seen)].sort((a, b) => a - b), Array.from({ length: N }, (_, k) => k), 'nothing lost');
    const stats = engine.stats(INSTANCE).stream1!;
    assert.equal(stats.buffered, 0);
    assert.equal(stats.dropped, 0);
  } finally {
    await endClient(c);
    await collector.stop();
  }
});
