/**
 * A data-inflow rule: a RocketMQ SimpleConsumer (group `GID_magpie_<instance>_<ruleId>`) reads
 * the source topic's `MQ2MQTT` messages and publishes each into the instance at
 * `<target parent><mqttSecondTopic>` (PRODUCT.md §6). A message is acknowledged to RocketMQ
 * only after the instance accepted it and its store committed (so a persistent receiver has
 * it on disk); a failure leaves it unacknowledged and RocketMQ delivers it again after the
 * invisible duration. A message that can never become an MQTT message (bad topic, too large)
 * is acknowledged and counted as dropped, so it does not come back forever. The instance's
 * message TPS applies: once the second's budget is used, the next message waits for the next
 * second (counted with the instance's throttling events, as a parked publisher is).
 */
import type { MessageView, SimpleConsumer } from 'rocketmq-client-nodejs';
import type { QoS } from 'mqtt-packet';
import type { BrokerInstance } from '../instance';
import { createMessage, type Message } from '../message';
import { p2pTarget } from '../routing/p2p';
import { isValidTopicName } from '../routing/topics';
import { consumerGroupOf, createConsumer, shutdownQuietly, startClient } from './clients';
import { emptyStats, recordError, type ClusterConfig, type RuleStats } from './types';

const BATCH = 32;
/** How long a received message stays invisible to other receives before RocketMQ redelivers it. */
const INVISIBLE_MS = 20_000;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;

/** Why a RocketMQ message cannot be published into the instance; null when it can. */
type Mapped = { message: Message; realTopic: string | null } | { error: string };

export function inflowMessage(view: Pick<MessageView, 'body' | 'properties'>, targetParent: string, maxPayloadBytes: number): Mapped {
  const props = view.properties;
  const second = props.get('mqttSecondTopic') ?? '';
  if (second !== '' && !second.startsWith('/')) return { error: `mqttSecondTopic must start with "/": ${JSON.stringify(second)}` };
  const topic = targetParent + second;
  if (!isValidTopicName(topic) || topic.includes('+') || topic.includes('#')) return { error: `invalid MQTT topic ${JSON.stringify(topic)}` };
  const q = props.get('qoslevel');
  const qos = (q === '0' || q === '2' ? Number(q) : 1) as QoS;
  if (maxPayloadBytes > 0 && view.body.length > maxPayloadBytes) return { error: `payload larger than ${maxPayloadBytes} bytes` };
  const real = props.get('mqttRealTopic');
  const realTopic = real !== undefined && real !== '' && isValidTopicName(real) ? real : null;
  return {
    message: createMessage({
      topic: realTopic !== null && p2pTarget(topic) !== null ? realTopic : topic,
      payload: view.body,
      qos,
      retain: false,
      publisher: null,
      cleanSession: props.get('cleansessionflag') === 'true',
    }),
    realTopic: realTopic !== null && p2pTarget(topic) !== null ? topic : null,
  };
}

export class InflowRule {
  private consumer: SimpleConsumer | null = null;
  /** A consumer still starting (stop() shuts it down too, or its timers would keep running). */
  private starting: SimpleConsumer | null = null;
  private stopped = false;
  private wakeRetry: (() => void) | null = null;
  private retryMs = RETRY_MIN_MS;

  constructor(
    private readonly instance: BrokerInstance,
    private readonly ruleId: string,
    private readonly cluster: ClusterConfig,
    private readonly topic: string,
    private readonly target: string,
    readonly stats: RuleStats = emptyStats(),
  ) {}

  start(): void {
    this.run().catch((err: unknown) => recordError(this.stats, err));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeRetry?.();
    const consumer = this.consumer;
    this.consumer = null;
    await Promise.all([shutdownQuietly(consumer), shutdownQuietly(this.starting)]);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.ensureConsumer();
        const views = await consumer.receive(BATCH, INVISIBLE_MS);
        // Each message is acknowledged as soon as it is accepted, without waiting for the
        // answer before the next: one acknowledgement at a time held a rule to one message per
        // round trip. A failed acknowledgement only means RocketMQ delivers that one again.
        const acks: Promise<unknown>[] = [];
        for (const view of views) {
          // The instance's message TPS holds inflow back as it holds back a publisher: the
          // message waits (unacknowledged) for the next second's budget.
          while (!this.stopped && this.instance.tps.exhausted()) {
            this.instance.stats.throttled++;
            await this.pause(1000 - (Date.now() % 1000) + 1);
          }
          if (this.stopped) break; // not acknowledged: RocketMQ delivers it again
          this.accept(view);
          const ack = consumer.ack(view);
          ack.catch(() => {}); // settled below; if accept() throws first, never an unhandled rejection
          acks.push(ack);
        }
        const failed = (await Promise.allSettled(acks)).find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        this.retryMs = RETRY_MIN_MS;
      } catch (err) {
        if (this.stopped) break;
        this.stats.failed++;
        recordError(this.stats, err);
        const consumer = this.consumer;
        this.consumer = null;
        void shutdownQuietly(consumer);
        await this.pause(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      }
    }
  }

  /** Publishes one RocketMQ message into the instance and commits the store (before the ack). */
  private accept(view: MessageView): void {
    const mapped = inflowMessage(view, this.target, this.instance.settings.maxPayloadBytes);
    if ('error' in mapped) {
      this.stats.dropped++;
      recordError(this.stats, new Error(`message ${view.messageId} dropped: ${mapped.error}`));
      return;
    }
    // mqttRealTopic on a P2P message: routed to the target of `realTopic` (the P2P topic), seen
    // by the receiver under mqttRealTopic.
    if (mapped.realTopic !== null) this.instance.publishP2PAs(mapped.message, mapped.realTopic, 'pub_mq');
    else this.instance.publish(mapped.message, 'pub_mq');
    this.instance.commit();
    this.stats.sent++;
    this.stats.lastSentAt = Date.now();
  }

  private async ensureConsumer(): Promise<SimpleConsumer> {
    if (this.consumer) return this.consumer;
    const consumer = createConsumer(this.cluster, consumerGroupOf(this.instance.id, this.ruleId), this.topic);
    this.starting = consumer;
    try {
      await startClient(consumer);
    } finally {
      this.starting = null;
    }
    if (this.stopped) {
      await shutdownQuietly(consumer);
      throw new Error('rule stopped');
    }
    this.consumer = consumer;
    return consumer;
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
