/**
 * The writing side of telemetry.db, run in the telemetry worker thread (thread.ts): one
 * transaction per batch on prepared statements, names resolved to keys through a cache,
 * per-parent-topic counts folded into one-minute buckets, and retention in small chunks.
 */
import type Database from 'better-sqlite3';
import type { DeviceEventRecord, MessageColumns, NameUpdate, SampleRecord } from './batch';
import { openWritable } from './database';
import { MessageKind } from './kinds';

/** The bucket of topic_samples: a minute (a week of a dozen parent topics stays ~100k rows). */
export const TOPIC_BUCKET_MS = 60_000;
/** Rows deleted per statement by retention: small, so a batch never waits long behind it. */
const RETENTION_CHUNK = 5000;
/** Names kept in memory; beyond it the cache starts over (the table is the truth). */
const NAME_CACHE_LIMIT = 100_000;
/** Message events per INSERT statement: fewer calls into SQLite for the same rows. */
const ROWS_PER_INSERT = 64;
const MESSAGE_INSERT = 'INSERT INTO message_events (time, kind, instance_key, message_id, client_key, topic_key, qos, acked_at) VALUES ';
const COLUMNS = 8;
const ROW = `(${Array.from({ length: COLUMNS }, () => '?').join(', ')})`;

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    findName: db.prepare('SELECT key FROM names WHERE name = ?').pluck(),
    insertName: db.prepare('INSERT INTO names (name) VALUES (?)'),
    insertMessage: db.prepare(MESSAGE_INSERT + ROW),
    insertMessages: db.prepare(MESSAGE_INSERT + Array.from({ length: ROWS_PER_INSERT }, () => ROW).join(', ')),
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
    retention: (['message_events', 'device_events', 'samples', 'topic_samples'] as const).map((table) =>
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
  let open: Map<string, number> | null = null;
  for (let i = 0; i < m.count; i++) {
    const kind = m.kinds[i];
    if ((kind === MessageKind.sub || kind === MessageKind.push_offline) && m.qos[i] > 0) {
      (open ??= new Map()).set(`${m.ids[i]}:${m.clients[i]}`, i);
    } else if (kind === MessageKind.ack && open) {
      const key = `${m.ids[i]}:${m.clients[i]}`;
      const delivery = open.get(key);
      if (delivery !== undefined) {
        out[delivery] = m.times[i];
        out[i] = -1;
        open.delete(key);
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
  private readonly params: number[] = [];
  /** A batch failed: look every name up again. */
  private stale = false;
  private readonly writeBatch: (batch: BatchInput) => void;

  constructor(file: string) {
    this.db = openWritable(file);
    // The indexes by client and by topic take inserts all over; keep their hot pages in memory (64 MB).
    this.db.pragma('cache_size = -65536');
    this.s = prepare(this.db);
    this.writeBatch = this.db.transaction((batch: BatchInput) => this.apply(batch));
  }

  write(batch: BatchInput): void {
    try {
      this.writeBatch(batch);
    } catch (err) {
      // Rolled back: names inserted by this batch are gone, so are the keys remembered for them.
      this.stale = true;
      throw err;
    }
  }

  /**
   * Deletes rows older than `before` among the first RETENTION_CHUNK of each table; true when
   * it deleted some (call again soon). Rows are in time order batch by batch, so once a chunk
   * has nothing to delete the rest is newer, give or take one batch (caught on a later run).
   */
  retain(before: number): boolean {
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

  private applyMessages(m: MessageColumns): void {
    const s = this.s;
    const keys = this.localKeys;
    const params = this.params;
    params.length = 0;
    // In the order of the index by client: consecutive inserts then land next to each other in
    // it, which is markedly cheaper than all over the tree. (Row IDs within one batch are thus
    // not in time order; queries order by time, and retention checks the time of each row.)
    const ackedAt = foldAcks(m);
    let rows = 0;
    const order = new Uint32Array(m.count);
    for (let i = 0; i < m.count; i++) if (ackedAt[i] >= 0) order[rows++] = i;
    order.subarray(0, rows).sort((a, b) => keys[m.instances[a]] - keys[m.instances[b]] || keys[m.clients[a]] - keys[m.clients[b]] || m.times[a] - m.times[b]);
    // Rows go in ROWS_PER_INSERT at a time, the rest one by one.
    const whole = rows - (rows % ROWS_PER_INSERT);
    for (let j = 0; j < rows; j++) {
      const i = order[j];
      params.push(m.times[i], m.kinds[i], keys[m.instances[i]], m.ids[i], keys[m.clients[i]], keys[m.topics[i]], m.qos[i], ackedAt[i]);
      if (j < whole) {
        if (params.length === ROWS_PER_INSERT * COLUMNS) {
          s.insertMessages.run(params);
          params.length = 0;
        }
      } else {
        s.insertMessage.run(params);
        params.length = 0;
      }
    }
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
        for (const [topicKey, [inCount, outCount]] of byTopic) s.addTopicCounts.run(instanceKey, bucket, topicKey, inCount, outCount);
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
