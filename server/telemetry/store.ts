/**
 * The writing side of telemetry.db, run in the telemetry worker thread (thread.ts): one
 * transaction per batch on prepared statements, names resolved to keys through a cache,
 * message events into the day's partition (partitions.ts), per-parent-topic counts folded
 * into one-minute buckets, and retention: whole days dropped, the small tables in chunks.
 */
import type Database from 'better-sqlite3';
import type { DeviceEventRecord, MessageColumns, NameUpdate, SampleRecord } from './batch';
import { openWritable } from './database';
import { MessageKind } from './kinds';
import { createPartition, dayOf, DAY_MS, dropPartition, listPartitions, MAX_RUN_SPAN_MS, packEvent, packEvents, partitionTables, SEGMENT_SPAN, SEGMENT_WIDTH } from './partitions';

/** The bucket of topic_samples: a minute (a week of a dozen parent topics stays ~100k rows). */
export const TOPIC_BUCKET_MS = 60_000;
/** Rows deleted per statement by retention: small, so a batch never waits long behind it. */
const RETENTION_CHUNK = 5000;
/** Names kept in memory; beyond it the cache starts over (the table is the truth). */
const NAME_CACHE_LIMIT = 100_000;

type Statements = ReturnType<typeof prepare>;

/** The statements writing one day's partition. */
function preparePartition(db: Database.Database, day: number) {
  createPartition(db, day);
  const t = partitionTables(day);
  return {
    insertSegment: db.prepare(`INSERT INTO ${t.messages} (min_id, max_id, events) VALUES (?, ?, ?)`),
    insertClientRun: db.prepare(`INSERT INTO ${t.clientRuns} (instance_key, client_key, time_first, time_last, events) VALUES (?, ?, ?, ?, ?)`),
    insertTopicRun: db.prepare(`INSERT INTO ${t.topicRuns} (instance_key, topic_key, time_first, time_last, events) VALUES (?, ?, ?, ?, ?)`),
  };
}
type PartitionStatements = ReturnType<typeof preparePartition>;

/** The events of one batch, one day, for one client (or topic): collected into a run. */
interface Run {
  instanceKey: number;
  key: number;
  first: number;
  last: number;
  /** Packed events (partitions.ts). */
  events: number[];
}

function prepare(db: Database.Database) {
  return {
    findName: db.prepare('SELECT key FROM names WHERE name = ?').pluck(),
    insertName: db.prepare('INSERT INTO names (name) VALUES (?)'),
    insertDevice: db.prepare(
      'INSERT INTO device_events (time, kind, instance_key, client_key, channel, address, description) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertSample: db.prepare(
      `INSERT INTO samples (time, instance_key, interval_ms, connections, subscriptions, messages_in, messages_out, throttled, dropped,
         offline_dropped, trace_dropped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    addTopicCounts: db.prepare(
      `INSERT INTO topic_samples (instance_key, time, topic_key, messages_in, messages_out) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (instance_key, time, topic_key) DO UPDATE SET messages_in = messages_in + excluded.messages_in,
         messages_out = messages_out + excluded.messages_out`,
    ),
    // Batches go in in time order, so the oldest rows are the first by rowid: no index on time needed.
    retention: (['device_events', 'samples', 'topic_samples'] as const).map((table) =>
      db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} ORDER BY rowid LIMIT ${RETENTION_CHUNK}) AND time < ?`),
    ),
  };
}

/**
 * Per event of the batch: for a QoS 1/2 delivery, the time of its ack if the ack is in the same
 * batch (else 0); for such an ack, -1 (not written: folded into the delivery's row); else 0.
 * Most acks follow their delivery within milliseconds, so most need no row of their own.
 */
function foldAcks(m: MessageColumns): Float64Array {
  const out = new Float64Array(m.count);
  // message ID → client number → the delivery's index (numbers as keys: cheaper than strings)
  let open: Map<number, Map<number, number>> | null = null;
  for (let i = 0; i < m.count; i++) {
    const kind = m.kinds[i];
    if ((kind === MessageKind.sub || kind === MessageKind.push_offline) && m.qos[i] > 0) {
      open ??= new Map();
      let byClient = open.get(m.ids[i]);
      if (!byClient) open.set(m.ids[i], (byClient = new Map()));
      byClient.set(m.clients[i], i);
    } else if (kind === MessageKind.ack && open) {
      const byClient = open.get(m.ids[i]);
      const delivery = byClient?.get(m.clients[i]);
      if (delivery !== undefined) {
        out[delivery] = m.times[i];
        out[i] = -1;
        byClient!.delete(m.clients[i]);
      }
    }
  }
  return out;
}

export interface BatchInput {
  names: NameUpdate;
  messages: MessageColumns | null;
  devices: readonly DeviceEventRecord[];
  samples: readonly SampleRecord[];
}

export class TelemetryStore {
  readonly db: Database.Database;
  private readonly s: Statements;
  private readonly names = new Map<string, number>();
  /** The broker thread's name numbers (batch.ts, NameUpdate): their strings, database keys and parent-topic keys. */
  private localNames: string[] = [];
  private localKeys: number[] = [];
  private localParents: number[] = [];
  /** A batch failed: look every name up again. */
  private stale = false;
  private readonly writeBatch: (batch: BatchInput) => void;
  private readonly partitions = new Map<number, PartitionStatements>();

  constructor(file: string) {
    this.db = openWritable(file);
    // The runs by client and by topic go all over their tables; keep their hot pages in memory (64 MB).
    this.db.pragma('cache_size = -65536');
    this.s = prepare(this.db);
    this.writeBatch = this.db.transaction((batch: BatchInput) => this.apply(batch));
  }

  write(batch: BatchInput): void {
    try {
      this.writeBatch(batch);
    } catch (err) {
      // Rolled back: names inserted by this batch are gone, so are the keys remembered for them,
      // and so is a partition it created.
      this.stale = true;
      this.partitions.clear();
      throw err;
    }
  }

  /**
   * Drops the message-trace partitions of days that ended before `before` (so rows are kept
   * at least the retention, at most a day longer), then deletes rows older than `before` among
   * the first RETENTION_CHUNK of each small table; true when it deleted some (call again
   * soon). Those rows are in time order batch by batch, so once a chunk has nothing to delete
   * the rest is newer, give or take one batch (caught on a later run).
   */
  retain(before: number): boolean {
    for (const day of listPartitions(this.db)) {
      if ((day + 1) * DAY_MS > before) break;
      this.partitions.delete(day);
      dropPartition(this.db, day);
    }
    let more = false;
    for (const statement of this.s.retention) {
      if (statement.run(before).changes > 0) more = true;
    }
    return more;
  }

  close(): void {
    this.db.close();
  }

  /** The key of the parent topic (first level) of a topic the broker thread numbered. */
  private parentKey(topic: number): number {
    let key = this.localParents[topic];
    if (key === undefined) {
      const name = this.localNames[topic];
      const slash = name.indexOf('/');
      key = slash < 0 ? this.localKeys[topic] : this.key(name.slice(0, slash));
      this.localParents[topic] = key;
    }
    return key;
  }

  /** The statements of a day's partition, created on first use. */
  private partition(day: number): PartitionStatements {
    let p = this.partitions.get(day);
    if (!p) {
      p = preparePartition(this.db, day);
      this.partitions.set(day, p);
    }
    return p;
  }

  private applyMessages(m: MessageColumns): void {
    const ackedAt = foldAcks(m);
    let rows = 0;
    const order = new Uint32Array(m.count);
    let minTime = Infinity;
    let maxTime = -Infinity;
    for (let i = 0; i < m.count; i++) {
      if (ackedAt[i] < 0) continue;
      order[rows++] = i;
      if (m.times[i] < minTime) minTime = m.times[i];
      if (m.times[i] > maxTime) maxTime = m.times[i];
    }
    if (rows === 0) return;
    // In the order of the table's key (message ID): new messages append at the end of the
    // B-tree. A batch rarely straddles midnight; when it does, day by day.
    const ids = m.ids;
    const sorted = order.subarray(0, rows);
    if (dayOf(minTime) === dayOf(maxTime)) sorted.sort((a, b) => ids[a] - ids[b] || a - b);
    else sorted.sort((a, b) => dayOf(m.times[a]) - dayOf(m.times[b]) || ids[a] - ids[b] || a - b);

    let start = 0;
    while (start < rows) {
      const day = dayOf(m.times[sorted[start]]);
      let end = start + 1;
      while (end < rows && dayOf(m.times[sorted[end]]) === day) end++;
      this.writeDay(m, ackedAt, sorted.subarray(start, end), this.partition(day));
      start = end;
    }
    this.countTopics(m);
  }

  /**
   * Writes one day's events (in message ID order): a segment row for each span of message IDs,
   * and the runs by client and by topic.
   */
  private writeDay(m: MessageColumns, ackedAt: Float64Array, rows: Uint32Array, p: PartitionStatements): void {
    const keys = this.localKeys;
    const clientRuns = new Map<number, Map<number, Run>>();
    const topicRuns = new Map<number, Map<number, Run>>();
    const run = (runs: Map<number, Map<number, Run>>, statement: Database.Statement, instanceKey: number, key: number, time: number): Run => {
      let byKey = runs.get(instanceKey);
      if (!byKey) runs.set(instanceKey, (byKey = new Map()));
      let r = byKey.get(key);
      if (r && (time - r.first > MAX_RUN_SPAN_MS || r.last - time > MAX_RUN_SPAN_MS)) {
        this.writeRun(statement, r);
        r = undefined;
      }
      if (!r) byKey.set(key, (r = { instanceKey, key, first: time, last: time, events: [] }));
      if (time < r.first) r.first = time;
      if (time > r.last) r.last = time;
      return r;
    };
    const count = rows.length;
    // The segments' events, packed into one array: each segment's blob is a view of its part.
    const packed = new Float64Array(count * SEGMENT_WIDTH);
    const bytes = Buffer.from(packed.buffer);
    let segmentStart = 0;
    for (let j = 0; j < count; j++) {
      const i = rows[j];
      const id = m.ids[i];
      const kind = m.kinds[i];
      const qos = m.qos[i];
      const time = m.times[i];
      const instanceKey = keys[m.instances[i]];
      const clientKey = keys[m.clients[i]];
      const topicKey = keys[m.topics[i]];
      const at = j * SEGMENT_WIDTH;
      packed[at] = id;
      packed[at + 1] = time;
      packed[at + 2] = kind + 8 * qos + 32 * clientKey;
      packed[at + 3] = ackedAt[i];
      packed[at + 4] = topicKey;
      packed[at + 5] = instanceKey;
      // A client's history leaves acks out (they are folded into, or found for, its deliveries);
      // a topic's lists its origins.
      if (kind !== MessageKind.ack) {
        packEvent(run(clientRuns, p.insertClientRun, instanceKey, clientKey, time).events, time, kind, qos, topicKey, ackedAt[i], id);
      }
      if (kind < MessageKind.sub) packEvent(run(topicRuns, p.insertTopicRun, instanceKey, topicKey, time).events, time, kind, qos, clientKey, 0, id);
      // The segment ends here when the next message ID is beyond its span (a message's events stay in one segment).
      const next = j + 1 < count ? m.ids[rows[j + 1]] : Infinity;
      const first = m.ids[rows[segmentStart]];
      if (next !== id && next - first > SEGMENT_SPAN) {
        p.insertSegment.run(first, id, bytes.subarray(segmentStart * SEGMENT_WIDTH * 8, (j + 1) * SEGMENT_WIDTH * 8));
        segmentStart = j + 1;
      }
    }
    for (const byKey of clientRuns.values()) for (const r of byKey.values()) this.writeRun(p.insertClientRun, r);
    for (const byKey of topicRuns.values()) for (const r of byKey.values()) this.writeRun(p.insertTopicRun, r);
  }

  private writeRun(statement: Database.Statement, run: Run): void {
    statement.run(run.instanceKey, run.key, run.first, run.last, packEvents(run.events));
  }

  private countTopics(m: MessageColumns): void {
    const keys = this.localKeys;
    // instance key → bucket → parent topic key → [in, out]
    const counts = new Map<number, Map<number, Map<number, [number, number]>>>();
    for (let i = 0; i < m.count; i++) {
      const kind = m.kinds[i];
      if (kind === MessageKind.ack) continue;
      const out = kind === MessageKind.sub || kind === MessageKind.push_offline ? 1 : 0;
      const time = m.times[i];
      const bucket = time - (time % TOPIC_BUCKET_MS);
      const instanceKey = keys[m.instances[i]];
      let byBucket = counts.get(instanceKey);
      if (!byBucket) counts.set(instanceKey, (byBucket = new Map()));
      let byTopic = byBucket.get(bucket);
      if (!byTopic) byBucket.set(bucket, (byTopic = new Map()));
      const parent = this.parentKey(m.topics[i]);
      const c = byTopic.get(parent);
      if (c) c[out]++;
      else byTopic.set(parent, out ? [0, 1] : [1, 0]);
    }
    for (const [instanceKey, byBucket] of counts) {
      for (const [bucket, byTopic] of byBucket) {
        for (const [topicKey, [inCount, outCount]] of byTopic) this.s.addTopicCounts.run(instanceKey, bucket, topicKey, inCount, outCount);
      }
    }
  }

  private key(name: string): number {
    let key = this.names.get(name);
    if (key !== undefined) return key;
    key = this.s.findName.get(name) as number | undefined;
    if (key === undefined) key = Number(this.s.insertName.run(name).lastInsertRowid);
    if (this.names.size >= NAME_CACHE_LIMIT) this.names.clear();
    this.names.set(name, key);
    return key;
  }

  private apply(batch: BatchInput): void {
    const s = this.s;
    const update = batch.names;
    if (update.reset) {
      this.localNames = [];
      this.localKeys = [];
      this.localParents = [];
    }
    if (this.stale) {
      this.names.clear();
      this.localParents = [];
      this.localKeys = this.localNames.map((name) => this.key(name));
      this.stale = false;
    }
    for (let i = 0; i < update.names.length; i++) {
      this.localNames[update.first + i] = update.names[i];
      this.localKeys[update.first + i] = this.key(update.names[i]);
    }
    const m = batch.messages;
    if (m) this.applyMessages(m);
    for (const d of batch.devices) {
      s.insertDevice.run(d.time, d.kind, this.key(d.instanceId), this.key(d.clientId), d.channel, d.address, d.description);
    }
    for (const r of batch.samples) {
      s.insertSample.run(
        r.time,
        this.key(r.instanceId),
        r.intervalMs,
        r.connections,
        r.subscriptions,
        r.messagesIn,
        r.messagesOut,
        r.throttled,
        r.dropped,
        r.offlineDropped,
        r.traceDropped,
      );
    }
  }
}
