/**
 * The telemetry database, `<dataDir>/telemetry.db`, a file of its own (like broker.db) so that
 * its writer never waits on the console's or the broker store's write lock. Written by the
 * broker process in batches from a worker thread (server/telemetry/), read by the console
 * (server/telemetry/queries.ts).
 *
 * Sized for tens of millions of events: rows are integers only (times in epoch ms, kinds as
 * small integers — server/telemetry/kinds.ts), and instance IDs, client IDs and topics are
 * stored once in `names` and referred to by key. The tables below are small (device events,
 * samples, counts); each query on them is a range scan of one index. Their rows are appended in
 * time order, so retention deletes from the start of each table by rowid (no index on time
 * alone is needed).
 *
 * Changing this file: run `npm run db:generate` and commit what it writes to
 * db/telemetry-migrations.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Facts about this data directory; `node_id`: the 16 hex digits that start every message ID. */
export const telemetryMeta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Instance IDs, client IDs and topics, each stored once. `last_day`: the latest day (epoch ms /
 * 86,400,000) of an event that refers to the name; retention deletes names whose events are all
 * gone (server/telemetry/store.ts).
 */
export const telemetryNames = sqliteTable(
  'names',
  {
    key: integer('key').primaryKey(),
    name: text('name').notNull(),
    lastDay: integer('last_day').notNull().default(0),
  },
  (t) => [uniqueIndex('names_name_idx').on(t.name), index('names_last_day_idx').on(t.lastDay)],
);

/*
 * The message trace (origins, deliveries, acks) is not here: it lives in one set of tables per
 * day, created and dropped at run time — see server/telemetry/partitions.ts. (Migration 0001
 * drops the single `message_events` table of 0000.)
 */

/** Device trace: connect (accepted or refused), disconnect (DISCONNECT received), close (socket ended). */
export const deviceEvents = sqliteTable(
  'device_events',
  {
    id: integer('id').primaryKey(),
    time: integer('time').notNull(),
    kind: integer('kind').notNull(),
    instanceKey: integer('instance_key').notNull(),
    clientKey: integer('client_key').notNull(),
    /** Connection.channel: unique per TCP connection, also across broker restarts. */
    channel: integer('channel').notNull(),
    /** `ip:port` of the client. */
    address: text('address').notNull(),
    /** `accepted` or a reason from server/broker/protocol/end-reasons.ts. */
    description: text('description').notNull(),
  },
  (t) => [index('device_events_client_idx').on(t.instanceKey, t.clientKey, t.time)],
);

/** Per-instance counters, one row per instance every 10 s; counts are over `interval_ms`. */
export const samples = sqliteTable(
  'samples',
  {
    id: integer('id').primaryKey(),
    time: integer('time').notNull(),
    instanceKey: integer('instance_key').notNull(),
    intervalMs: integer('interval_ms').notNull(),
    connections: integer('connections').notNull(),
    subscriptions: integer('subscriptions').notNull(),
    messagesIn: integer('messages_in').notNull(),
    messagesOut: integer('messages_out').notNull(),
    throttled: integer('throttled').notNull(),
    dropped: integer('dropped').notNull(),
    offlineDropped: integer('offline_dropped').notNull(),
    /** Trace events lost because the telemetry writer fell behind. */
    traceDropped: integer('trace_dropped').notNull(),
  },
  (t) => [index('samples_instance_idx').on(t.instanceKey, t.time)],
);

/**
 * Messages per parent topic (the first topic level: few per instance, unlike full topics) in
 * one-minute buckets, counted from the trace events: in = origins, out = deliveries.
 */
export const topicSamples = sqliteTable(
  'topic_samples',
  {
    instanceKey: integer('instance_key').notNull(),
    /** Start of the one-minute bucket. */
    time: integer('time').notNull(),
    topicKey: integer('topic_key').notNull(),
    messagesIn: integer('messages_in').notNull(),
    messagesOut: integer('messages_out').notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceKey, t.time, t.topicKey] })],
);
