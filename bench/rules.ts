/**
 * How fast the rules move messages between MQTT and a real Apache RocketMQ 5 (the tests'
 * fixture, server/testing/rocketmq.ts). See bench/README.md.
 *
 * - Data outflow: one MQTT client publishes a burst at QoS 1, then at QoS 0; timed until
 *   RocketMQ has accepted every message (a RocketMQ consumer checks that all arrive).
 * - Data inflow: a RocketMQ producer sends a burst of MQ2MQTT messages (up to 64 sends at a
 *   time); timed until an MQTT subscriber has received every one.
 *
 *   npm run bench:rules                      # bursts of 5,000 messages
 *   npm run bench:rules -- --messages=20000
 */
import { Broker } from '../server/broker/broker';
import { RuleEngine } from '../server/broker/rules/engine';
import { Collector, sendInflow, startProducer } from '../server/broker/rules/testing';
import { connectClient, endClient, eventually, HOST, inboxOf } from '../server/broker/testing/helpers';
import { startRocketMQ } from '../server/testing/rocketmq';

const arg = process.argv.find((a) => a.startsWith('--messages='));
const messages = arg ? Number(arg.slice('--messages='.length)) : 5000;
if (!Number.isInteger(messages) || messages < 1) {
  console.error('--messages must be a positive integer');
  process.exit(2);
}

const INSTANCE = 'mqtt-cn-bench01';
const TOPIC = 'bench_outflow';
const INFLOW_TOPIC = 'bench_inflow';
const SEND_WINDOW = 64;

console.log('starting RocketMQ (name server + proxy in local mode)…');
const mq = await startRocketMQ({ topics: [TOPIC, INFLOW_TOPIC] });
const broker = new Broker();
const engine = new RuleEngine(null);
const collector = new Collector(mq.endpoint, TOPIC, 'GID_bench_outflow');
let exitCode = 0;
try {
  const { port } = await broker.listen({ port: 0, host: HOST, instanceId: INSTANCE });
  const cluster = { id: 1, endpoints: mq.endpoint, namespace: '', accessKey: null, secretKey: null };
  engine.apply(broker, [cluster], [
    { instanceId: INSTANCE, ruleId: 'bench', enabled: true, type: 'outflow', source: 'Bench', target: TOPIC, clusterId: 1 },
    { instanceId: INSTANCE, ruleId: 'benchin', enabled: true, type: 'inflow', source: INFLOW_TOPIC, target: 'Inflow', clusterId: 1 },
  ]);
  await collector.start();
  const client = await connectClient(port, { clientId: 'GID_bench@@@publisher' });
  const sent = () => engine.stats(INSTANCE).bench!.sent;

  // A first message starts the rule's producer, so that its start-up is not timed.
  await client.publishAsync('Bench/warmup', 'warm-up', { qos: 1 });
  await eventually(() => sent() >= 1, 'the warm-up message sent', 60_000);

  console.log(`\nData outflow\n\n| QoS | messages | published in | sent to RocketMQ in | messages/s |\n|---:|---:|---:|---:|---:|`);
  let expected = 1;
  for (const qos of [1, 0] as const) {
    const before = sent();
    const t0 = performance.now();
    // In chunks: MQTT.js adds a listener per write waiting for its socket to drain.
    for (let i = 0; i < messages; i += 500) {
      const chunk = Array.from({ length: Math.min(500, messages - i) }, (_, k) => client.publishAsync('Bench/burst', String(i + k), { qos }));
      await Promise.all(chunk);
    }
    const published = performance.now() - t0;
    await eventually(() => sent() - before >= messages, `all ${messages} QoS ${qos} messages sent`, 600_000);
    const total = performance.now() - t0;
    expected += messages;
    console.log(`| ${qos} | ${messages} | ${published.toFixed(0)} ms | ${total.toFixed(0)} ms | ${Math.round(messages / (total / 1000))} |`);
  }
  await endClient(client);
  await collector.waitFor(expected, 300_000);
  const stats = engine.stats(INSTANCE).bench!;
  console.log(`\nconsumed from RocketMQ: ${collector.messages.length} of ${expected}; rule stats: sent ${stats.sent}, failed ${stats.failed}, dropped ${stats.dropped}`);

  // Inflow: a warm-up message first, so that the rule's consumer and the producer are running.
  const subscriber = await connectClient(port, { clientId: 'GID_bench@@@subscriber' });
  await subscriber.subscribeAsync('Inflow/#', { qos: 1 });
  const inbox = inboxOf(subscriber);
  const producer = await startProducer(mq.endpoint, INFLOW_TOPIC);
  await sendInflow(producer, INFLOW_TOPIC, 'warm-up', { mqttSecondTopic: '/warmup' });
  await inbox.waitFor(1, 120_000);
  const t0 = performance.now();
  let next = 0;
  const sender = async () => {
    while (next < messages) {
      const i = next++;
      await sendInflow(producer, INFLOW_TOPIC, String(i), { mqttSecondTopic: '/burst' });
    }
  };
  await Promise.all(Array.from({ length: SEND_WINDOW }, sender));
  const sentIn = performance.now() - t0;
  await inbox.waitFor(messages + 1, 600_000);
  const total = performance.now() - t0;
  const instats = engine.stats(INSTANCE).benchin!;
  console.log(`\nData inflow\n\n| messages | sent to RocketMQ in | received over MQTT in | messages/s |\n|---:|---:|---:|---:|`);
  console.log(`| ${messages} | ${sentIn.toFixed(0)} ms | ${total.toFixed(0)} ms | ${Math.round(messages / (total / 1000))} |`);
  const distinct = new Set(inbox.messages.map((m) => m.payload.toString())).size;
  console.log(`\nreceived over MQTT: ${inbox.messages.length} (${distinct} distinct) of ${messages + 1}; rule stats: sent ${instats.sent}, failed ${instats.failed}, dropped ${instats.dropped}`);
  await producer.shutdown();
  await endClient(subscriber);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await collector.stop().catch(() => {});
  await engine.stop();
  await broker.close();
  await mq.stop();
}
process.exit(exitCode);
