/**
 * The RocketMQ fixture really serves: a topic made with the admin tool, a message with a tag and
 * user properties sent by the Node client's Producer and received by a SimpleConsumer (its group
 * created on first use), and the same after the proxy+broker is stopped and started again on the
 * same ports and store — including a message sent before the stop and received only after it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { groupAlive, quietRocketMQLogger, startRocketMQ, type RocketMQ } from './rocketmq';

// The first run builds the classpath with Maven (tens of seconds when ~/.m2 is empty) and JVMs
// start slowly on a busy 2-core machine.
const timeout = 10 * 60_000;
let mq: RocketMQ;

before(async () => {
  mq = await startRocketMQ({ topics: ['magpie_fixture'] });
}, { timeout });

after(async () => {
  await mq?.stop();
});

async function receiveOne(consumer: SimpleConsumer, deadlineMs = 60_000): Promise<MessageView> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const messages = await consumer.receive(1, 30_000);
    if (messages.length > 0) {
      await consumer.ack(messages[0]!);
      return messages[0]!;
    }
  }
  throw new Error('no message received');
}

function producer(topic: string) {
  return new Producer({ endpoints: mq.endpoint, namespace: '', topic, logger: quietRocketMQLogger });
}

function consumer(topic: string, group: string) {
  return new SimpleConsumer({
    endpoints: mq.endpoint,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 2000,
    logger: quietRocketMQLogger,
  });
}

// Every client made must be shut down: a client's constructor already starts a timer that keeps
// this process (and so the test run) alive until shutdown().
function clients(topic: string, group: string) {
  return { producer: producer(topic), consumer: consumer(topic, group) };
}

test('a Producer sends a tagged message with user properties and a SimpleConsumer receives it', { timeout }, async () => {
  await mq.createTopic('magpie_tags');
  const { producer, consumer } = clients('magpie_tags', 'GID_magpie_fixture');
  await consumer.startup();
  await producer.startup();
  try {
    const receipt = await producer.send({
      topic: 'magpie_tags',
      tag: 'MQ2MQTT',
      keys: ['k1'],
      body: Buffer.from('hello from RocketMQ'),
      properties: new Map([['mqttSecondTopic', '/testMq4Iot']]),
    });
    const message = await receiveOne(consumer);
    assert.equal(message.messageId, receipt.messageId);
    assert.equal(message.body.toString(), 'hello from RocketMQ');
    assert.equal(message.tag, 'MQ2MQTT');
    assert.deepEqual(message.keys, ['k1']);
    assert.equal(message.properties.get('mqttSecondTopic'), '/testMq4Iot');
  } finally {
    await producer.shutdown();
    await consumer.shutdown();
  }
});

test('a topic that was not created is refused', { timeout }, async () => {
  const producer = new Producer({ endpoints: mq.endpoint, namespace: '', logger: quietRocketMQLogger, maxAttempts: 1 });
  await producer.startup();
  try {
    await assert.rejects(producer.send({ topic: 'magpie_no_such_topic', body: Buffer.from('x') }));
  } finally {
    await producer.shutdown();
  }
});

test('the broker stopped and started again on the same ports and store loses nothing', { timeout }, async () => {
  const topic = 'magpie_fixture'; // created by before(), used by no other test: empty here
  const before = clients(topic, 'GID_magpie_restart');
  // The group's subscription exists before the stop, so the message sent now waits for it.
  await before.consumer.startup();
  await before.producer.startup();
  const sent = await before.producer.send({ topic, tag: 'BEFORE', body: Buffer.from('sent before the stop') });
  await before.producer.shutdown();
  await before.consumer.shutdown();

  const pgidsBefore = mq.pgids();
  await mq.stopBroker();
  assert.equal(mq.pgids().length, pgidsBefore.length - 1, 'the proxy JVM is gone');
  assert.ok(pgidsBefore.filter(groupAlive).length === 1, 'only the name server still runs');
  await mq.startBroker();

  const again = clients(topic, 'GID_magpie_restart');
  await again.consumer.startup();
  await again.producer.startup();
  try {
    const kept = await receiveOne(again.consumer);
    assert.equal(kept.messageId, sent.messageId);
    assert.equal(kept.body.toString(), 'sent before the stop');

    await again.producer.send({ topic, tag: 'AFTER', body: Buffer.from('sent after the restart') });
    const fresh = await receiveOne(again.consumer);
    assert.equal(fresh.tag, 'AFTER');
    assert.equal(fresh.body.toString(), 'sent after the restart');
  } finally {
    await again.producer.shutdown();
    await again.consumer.shutdown();
  }
});

test('a broker killed (SIGKILL, as a crash) comes back with its messages, and clients shut down earlier do not crash this process', { timeout }, async () => {
  // A new group reads a topic from its first message: a topic of its own keeps earlier tests' out.
  const topic = 'magpie_kill';
  await mq.createTopic(topic);
  const first = clients(topic, 'GID_magpie_kill');
  await first.consumer.startup();
  await first.producer.startup();
  const sent = await first.producer.send({ topic, body: Buffer.from('sent before the kill') });
  // Shut down while the proxy still runs: their telemetry streams must not blow up when it dies.
  await first.producer.shutdown();
  await first.consumer.shutdown();

  await mq.restart({ kill: true });

  const again = consumer(topic, 'GID_magpie_kill');
  await again.startup();
  try {
    const kept = await receiveOne(again);
    assert.equal(kept.messageId, sent.messageId);
    assert.equal(kept.body.toString(), 'sent before the kill');
  } finally {
    await again.shutdown();
  }
});
