/**
 * The broker's telemetry writer: trace events and per-instance samples into
 * `<dataDir>/telemetry.db`, off the delivery path.
 *
 *   const telemetry = TelemetryWriter.open(dataDir);      // migrations, node ID, worker thread
 *   setMessageIdNode(telemetry.nodeId);
 *   const broker = new Broker({ persistence, telemetry });
 *   telemetry.startSampling(broker);
 *   ...
 *   await broker.close(); await telemetry.close();          // flushes what is buffered
 *
 * **Hot path.** message() writes a few numbers into preallocated typed columns: no objects, no
 * JSON, no I/O. Strings (instance, client, topic) become numbers through a map, and each is
 * sent to the thread once (batch.ts, NameUpdate), so a batch moves to the thread without being
 * copied. device() (once per connection) pushes a small object.
 *
 * **Batches.** When `flushAt` events wait, or every `flushIntervalMs`, the columns are copied
 * out and posted to a worker thread (thread.ts), which writes them in one transaction. At
 * most two batches are in the thread's hands; meanwhile events keep collecting, up to
 * `capacity`. Beyond that they are dropped and counted (`dropped`, and per instance in the
 * samples' `trace_dropped`): delivery never waits for telemetry.
 */
import { Worker } from 'node:worker_threads';
import type { Broker } from '../broker/broker';
import type { DeviceEventRecord, FromThread, MessageColumns, SampleRecord, ToThread } from './batch';
import { prepareTelemetryDatabase } from './database';
import type { DeviceKind, MessageKind, TraceRecorder } from './kinds';
import { DEFAULT_RETENTION_DAYS } from './settings';
import type { ThreadData } from './thread';

export interface TelemetryWriterOptions {
  /** Message events buffered at most while the thread is busy; more are dropped. Default 131,072 (4 MB). */
  capacity?: number;
  /**
   * A batch leaves as soon as this many events wait. Default 16,384. Larger batches cost the
   * thread less per event (0.67 µs at 16,384, 0.50 µs at 65,536, 500 pairs QoS 1, measured
   * alone), but in the benchmark fan-out lost throughput with them (0.84-0.86 of telemetry off
   * at 65,536 against 0.97-0.99 at 16,384; see README.md): kept at 16,384.
   */
  flushAt?: number;
  /** …and at the latest after this long. Default 1 s. */
  flushIntervalMs?: number;
  /** Rows older than this are deleted. Default 3 days (console setting `telemetryRetentionDays`). */
  retentionDays?: number;
  /** Default db/telemetry-migrations under MAGPIE_ROOT or the working directory. */
  migrationsFolder?: string;
}

export const SAMPLE_INTERVAL_MS = 10_000;
const DAY_MS = 86_400_000;
/** Batches posted to the thread and not yet written. */
const MAX_IN_FLIGHT = 2;
/** Device events buffered at most (they are rare: one per connect or close). */
const DEVICE_CAPACITY = 20_000;
/** Strings numbered at most; beyond it the numbering starts over (bounds the map). */
const NAME_LIMIT = 100_000;

interface StatsSnapshot {
  time: number;
  received: number;
  sent: number;
  dropped: number;
  throttled: number;
  offlineDropped: number;
}

export class TelemetryWriter implements TraceRecorder {
  readonly file: string;
  /** This data directory's half of every message ID. */
  readonly nodeId: string;
  /** Events dropped because the buffer was full, since start. */
  dropped = 0;

  private readonly capacity: number;
  private readonly flushAt: number;
  private count = 0;
  private readonly kinds: Uint8Array;
  private readonly qos: Uint8Array;
  private readonly times: Float64Array;
  private readonly ids: Float64Array;
  private readonly instances: Uint32Array;
  private readonly clients: Uint32Array;
  private readonly topics: Uint32Array;
  /** String → its number (1…); names not yet sent to the thread, from number `firstNew` on. */
  private numbers = new Map<string, number>();
  private newNames: string[] = [];
  private firstNew = 1;
  private resetNames = false;
  private lastInstance = '';
  private lastInstanceNumber = 0;
  private lastTopic = '';
  private lastTopicNumber = 0;
  private clock = 0;
  private readonly clockTick = () => {
    this.clock = 0;
  };
  private devices: DeviceEventRecord[] = [];
  private samples: SampleRecord[] = [];
  private readonly droppedBy = new Map<string, number>();

  private readonly worker: Worker;
  private dead = false;
  private closing: Promise<void> | null = null;
  private inFlight = 0;
  private postedSeq = 0;
  private doneSeq = 0;
  private waiters: (() => void)[] = [];
  private flushScheduled = false;
  private readonly flushTimer: NodeJS.Timeout;
  private sampleTimer: NodeJS.Timeout | null = null;
  private readonly lastStats = new Map<string, StatsSnapshot>();
  private retentionDays: number;

  static open(dataDir: string, options: TelemetryWriterOptions = {}): TelemetryWriter {
    const { file, nodeId } = prepareTelemetryDatabase(dataDir, options.migrationsFolder);
    return new TelemetryWriter(file, nodeId, options);
  }

  /** Like open(), but a telemetry database that cannot be opened costs the traces, not the broker: null (logged). */
  static tryOpen(dataDir: string, options: TelemetryWriterOptions = {}): TelemetryWriter | null {
    try {
      return TelemetryWriter.open(dataDir, options);
    } catch (err) {
      console.error('[telemetry] cannot open telemetry.db; traces and statistics are not recorded:', err);
      return null;
    }
  }

  private constructor(file: string, nodeId: string, options: TelemetryWriterOptions) {
    this.file = file;
    this.nodeId = nodeId;
    const capacity = (this.capacity = options.capacity ?? 131_072);
    this.flushAt = Math.min(options.flushAt ?? 16_384, capacity);
    this.kinds = new Uint8Array(capacity);
    this.qos = new Uint8Array(capacity);
    this.times = new Float64Array(capacity);
    this.ids = new Float64Array(capacity);
    this.instances = new Uint32Array(capacity);
    this.clients = new Uint32Array(capacity);
    this.topics = new Uint32Array(capacity);

    this.retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    const data: ThreadData = { file, retentionMs: this.retentionDays * DAY_MS };
    this.worker = new Worker(new URL('./thread-boot.mjs', import.meta.url), { workerData: data });
    this.worker.unref();
    this.worker.on('message', (msg: FromThread) => this.onThreadMessage(msg));
    this.worker.on('error', (err) => {
      console.error('[telemetry] the writer thread failed; telemetry stops:', err);
      this.die();
    });
    this.worker.on('exit', () => this.die());
    this.flushTimer = setInterval(() => this.post(), options.flushIntervalMs ?? 1000);
    this.flushTimer.unref();
  }

  // ---- hot path ------------------------------------------------------------------------------

  message(kind: MessageKind, instanceId: string, clientId: string, messageId: number, topic: string, qos: number): void {
    const n = this.count;
    if (n >= this.capacity) {
      this.drop(instanceId);
      return;
    }
    this.kinds[n] = kind;
    this.qos[n] = qos;
    this.times[n] = this.now();
    this.ids[n] = messageId;
    // The instance is nearly always the previous event's, and a message's events (publish,
    // deliveries, acks) follow each other with the same topic string: skip the map for those.
    if (instanceId !== this.lastInstance) {
      this.lastInstance = instanceId;
      this.lastInstanceNumber = this.number(instanceId);
    }
    if (topic !== this.lastTopic) {
      this.lastTopic = topic;
      this.lastTopicNumber = this.number(topic);
    }
    this.instances[n] = this.lastInstanceNumber;
    this.clients[n] = this.number(clientId);
    this.topics[n] = this.lastTopicNumber;
    this.count = n + 1;
    if (n + 1 === this.flushAt) this.scheduleFlush();
  }

  private number(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.firstNew + this.newNames.length;
      this.numbers.set(name, n);
      this.newNames.push(name);
    }
    return n;
  }

  device(kind: DeviceKind, instanceId: string, clientId: string, channel: number, address: string, description: string): void {
    if (this.devices.length >= DEVICE_CAPACITY) {
      this.drop(instanceId);
      return;
    }
    this.devices.push({ time: this.now(), kind, instanceId, clientId, channel, address, description });
  }

  /**
   * The time, read once per event-loop turn: every event of a turn gets the same millisecond
   * (a clock read costs more than the rest of recording an event).
   */
  private now(): number {
    if (this.clock === 0) {
      this.clock = Date.now();
      setImmediate(this.clockTick);
    }
    return this.clock;
  }

  private drop(instanceId: string): void {
    this.dropped++;
    this.droppedBy.set(instanceId, (this.droppedBy.get(instanceId) ?? 0) + 1);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.post();
    });
  }

  // ---- batches -------------------------------------------------------------------------------

  /** Hands what is buffered to the thread, unless it already has enough to do. */
  private post(): void {
    if (this.dead || this.inFlight >= MAX_IN_FLIGHT) return;
    const n = this.count;
    if (n === 0 && this.devices.length === 0 && this.samples.length === 0) return;
    let messages: MessageColumns | null = null;
    const transfer: ArrayBuffer[] = [];
    if (n > 0) {
      messages = {
        count: n,
        kinds: this.kinds.slice(0, n),
        qos: this.qos.slice(0, n),
        times: this.times.slice(0, n),
        ids: this.ids.slice(0, n),
        instances: this.instances.slice(0, n),
        clients: this.clients.slice(0, n),
        topics: this.topics.slice(0, n),
      };
      transfer.push(messages.instances.buffer as ArrayBuffer, messages.clients.buffer as ArrayBuffer, messages.topics.buffer as ArrayBuffer);
      // slice() made fresh (non-shared) buffers: moved to the thread, not copied again.
      transfer.push(
        messages.kinds.buffer as ArrayBuffer,
        messages.qos.buffer as ArrayBuffer,
        messages.times.buffer as ArrayBuffer,
        messages.ids.buffer as ArrayBuffer,
      );
      this.count = 0;
    }
    const names = { reset: this.resetNames, first: this.firstNew, names: this.newNames };
    const msg: ToThread = { type: 'batch', seq: ++this.postedSeq, names, messages, devices: this.devices, samples: this.samples };
    this.devices = [];
    this.samples = [];
    this.firstNew += this.newNames.length;
    this.newNames = [];
    this.resetNames = false;
    if (this.numbers.size >= NAME_LIMIT) {
      // Every event posted so far uses the old numbers; everything after uses new ones.
      this.numbers = new Map();
      this.firstNew = 1;
      this.resetNames = true;
      this.lastInstance = this.lastTopic = '';
    }
    // The thread keeps the process alive only while it has work (so a flush is awaited).
    if (this.inFlight++ === 0) this.worker.ref();
    this.worker.postMessage(msg, transfer);
  }

  private onThreadMessage(msg: FromThread): void {
    if (msg.type !== 'done') return;
    if (--this.inFlight === 0) this.worker.unref();
    this.doneSeq = msg.seq;
    // Events that piled up while the thread was busy leave now.
    if (this.count >= this.flushAt || (this.waiters.length > 0 && this.hasBuffered())) this.post();
    this.wake();
  }

  private hasBuffered(): boolean {
    return this.count > 0 || this.devices.length > 0 || this.samples.length > 0;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private die(): void {
    if (this.dead) return;
    this.dead = true;
    clearInterval(this.flushTimer);
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.wake();
  }

  /** Resolves once everything recorded so far is in the database (or the thread is gone). */
  async flush(): Promise<void> {
    for (;;) {
      this.post();
      if (this.dead || (!this.hasBuffered() && this.doneSeq >= this.postedSeq)) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Rows older than this many days are deleted (in small chunks, between batches). */
  setRetentionDays(days: number): void {
    if (!(days > 0) || this.dead || days === this.retentionDays) return;
    this.retentionDays = days;
    this.worker.postMessage({ type: 'retention', ms: days * DAY_MS } satisfies ToThread);
  }

  // ---- samples -------------------------------------------------------------------------------

  /** Records every instance's counters every `intervalMs` (the statistics page's data). */
  startSampling(broker: Broker, intervalMs = SAMPLE_INTERVAL_MS): void {
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.sample(broker); // what happened since the instances started
    this.sampleTimer = setInterval(() => this.sample(broker), intervalMs);
    this.sampleTimer.unref();
  }

  /** Records one sample per instance: gauges now, counters since the previous sample. */
  sample(broker: Broker): void {
    const now = Date.now();
    const seen = new Set<string>();
    for (const id of broker.instanceIds) {
      const instance = broker.instance(id);
      if (!instance) continue;
      seen.add(id);
      // throttled/offlineDropped arrive with the instance limits; read them when present.
      const stats = instance.stats as unknown as Partial<Record<keyof StatsSnapshot, number>>;
      const current: StatsSnapshot = {
        time: now,
        received: stats.received ?? 0,
        sent: stats.sent ?? 0,
        dropped: stats.dropped ?? 0,
        throttled: stats.throttled ?? 0,
        offlineDropped: stats.offlineDropped ?? 0,
      };
      // An instance seen for the first time counts from when its counters started at 0, so
      // the first interval after a broker start (or an instance's creation) is not lost.
      const last = this.lastStats.get(id) ?? { time: instance.statsSince, received: 0, sent: 0, dropped: 0, throttled: 0, offlineDropped: 0 };
      this.lastStats.set(id, current);
      if (current.time <= last.time) continue;
      let subscriptions = 0;
      for (const session of instance.sessions.values()) subscriptions += session.subscriptionCount;
      const traceDropped = this.droppedBy.get(id) ?? 0;
      this.droppedBy.delete(id);
      this.samples.push({
        time: now,
        instanceId: id,
        intervalMs: now - last.time,
        connections: instance.connectedCount,
        subscriptions,
        messagesIn: current.received - last.received,
        messagesOut: current.sent - last.sent,
        throttled: current.throttled - last.throttled,
        dropped: current.dropped - last.dropped,
        offlineDropped: current.offlineDropped - last.offlineDropped,
        traceDropped,
      });
    }
    for (const id of this.lastStats.keys()) if (!seen.has(id)) this.lastStats.delete(id);
  }

  // ---- closing -------------------------------------------------------------------------------

  /** Writes what is buffered, then stops the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.sampleTimer) clearInterval(this.sampleTimer);
      clearInterval(this.flushTimer);
      await this.flush();
      if (this.dead) return;
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.ref();
      this.worker.postMessage({ type: 'close' } satisfies ToThread);
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([exited, timeout]);
      this.die();
      await this.worker.terminate();
    })();
    return this.closing;
  }
}
