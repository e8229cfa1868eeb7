/**
 * The writing side of telemetry.db, run in the telemetry worker thread (thread.ts): one
 * transaction per batch on prepared statements, names resolved to keys through a cache,
 * message events into the day's partition (partitions.ts), per-parent-topic counts folded
 * into one-minute buckets, and retention: whole days dropped, the small tables in chunks, then
 * the names no remaining event refers to.
 *
 * Names: each records the latest day an event referred to it (`last_day`, written at most once
 * per name and day). Once retention has removed every event of a name's last day (and a day's
 * margin), the name goes too, so the table follows the retention like the rest.
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
    insertName: db.prepare('INSERT INTO names (name, last_day) VALUES (?, ?)'),
    touchName: db.prepare('UPDATE names SET last_day = @day WHERE key = @key AND last_day < @day'),
    pruneNames: db.prepare(`DELETE FROM names WHERE key IN (SELECT key FROM names WHERE last_day < ? LIMIT ${RETENTION_CHUNK})`),
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
  /**
   * The broker thread's name numbers (batch.ts, NameUpdate): their strings, database keys
   * (looked up on first use), parent-topic keys, and the latest day recorded for each.
   */
  private localNames: string[] = [];
  private localKeys: number[] = [];
  private localParents: number[] = [];
  private localDays: number[] = [];
  /** Key → the latest day recorded in its `last_day`, for names used by key. */
  private readonly keyDays = new Map<number, number>();
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
    if (more) return true;
    // Every event of a day before `before`'s is gone now (a day's margin for the chunks'
    // "give or take one batch"): so are the names used last then.
    const pruned = this.s.pruneNames.run(dayOf(before) - 1).changes;
    if (pruned > 0) this.forgetKeys();
    return pruned === RETENTION_CHUNK;
  }

  /** Names were deleted: every name is looked up (or inserted) again when next used. */
  private forgetKeys(): void {
    this.names.clear();
    this.keyDays.clear();
    this.forgetLocalKeys();
  }

  /** What was learnt about the broker thread's numbers (their strings stay). */
  private forgetLocalKeys(): void {
    this.localKeys = [];
    this.localParents = [];
    this.localDays = [];
  }

  close(): void {
    this.db.close();
  }

  /** The key of a name the broker thread numbered, for an event of `day` (recorded as a use). */
  private localKey(n: number, day: number): number {
    let key = this.localKeys[n];
    if (key === undefined) {
      key = this.key(this.localNames[n], day);
      this.localKeys[n] = key;
    }
    if (!(this.localDays[n] >= day)) {
      this.localDays[n] = day;
      this.touchKey(key, day);
    }
    return key;
  }

  /** Records that an event of `day` refers to the name with this key. */
  private touchKey(key: number, day: number): void {
    if (this.keyDays.get(key)! >= day) return;
    if (this.keyDays.size >= NAME_CACHE_LIMIT) this.keyDays.clear();
    this.keyDays.set(key, day);
    this.s.touchName.run({ day, key });
  }

  /** The key of the parent topic (first level) of a topic the broker thread numbered, for an event of `day`. */
  private parentKey(topic: number, day: number): number {
    let key = this.localParents[topic];
    if (key === undefined) {
      const name = this.localNames[topic];
      const slash = name.indexOf('/');
      key = slash < 0 ? this.localKey(topic, day) : this.key(name.slice(0, slash), day);
      this.localParents[topic] = key;
    }
    this.touchKey(key, day);
    return key;
  }

  /** The key of a name used by an event of `day` (recorded as a use). */
  private usedKey(name: string, day: number): number {
    const key = this.key(name, day);
    this.touchKey(key, day);
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
      this.writeDay(m, ackedAt, sorted.subarray(start, end), day, this.partition(day));
      start = end;
    }
    this.countTopics(m);
  }

  /**
   * Writes one day's events (in message ID order): a segment row for each span of message IDs,
   * and the runs by client and by topic.
   */
  private writeDay(m: MessageColumns, ackedAt: Float64Array, rows: Uint32Array, day: number, p: PartitionStatements): void {
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
      const instanceKey = this.localKey(m.instances[i], day);
      const clientKey = this.localKey(m.clients[i], day);
      const topicKey = this.localKey(m.topics[i], day);
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
    // instance key → bucket → parent topic key → [in, out]
    const counts = new Map<number, Map<number, Map<number, [number, number]>>>();
    for (let i = 0; i < m.count; i++) {
      const kind = m.kinds[i];
      if (kind === MessageKind.ack) continue;
      const out = kind === MessageKind.sub || kind === MessageKind.push_offline ? 1 : 0;
      const time = m.times[i];
      const bucket = time - (time % TOPIC_BUCKET_MS);
      const day = dayOf(time);
      const instanceKey = this.localKey(m.instances[i], day);
      let byBucket = counts.get(instanceKey);
      if (!byBucket) counts.set(instanceKey, (byBucket = new Map()));
      let byTopic = byBucket.get(bucket);
      if (!byTopic) byBucket.set(bucket, (byTopic = new Map()));
      const parent = this.parentKey(m.topics[i], day);
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

  /** The key of a name (added if new, as last used on `day`); usedKey and localKey also record the use. */
  private key(name: string, day: number): number {
    let key = this.names.get(name);
    if (key !== undefined) return key;
    key = this.s.findName.get(name) as number | undefined;
    if (key === undefined) key = Number(this.s.insertName.run(name, day).lastInsertRowid);
    if (this.names.size >= NAME_CACHE_LIMIT) this.names.clear();
    this.names.set(name, key);
    return key;
  }

  private apply(batch: BatchInput): void {
    const s = this.s;
    const update = batch.names;
    if (update.reset) {
      this.localNames = [];
      this.forgetLocalKeys();
    }
    if (this.stale) {
      this.forgetKeys();
      this.stale = false;
    }
    // New numbers: their keys are looked up at first use (localKey), with the day of that event.
    for (let i = 0; i < update.names.length; i++) this.localNames[update.first + i] = update.names[i];
    const m = batch.messages;
    if (m) this.applyMessages(m);
    for (const d of batch.devices) {
      const day = dayOf(d.time);
      s.insertDevice.run(d.time, d.kind, this.usedKey(d.instanceId, day), this.usedKey(d.clientId, day), d.channel, d.address, d.description);
    }
    for (const r of batch.samples) {
      s.insertSample.run(
        r.time,
        this.usedKey(r.instanceId, dayOf(r.time)),
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
