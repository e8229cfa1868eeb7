/**
 * The sending half of a data-outflow or client status rule: takes messages in (synchronously,
 * from the broker's hot path) and sends them to the rule's RocketMQ topic in order, one at a
 * time, retrying with a back-off while RocketMQ is unreachable.
 *
 * Two lanes, ordered against each other by a shared sequence number:
 * - durable (QoS 1/2, status events): written to the Outbox first, removed once RocketMQ has
 *   it; so they survive an outage and a broker restart (at least once: a send whose answer is
 *   lost is sent again);
 * - QoS 0: in memory only (MQTT promises nothing more for it), at most MEMORY_LANE_LIMIT.
 * Beyond the bound (`MAGPIE_RULE_BUFFER_LIMIT` durable entries per rule, default 100 000) a
 * new message is dropped and counted (`dropped`, `lastError`): the oldest keep their order.
 */
import type { Producer } from 'rocketmq-client-nodejs';
import { createProducer, shutdownQuietly, startClient } from './clients';
import type { OutEntry, Outbox } from './outbox';
import type { OutMessage } from './outflow-message';
import { emptyStats, recordError, type ClusterConfig, type RuleStats } from './types';

const MEMORY_LANE_LIMIT = 10_000;
const LOAD_BATCH = 64;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;

export function bufferLimit(): number {
  const n = Number(process.env.MAGPIE_RULE_BUFFER_LIMIT);
  return Number.isInteger(n) && n > 0 ? n : 100_000;
}

export class RuleSender {
  private readonly memory: OutEntry[] = [];
  /** Durable entries loaded from the outbox, oldest first; `loadedUpTo` = the last seq loaded. */
  private disk: OutEntry[] = [];
  private loadedUpTo = 0;
  /** Durable entries on disk (loaded or not). */
  private durable: number;
  private producer: Producer | null = null;
  /** A producer still starting (stop() shuts it down too, or its timers would keep running). */
  private starting: Producer | null = null;
  private running = false;
  private stopped = false;
  /** Resolves the pump's idle wait (a message came in) / its retry back-off (stop, retarget). */
  private wake: (() => void) | null = null;
  private wakeRetry: (() => void) | null = null;
  /** Failed sends in a row: after a few, the producer is made again (fresh routes and channels). */
  private failures = 0;
  private retryMs = RETRY_MIN_MS;
  private readonly limit = bufferLimit();

  constructor(
    /** `<instanceId>/<ruleId>`: the outbox key. */
    readonly key: string,
    private readonly outbox: Outbox,
    private cluster: ClusterConfig,
    private topic: string,
    waitingOnDisk: number,
    /** Kept by the engine across disable/enable, so the counters survive. */
    readonly stats: RuleStats = emptyStats(),
  ) {
    this.durable = waitingOnDisk;
    this.stats.buffered = waitingOnDisk;
  }

  /** Another cluster or topic (the rule was edited): later sends go there. */
  retarget(cluster: ClusterConfig, topic: string): void {
    if (cluster !== this.cluster) {
      void shutdownQuietly(this.producer);
      this.producer = null;
    }
    this.cluster = cluster;
    this.topic = topic;
    this.kick(true);
  }

  /** Takes a message in. Synchronous: a durable one is in the outbox's open transaction on return. */
  push(message: OutMessage, durable: boolean): void {
    if (this.stopped) return;
    if (durable ? this.durable >= this.limit : this.memory.length >= MEMORY_LANE_LIMIT) {
      this.stats.dropped++;
      this.stats.lastError = `buffer full (${durable ? this.limit : MEMORY_LANE_LIMIT} messages): message dropped`;
      this.stats.lastErrorAt = Date.now();
      return;
    }
    const entry: OutEntry = { seq: this.outbox.seq(), ...message, durable };
    if (durable) {
      try {
        this.outbox.add(this.key, entry);
      } catch (err) {
        // The disk failed (full, closed at shutdown): counted, never thrown into the broker's hot path.
        this.stats.dropped++;
        recordError(this.stats, err);
        return;
      }
      this.durable++;
    } else this.memory.push(entry);
    this.stats.buffered++;
    this.kick();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Never an unhandled rejection in the broker process: a broken outbox shows in the stats.
    this.pump().catch((err: unknown) => {
      this.running = false;
      recordError(this.stats, err);
    });
  }

  /** Stops sending; what is on disk stays there for when the rule runs again. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.kick(true);
    const producer = this.producer;
    this.producer = null;
    await Promise.all([shutdownQuietly(producer), shutdownQuietly(this.starting)]);
  }

  /** Wakes an idle pump; with `retry`, also one waiting out a back-off. */
  private kick(retry = false): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
    if (retry) {
      const wakeRetry = this.wakeRetry;
      this.wakeRetry = null;
      wakeRetry?.();
    }
  }

  private next(): OutEntry | null {
    if (this.disk.length === 0 && this.durable > 0) {
      this.disk = this.outbox.load(this.key, this.loadedUpTo, LOAD_BATCH);
      if (this.disk.length > 0) this.loadedUpTo = this.disk[this.disk.length - 1]!.seq;
      else {
        // The count was off (a sender of the same rule stopped mid-send removed its entry): the disk is the truth.
        this.durable = 0;
        this.stats.buffered = this.memory.length;
      }
    }
    const d = this.disk[0];
    const m = this.memory[0];
    if (d && (!m || d.seq < m.seq)) return d;
    return m ?? null;
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const entry = this.next();
      if (!entry) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        const producer = await this.ensureProducer();
        await producer.send({
          topic: this.topic,
          tag: entry.tag ?? undefined,
          keys: entry.key ? [entry.key] : undefined,
          properties: new Map(Object.entries(entry.properties)),
          body: entry.body,
        });
      } catch (err) {
        if (this.stopped) break;
        this.stats.failed++;
        recordError(this.stats, err);
        if (++this.failures >= 3) {
          this.failures = 0;
          const producer = this.producer;
          this.producer = null;
          void shutdownQuietly(producer);
        }
        await this.pause(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        continue;
      }
      this.retryMs = RETRY_MIN_MS;
      this.failures = 0;
      // Stopped meanwhile: the outbox may be closed; the entry stays and is sent again later (at least once).
      if (this.stopped) break;
      if (entry.durable) {
        this.disk.shift();
        this.durable--;
        this.outbox.done(entry.seq);
      } else this.memory.shift();
      this.stats.buffered--;
      this.stats.sent++;
      this.stats.lastSentAt = Date.now();
    }
    this.running = false;
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = createProducer(this.cluster, [this.topic]);
    this.starting = producer;
    try {
      await startClient(producer);
    } finally {
      this.starting = null;
    }
    if (this.stopped) {
      await shutdownQuietly(producer);
      throw new Error('rule stopped');
    }
    this.producer = producer;
    return producer;
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeRetry = null;
        resolve();
      }, ms);
      this.wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
