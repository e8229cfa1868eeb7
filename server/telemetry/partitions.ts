/**
 * The message trace lives in one set of tables per UTC day (a "partition"), created by the
 * writer when the first event of that day arrives and dropped whole by retention:
 *
 *   segments_<day>     per batch, one row (or a few): the batch's events in message ID order,
 *                      packed in a blob, with the lowest and highest message ID in it. A
 *                      segment spans at most SEGMENT_SPAN message IDs, so the trace by message
 *                      ID X reads the few segments with max_id in [X, X + SEGMENT_SPAN] and
 *                      binary-searches each blob. New messages have the highest IDs: a
 *                      batch's own messages make one segment; deliveries of older ones (push_offline,
 *                      late acks) small ones of their own.
 *   client_runs_<day>  per batch and client, one row: the client's events of that batch (what
 *                      it sent and received; acks folded in), packed. The rows append (rowid);
 *                      only the small index (instance, client, time_last) takes inserts all
 *                      over. "Messages of a client" reads these and nothing else.
 *   topic_runs_<day>   the same per batch and topic, origins only (a topic's deliveries are
 *                      found through its messages).
 *
 * Why: SQLite's cost is per row and per index entry (about 0.7 µs each here), and a row per
 * event with three indexes cost the writer ~2.8 µs per event (500 pairs, QoS 1). Packed, a
 * batch of 16,384 events is a segment row, plus a run row per client and per topic in it.
 * Retention drops a day's tables: no index lookups and deletes per row, and inserts stay in the
 * day's small B-trees. `<day>` is floor(epoch ms / 86,400,000). Not in drizzle's schema: the
 * tables come and go at run time.
 */
import type Database from 'better-sqlite3';

export const DAY_MS = 86_400_000;

/** A run never spans more than this (the writer splits longer ones): bounds the time-range scans. */
export const MAX_RUN_SPAN_MS = 60_000;

export function dayOf(time: number): number {
  return Math.floor(time / DAY_MS);
}

export function partitionTables(day: number) {
  return { messages: `segments_${day}`, clientRuns: `client_runs_${day}`, topicRuns: `topic_runs_${day}` };
}

export function createPartition(db: Database.Database, day: number): void {
  const t = partitionTables(day);
  const runs = (table: string, column: string) => `
    CREATE TABLE IF NOT EXISTS ${table} (
      id INTEGER PRIMARY KEY,
      instance_key INTEGER NOT NULL,
      ${column} INTEGER NOT NULL,
      time_first INTEGER NOT NULL,
      time_last INTEGER NOT NULL,
      events BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${table}_idx ON ${table} (instance_key, ${column}, time_last);`;
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t.messages} (
      id INTEGER PRIMARY KEY,
      min_id INTEGER NOT NULL,
      max_id INTEGER NOT NULL,
      events BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${t.messages}_idx ON ${t.messages} (max_id);
    ${runs(t.clientRuns, 'client_key')}
    ${runs(t.topicRuns, 'topic_key')}
  `);
}

export function dropPartition(db: Database.Database, day: number): void {
  const t = partitionTables(day);
  db.exec(`DROP TABLE IF EXISTS ${t.messages}; DROP TABLE IF EXISTS ${t.clientRuns}; DROP TABLE IF EXISTS ${t.topicRuns};`);
}

/** The days that have a partition, oldest first. */
export function listPartitions(db: Database.Database): number[] {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'segments_[0-9]*'").pluck().all() as string[];
  return names.map((n) => Number(n.slice('segments_'.length))).sort((a, b) => a - b);
}

/** Message IDs a segment spans at most (the trace by ID reads segments ending within this of the ID). */
export const SEGMENT_SPAN = 4096;
/** Values per event in a segment: [message ID, time, kind + 8 × qos + 32 × client, acked_at, topic, instance]. */
export const SEGMENT_WIDTH = 6;

export interface SegmentEvent {
  time: number;
  kind: number;
  qos: number;
  clientKey: number;
  ackedAt: number;
  topicKey: number;
  instanceKey: number;
}

/** The events of message `id` in a segment's blob (sorted by message ID): a binary search, then a scan; without `id`, all. */
export function segmentEvents(blob: Buffer, id?: number): SegmentEvent[] {
  const bytes = new Uint8Array(blob.byteLength);
  bytes.set(blob);
  const v = new Float64Array(bytes.buffer);
  const n = Math.floor(v.length / SEGMENT_WIDTH);
  let lo = 0;
  let hi = id === undefined ? 0 : n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v[mid * SEGMENT_WIDTH] < id!) lo = mid + 1;
    else hi = mid;
  }
  const out: SegmentEvent[] = [];
  for (let i = lo; i < n && (id === undefined || v[i * SEGMENT_WIDTH] === id); i++) {
    const at = i * SEGMENT_WIDTH;
    const packed = v[at + 2];
    out.push({ time: v[at + 1], kind: packed % 8, qos: Math.floor(packed / 8) % 4, clientKey: Math.floor(packed / 32), ackedAt: v[at + 3], topicKey: v[at + 4], instanceKey: v[at + 5] });
  }
  return out;
}

/**
 * Packed events: float64s (every value is an integer below 2^53), EVENT_WIDTH per event:
 *   [time, kind + 8 × qos + 32 × other key, acked_at (0: not acknowledged in that batch), message ID]
 * "Other key": in a client run the topic, in a topic run the client.
 */
export const EVENT_WIDTH = 4;

export interface PackedEvent {
  time: number;
  kind: number;
  qos: number;
  key: number;
  ackedAt: number;
  messageId: number;
}

export function packEvent(out: number[], time: number, kind: number, qos: number, key: number, ackedAt: number, messageId?: number): void {
  out.push(time, kind + 8 * qos + 32 * key, ackedAt);
  if (messageId !== undefined) out.push(messageId);
}

export function packEvents(values: readonly number[]): Buffer {
  const a = Float64Array.from(values);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The events of a run. */
export function unpackEvents(blob: Buffer): PackedEvent[] {
  // Copy: the blob's bytes may not be 8-byte aligned.
  const bytes = new Uint8Array(blob.byteLength);
  bytes.set(blob);
  const v = new Float64Array(bytes.buffer);
  const width = EVENT_WIDTH;
  const out: PackedEvent[] = [];
  for (let i = 0; i + width <= v.length; i += width) {
    const packed = v[i + 1];
    out.push({ time: v[i], kind: packed % 8, qos: Math.floor(packed / 8) % 4, key: Math.floor(packed / 32), ackedAt: v[i + 2], messageId: v[i + 3] });
  }
  return out;
}
