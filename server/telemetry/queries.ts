/**
 * What the message trace, device trace and statistics pages ask of telemetry.db (written by
 * the broker, see writer.ts), read from the console process on a read-only handle. The message
 * trace is in one partition per day (partitions.ts): by message ID, a range of each day's
 * table; by client or topic, that key's runs (newest first) and then each event by its key.
 * The rest is a range scan of one index of db/telemetry-schema.ts. Newest first and limited.
 *
 *   const reader = new TelemetryReader(dataDir);
 *   reader.traceMessage('5f0c…');                         // origin and deliveries
 *   reader.messagesOfClient({ instanceId, clientId, from, to });
 *
 * Before the broker has created the file, every query answers empty.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { formatMessageId, parseMessageId } from '../broker/message';
import { telemetryFile } from './database';
import { deviceKindName, messageKindName, MessageKind, type DeviceKindName, type MessageKindName } from './kinds';
import { dayOf, listPartitions, MAX_RUN_SPAN_MS, partitionTables, SEGMENT_SPAN, segmentEvents, unpackEvents } from './partitions';

export interface TimeRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, inclusive. */
  to: number;
}

export interface ClientRange extends TimeRange {
  instanceId: string;
  clientId: string;
  /** At most this many rows (1-1000, default 200), newest first. */
  limit?: number;
}

export interface TopicRange extends TimeRange {
  instanceId: string;
  topic: string;
  limit?: number;
}

export interface MessageEvent {
  messageId: string;
  kind: MessageKindName;
  /** The publisher (origins) or the receiver (deliveries). */
  clientId: string;
  topic: string;
  qos: number;
  time: number;
  /** Deliveries: whether the client acknowledged it (QoS 0: on send); null for origins. */
  acked: boolean | null;
  /** Deliveries: when the PUBACK/PUBCOMP arrived (QoS 0: the send time); null when not (yet). */
  ackedAt: number | null;
}

export interface MessageTrace {
  messageId: string;
  instanceId: string;
  topic: string;
  qos: number;
  /** Where it came from (pub_mqtt, ServerSend, pub_mq); null if that event was lost or deleted. */
  origin: { kind: MessageKindName; clientId: string; time: number } | null;
  /** sub / push_offline, in time order. */
  deliveries: { kind: MessageKindName; clientId: string; qos: number; time: number; acked: boolean; ackedAt: number | null }[];
}

export interface DeviceEvent {
  channelId: string;
  action: DeviceKindName;
  description: string;
  clientId: string;
  /** `ip:port` */
  address: string;
  time: number;
}

export interface Sample {
  /** End of the interval (or of the bucket when aggregated). */
  time: number;
  connections: number;
  subscriptions: number;
  /** Messages per second over the interval. */
  inPerSecond: number;
  outPerSecond: number;
  throttled: number;
  dropped: number;
  offlineDropped: number;
  traceDropped: number;
}

export interface TopicCount {
  /** The parent topic (first level). */
  topic: string;
  messagesIn: number;
  messagesOut: number;
}

const TRACE_LIMIT = 5000;

/** Runs read per statement while looking for a client's or topic's events. */
const RUN_PAGE = 64;

interface EventRow {
  time: number;
  /** Tie-breaker among equal times: the order the writer stored them in. */
  seq: number;
  kind: number;
  message_id: number;
  client_key: number;
  topic_key: number;
  qos: number;
  acked_at: number;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 200;
  return Math.max(1, Math.min(1000, Math.floor(limit)));
}

type Statements = ReturnType<typeof prepare>;

/** The statements reading one day's partition. */
function preparePartition(db: Database.Database, day: number) {
  const t = partitionTables(day);
  const runs = (table: string, column: string) =>
    db.prepare(
      `SELECT id, time_first, time_last, events FROM ${table} WHERE instance_key = ? AND ${column} = ? AND time_last BETWEEN ? AND ?
       AND time_first <= ? ORDER BY time_last DESC, id DESC LIMIT ${RUN_PAGE} OFFSET ?`,
    );
  return {
    // The segments that can hold message X: those ending in [X, X + SEGMENT_SPAN] and starting at or before X.
    bySegment: db.prepare(`SELECT id, events FROM ${t.messages} WHERE max_id BETWEEN ? AND ? AND min_id <= ? ORDER BY id`),
    clientRuns: runs(t.clientRuns, 'client_key'),
    topicRuns: runs(t.topicRuns, 'topic_key'),
  };
}
type PartitionStatements = ReturnType<typeof preparePartition>;

function prepare(db: Database.Database) {
  return {
    nodeId: db.prepare("SELECT value FROM meta WHERE key = 'node_id'").pluck(),
    keyOf: db.prepare('SELECT key FROM names WHERE name = ?').pluck(),
    nameOf: db.prepare('SELECT name FROM names WHERE key = ?').pluck(),
    devices: db.prepare(
      `SELECT time, kind, channel, address, description FROM device_events
       WHERE instance_key = ? AND client_key = ? AND time BETWEEN ? AND ? ORDER BY time DESC, id DESC LIMIT ?`,
    ),
    samples: db.prepare(
      `SELECT max(time) AS time, max(connections) AS connections, max(subscriptions) AS subscriptions,
         sum(messages_in) AS messages_in, sum(messages_out) AS messages_out, sum(interval_ms) AS interval_ms,
         sum(throttled) AS throttled, sum(dropped) AS dropped, sum(offline_dropped) AS offline_dropped, sum(trace_dropped) AS trace_dropped
       FROM samples WHERE instance_key = ? AND time BETWEEN ? AND ? GROUP BY CAST(time / ? AS INTEGER) ORDER BY 1`,
    ),
    topicCounts: db.prepare(
      `SELECT topic_key, sum(messages_in) AS messages_in, sum(messages_out) AS messages_out FROM topic_samples
       WHERE instance_key = ? AND time BETWEEN ? AND ? GROUP BY topic_key ORDER BY sum(messages_in) + sum(messages_out) DESC LIMIT ?`,
    ),
  };
}

export class TelemetryReader {
  private readonly file: string;
  private db: Database.Database | null = null;
  private s: Statements | null = null;
  private readonly partitionStatements = new Map<number, PartitionStatements>();
  private nodeId = '';

  constructor(dataDir: string) {
    this.file = telemetryFile(dataDir);
  }

  /** The statements, once the broker has created the database. */
  private statements(): Statements | null {
    if (this.s) return this.s;
    if (!fs.existsSync(this.file)) return null;
    try {
      const db = new Database(this.file, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 2000');
      const s = prepare(db);
      const nodeId = s.nodeId.get() as string | undefined;
      if (nodeId === undefined) {
        db.close();
        return null;
      }
      this.db = db;
      this.s = s;
      this.nodeId = nodeId;
      return s;
    } catch {
      // Not migrated yet (the broker is creating it): empty answers until it is.
      return null;
    }
  }

  close(): void {
    this.db?.close();
    this.db = null;
    this.s = null;
    this.partitionStatements.clear();
  }

  /** The partitions (days) in [from, to], newest first, with their statements. */
  private partitions(fromDay = -Infinity, toDay = Infinity): { day: number; p: PartitionStatements }[] {
    const db = this.db!;
    const days = listPartitions(db);
    const known = new Set(days);
    // Retention dropped these: their statements are gone with them.
    for (const day of this.partitionStatements.keys()) if (!known.has(day)) this.partitionStatements.delete(day);
    const out: { day: number; p: PartitionStatements }[] = [];
    for (let i = days.length - 1; i >= 0; i--) {
      const day = days[i];
      if (day < fromDay || day > toDay) continue;
      let p = this.partitionStatements.get(day);
      if (!p) {
        try {
          p = preparePartition(db, day);
        } catch {
          continue; // dropped meanwhile
        }
        this.partitionStatements.set(day, p);
      }
      out.push({ day, p });
    }
    return out;
  }

  /**
   * Events of a client's (or topic's) runs in [from, to], newest first, at most `limit`: runs
   * newest first, until the runs left can only hold older events.
   */
  private fromRuns(which: 'clientRuns' | 'topicRuns', instanceKey: number, key: number, q: TimeRange, limit: number): EventRow[] {
    let out: EventRow[] = [];
    let threshold = -Infinity;
    const newestFirst = (a: EventRow, b: EventRow) => b.time - a.time || b.seq - a.seq;
    partitions: for (const { p } of this.partitions(dayOf(q.from), dayOf(q.to))) {
      for (let offset = 0; ; offset += RUN_PAGE) {
        const runs = p[which].all(instanceKey, key, q.from, q.to + MAX_RUN_SPAN_MS, q.to, offset) as { id: number; time_last: number; events: Buffer }[];
        for (const run of runs) {
          // Runs come newest (time_last) first: the rest only hold events older than the limit's.
          if (run.time_last < threshold) break partitions;
          const events = unpackEvents(run.events);
          for (let i = 0; i < events.length; i++) {
            const e = events[i];
            if (e.time < q.from || e.time > q.to) continue;
            out.push({
              time: e.time,
              seq: run.id * 1_000_000 + i,
              kind: e.kind,
              message_id: e.messageId,
              client_key: which === 'clientRuns' ? key : e.key,
              topic_key: which === 'clientRuns' ? e.key : key,
              qos: e.qos,
              acked_at: e.ackedAt,
            });
          }
          if (out.length >= limit) {
            out.sort(newestFirst);
            out = out.slice(0, limit);
            threshold = out[limit - 1].time;
          }
        }
        if (runs.length < RUN_PAGE) break;
      }
    }
    return out.sort(newestFirst).slice(0, limit);
  }

  /** Every stored event of a message, in time order (from every day: deliveries may come days later). */
  private messageRows(messageId: number, fromDay = -Infinity): (EventRow & { instance_key: number })[] {
    const rows: (EventRow & { instance_key: number })[] = [];
    for (const { p } of this.partitions(fromDay)) {
      const segments = p.bySegment.all(messageId, messageId + SEGMENT_SPAN, messageId) as { id: number; events: Buffer }[];
      for (const segment of segments) {
        segmentEvents(segment.events, messageId).forEach((e, i) => {
          if (rows.length >= TRACE_LIMIT) return;
          rows.push({
            time: e.time,
            seq: segment.id * 1_000_000 + i,
            kind: e.kind,
            message_id: messageId,
            instance_key: e.instanceKey,
            client_key: e.clientKey,
            topic_key: e.topicKey,
            qos: e.qos,
            acked_at: e.ackedAt,
          });
        });
      }
    }
    return rows.sort((a, b) => a.time - b.time || a.seq - b.seq);
  }

  /** When the client acknowledged a delivery whose ack was not folded into its row; null if not (yet). */
  private ackOf(r: EventRow): number | null {
    const ack = this.messageRows(r.message_id, dayOf(r.time)).find((e) => e.kind === MessageKind.ack && e.client_key === r.client_key && e.time >= r.time);
    return ack ? ack.time : null;
  }

  /** The message's origin and deliveries; null for an ID this data directory never issued or no longer has. */
  traceMessage(messageId: string): MessageTrace | null {
    const s = this.statements();
    const parsed = parseMessageId(messageId);
    if (!s || !parsed || parsed.nodeId !== this.nodeId) return null;
    const rows = this.messageRows(parsed.id);
    if (rows.length === 0) return null;
    const names = this.namer(s);
    const first = rows[0];
    const origin = rows.find((r) => r.kind === MessageKind.pub_mqtt || r.kind === MessageKind.ServerSend || r.kind === MessageKind.pub_mq);
    const acks = rows.filter((r) => r.kind === MessageKind.ack);
    const deliveries: MessageTrace['deliveries'] = [];
    for (const r of rows) {
      if (r.kind !== MessageKind.sub && r.kind !== MessageKind.push_offline) continue;
      let ackedAt: number | null = r.qos === 0 ? r.time : r.acked_at || null;
      if (ackedAt === null) {
        const i = acks.findIndex((a) => a.client_key === r.client_key && a.time >= r.time);
        if (i >= 0) {
          ackedAt = acks[i].time;
          acks.splice(i, 1); // one ack answers one delivery
        }
      }
      deliveries.push({ kind: messageKindName(r.kind), clientId: names(r.client_key), qos: r.qos, time: r.time, acked: ackedAt !== null, ackedAt });
    }
    return {
      messageId: formatMessageId(this.nodeId, parsed.id),
      instanceId: names(first.instance_key),
      topic: names((origin ?? first).topic_key),
      qos: (origin ?? first).qos,
      origin: origin ? { kind: messageKindName(origin.kind), clientId: names(origin.client_key), time: origin.time } : null,
      deliveries,
    };
  }

  /** Everything the client sent or received in the range, newest first. */
  messagesOfClient(q: ClientRange): MessageEvent[] {
    const s = this.statements();
    if (!s) return [];
    const instanceKey = s.keyOf.get(q.instanceId) as number | undefined;
    const clientKey = s.keyOf.get(q.clientId) as number | undefined;
    if (instanceKey === undefined || clientKey === undefined) return [];
    return this.events(s, this.fromRuns('clientRuns', instanceKey, clientKey, q, clampLimit(q.limit)));
  }

  /** The messages published on the topic (exact name) in the range, newest first (traceMessage has their deliveries). */
  messagesOfTopic(q: TopicRange): MessageEvent[] {
    const s = this.statements();
    if (!s) return [];
    const instanceKey = s.keyOf.get(q.instanceId) as number | undefined;
    const topicKey = s.keyOf.get(q.topic) as number | undefined;
    if (instanceKey === undefined || topicKey === undefined) return [];
    return this.events(s, this.fromRuns('topicRuns', instanceKey, topicKey, q, clampLimit(q.limit)));
  }

  /** The client's connects, disconnects and closes in the range, newest first. */
  deviceEvents(q: ClientRange): DeviceEvent[] {
    const s = this.statements();
    if (!s) return [];
    const instanceKey = s.keyOf.get(q.instanceId) as number | undefined;
    const clientKey = s.keyOf.get(q.clientId) as number | undefined;
    if (instanceKey === undefined || clientKey === undefined) return [];
    const rows = s.devices.all(instanceKey, clientKey, q.from, q.to, clampLimit(q.limit)) as {
      time: number;
      kind: number;
      channel: number;
      address: string;
      description: string;
    }[];
    return rows.map((r) => ({
      channelId: String(r.channel),
      action: deviceKindName(r.kind),
      description: r.description,
      clientId: q.clientId,
      address: r.address,
      time: r.time,
    }));
  }

  /**
   * The instance's counters over the range, oldest first; with `bucketMs`, folded into buckets
   * (gauges: their maximum; rates: over the whole bucket) so a week fits a chart.
   */
  samples(q: TimeRange & { instanceId: string; bucketMs?: number }): Sample[] {
    const s = this.statements();
    if (!s) return [];
    const instanceKey = s.keyOf.get(q.instanceId) as number | undefined;
    if (instanceKey === undefined) return [];
    // Without buckets each row is its own group (ids are unique; times are too, 10 s apart).
    const bucket = Math.max(1, Math.floor(q.bucketMs ?? 1));
    const rows = s.samples.all(instanceKey, q.from, q.to, bucket) as {
      time: number;
      connections: number;
      subscriptions: number;
      messages_in: number;
      messages_out: number;
      interval_ms: number;
      throttled: number;
      dropped: number;
      offline_dropped: number;
      trace_dropped: number;
    }[];
    return rows.map((r) => {
      const seconds = Math.max(r.interval_ms, 1) / 1000;
      return {
        time: r.time,
        connections: r.connections,
        subscriptions: r.subscriptions,
        inPerSecond: r.messages_in / seconds,
        outPerSecond: r.messages_out / seconds,
        throttled: r.throttled,
        dropped: r.dropped,
        offlineDropped: r.offline_dropped,
        traceDropped: r.trace_dropped,
      };
    });
  }

  /** Messages in and out per parent topic over the range, busiest first. */
  topicCounts(q: TimeRange & { instanceId: string; limit?: number }): TopicCount[] {
    const s = this.statements();
    if (!s) return [];
    const instanceKey = s.keyOf.get(q.instanceId) as number | undefined;
    if (instanceKey === undefined) return [];
    const names = this.namer(s);
    const rows = s.topicCounts.all(instanceKey, q.from, q.to, clampLimit(q.limit)) as { topic_key: number; messages_in: number; messages_out: number }[];
    return rows.map((r) => ({ topic: names(r.topic_key), messagesIn: r.messages_in, messagesOut: r.messages_out }));
  }

  private events(s: Statements, rows: EventRow[]): MessageEvent[] {
    const names = this.namer(s);
    return rows.map((r) => {
      const delivery = r.kind === MessageKind.sub || r.kind === MessageKind.push_offline;
      let ackedAt: number | null = null;
      if (delivery) {
        ackedAt = r.qos === 0 ? r.time : r.acked_at || this.ackOf(r);
      }
      return {
        messageId: formatMessageId(this.nodeId, r.message_id),
        kind: messageKindName(r.kind),
        clientId: names(r.client_key),
        topic: names(r.topic_key),
        qos: r.qos,
        time: r.time,
        acked: delivery ? ackedAt !== null : null,
        ackedAt,
      };
    });
  }

  /** Key → name, cached for one answer. */
  private namer(s: Statements): (key: number) => string {
    const cache = new Map<number, string>();
    return (key) => {
      let name = cache.get(key);
      if (name === undefined) {
        name = (s.nameOf.get(key) as string | undefined) ?? '';
        cache.set(key, name);
      }
      return name;
    };
  }
}
