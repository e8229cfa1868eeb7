/**
 * The sending half of a data-outflow or client status rule: takes messages in (synchronously,
 * from the broker's hot path) and sends them to the rule's RocketMQ topic, up to `WINDOW` sends
 * at a time, oldest first, retrying with a back-off while RocketMQ is unreachable.
 *
 * One send at a time held a rule to one message per round trip (about 1,000 messages/s against
 * a local RocketMQ), below what one instance may publish. Sends in flight together can be
 * stored in another order than they were taken; RocketMQ spreads a normal topic's messages
 * over its queues anyway, so a consumer never had them in publish order.
 *
 * Two lanes, ordered against each other by a shared sequence number:
 * - durable (QoS 1/2, status events): written to the Outbox first, removed once RocketMQ has
 *   it; so they survive an outage and a broker restart (at least once: a send whose answer is
 *   lost is sent again);
 * - QoS 0: in memory only (MQTT promises nothing more for it), at most MEMORY_LANE_LIMIT.
 * Beyond the bound (`MAGPIE_RULE_BUFFER_LIMIT` durable entries per rule, default 100 000) a
 * new message is dropped and counted (`dropped`, `lastError`): the oldest keep their order.
 *
 * A failed send stops new ones: once those in flight have settled, the failed entries are
 * sent again first, after the back-off.
 */
import type { Producer } from 'rocketmq-client-nodejs';
import { createProducer, shutdownQuietly, startClient } from './clients';
import type { OutEntry, Outbox } from './outbox';
import type { OutMessage } from './outflow-message';
import { emptyStats, recordError, type ClusterConfig, type RuleStats } from './types';

const MEMORY_LANE_LIMIT = 10_000;
/** Sends in flight at once per rule. */
const WINDOW = 32;
const LOAD_BATCH = 64;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;

export function bufferLimit(): number {
  const n = Number(process.env.MAGPIE_RULE_BUFFER_LIMIT);
  return Number.isInteger(n) && n > 0 ? n : 100_000;
}

export class RuleSender {
  private readonly memory: OutEntry[] = [];
  /** Durable entries loaded from the outbox and not yet taken, oldest first; `loadedUpTo` = the last seq loaded. */
  private disk: OutEntry[] = [];
  private loadedUpTo = 0;
  /** Durable entries on disk (loaded or not, in flight, to retry). */
  private durable: number;
  /** Of those, the ones taken (in flight or in `retry`). */
  private durableTaken = 0;
  /** Entries whose send failed, oldest first: they go before anything else. */
  private retry: OutEntry[] = [];
  private inFlight = 0;
  /** A send failed: take no more until those in flight have settled and the back-off is over. */
  private failedSend = false;
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

  /** Takes the oldest entry waiting: a failed one, else the lower seq of the two lanes. */
  private take(): OutEntry | null {
    const r = this.retry.shift();
    if (r) return r;
    if (this.disk.length === 0 && this.durable > this.durableTaken) {
      this.disk = this.outbox.load(this.key, this.loadedUpTo, LOAD_BATCH);
      if (this.disk.length > 0) this.loadedUpTo = this.disk[this.disk.length - 1]!.seq;
      else {
        // The count was off (a sender of the same rule stopped mid-send removed its entry): the disk is the truth.
        this.durable = this.durableTaken;
        this.stats.buffered = this.memory.length + this.inFlight + this.retry.length;
      }
    }
    const d = this.disk[0];
    const m = this.memory[0];
    if (d && (!m || d.seq < m.seq)) {
      this.durableTaken++;
      return this.disk.shift()!;
    }
    return this.memory.shift() ?? null;
  }

  /** Waits for kick(): a message came in, a send settled, or the sender stops. */
  private idle(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      if (this.failedSend) {
        while (this.inFlight > 0 && !this.stopped) await this.idle();
        if (this.stopped) break;
        if (++this.failures >= 3) {
          this.failures = 0;
          const producer = this.producer;
          this.producer = null;
          void shutdownQuietly(producer);
        }
        await this.pause(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        this.failedSend = false;
        continue;
      }
      if (this.inFlight >= WINDOW) {
        await this.idle();
        continue;
      }
      const entry = this.take();
      if (!entry) {
        await this.idle();
        continue;
      }
      let producer: Producer;
      try {
        producer = await this.ensureProducer();
      } catch (err) {
        if (this.stopped) break;
        this.failed(entry, err);
        continue;
      }
      this.inFlight++;
      void this.send(producer, entry);
    }
    this.running = false;
  }

  /** One send of the window; never rejects (it runs detached from the pump). */
  private async send(producer: Producer, entry: OutEntry): Promise<void> {
    let sent = false;
    try {
      await producer.send({
        topic: this.topic,
        tag: entry.tag ?? undefined,
        keys: entry.key ? [entry.key] : undefined,
        properties: new Map(Object.entries(entry.properties)),
        body: entry.body,
      });
      sent = true;
    } catch (err) {
      if (!this.stopped) this.failed(entry, err);
    }
    this.inFlight--;
    // Stopped meanwhile: the outbox may be closed; the entry stays and is sent again later (at least once).
    if (sent && !this.stopped) {
      this.retryMs = RETRY_MIN_MS;
      this.failures = 0;
      this.stats.buffered--;
      this.stats.sent++;
      this.stats.lastSentAt = Date.now();
      if (entry.durable) {
        this.durable--;
        this.durableTaken--;
        try {
          this.outbox.done(entry.seq);
        } catch (err) {
          recordError(this.stats, err); // it stays on disk: sent again after a restart (at least once)
        }
      }
    }
    this.kick();
  }

  /** Puts a failed entry back, in seq order, for the next attempt. */
  private failed(entry: OutEntry, err: unknown): void {
    this.stats.failed++;
    recordError(this.stats, err);
    this.failedSend = true;
    let i = this.retry.length;
    while (i > 0 && this.retry[i - 1]!.seq > entry.seq) i--;
    this.retry.splice(i, 0, entry);
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
