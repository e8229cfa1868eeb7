/**
 * Test helpers for the rules: a RocketMQ consumer that collects what the rules send, and a
 * producer, against the real RocketMQ of server/testing/rocketmq.ts.
 */
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { quietRocketMQLogger } from '../../testing/rocketmq';

/** Receives (and acknowledges) everything of a topic into `messages`, until stop(). */
export class Collector {
  readonly messages: MessageView[] = [];
  private readonly consumer: SimpleConsumer;
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  constructor(endpoint: string, topic: string, group: string, tags = '*') {
    this.consumer = new SimpleConsumer({
      endpoints: endpoint,
      namespace: '',
      consumerGroup: group,
      subscriptions: new Map([[topic, tags]]),
      awaitDuration: 1000,
      logger: quietRocketMQLogger,
    });
  }

  async start(): Promise<this> {
    await this.consumer.startup();
    this.loop = (async () => {
      while (this.running) {
        try {
          const batch = await this.consumer.receive(32, 15_000);
          for (const m of batch) {
            this.messages.push(m);
            await this.consumer.ack(m);
          }
        } catch {
          await new Promise((r) => setTimeout(r, 200)); // RocketMQ restarting: try again
        }
      }
    })();
    return this;
  }

  async waitFor(n: number, timeoutMs = 30_000, what = `${n} RocketMQ messages`): Promise<MessageView[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}, have ${this.messages.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.messages;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.consumer.shutdown().catch(() => {});
  }
}

export async function startProducer(endpoint: string, topic: string): Promise<Producer> {
  const producer = new Producer({ endpoints: endpoint, namespace: '', topics: [topic], logger: quietRocketMQLogger });
  await producer.startup();
  return producer;
}

export function sendInflow(producer: Producer, topic: string, body: string, properties: Record<string, string>, tag = 'MQ2MQTT') {
  return producer.send({ topic, tag, body: Buffer.from(body), properties: new Map(Object.entries(properties)) });
}
