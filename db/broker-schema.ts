/**
 * The broker's own database, `<dataDir>/broker.db`, separate from the console's magpie.db:
 * the broker commits once per event-loop turn under load, and SQLite has one writer lock per
 * file, so sharing a file would make console writes and broker commits wait on each other.
 *
 * What a broker restart must find again (see server/broker/store/types.ts): persistent
 * sessions (with a pending delayed will), their subscriptions, queued and in-flight outgoing messages, inbound QoS 2 packet
 * IDs, and retained messages. Every row carries the instance it belongs to; deleting an
 * instance deletes its rows (server/broker/store/sqlite.ts, `destroy`).
 *
 * Times are epoch milliseconds. No foreign keys: the store deletes children itself, in the same
 * transaction, and skips the per-row checks on the hot path. Changing this file: run
 * `npm run db:generate` and commit what it writes to db/broker-migrations.
 */
import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The columns of an application message (server/broker/message.ts), shared by `messages` and `retained`. */
const messageColumns = () => ({
  /** Message.id as the broker assigned it (kept so a restored message is the same message). */
  messageId: integer('message_id').notNull(),
  topic: text('topic').notNull(),
  payload: blob('payload', { mode: 'buffer' }).notNull(),
  qos: integer('qos').notNull(),
  retain: integer('retain', { mode: 'boolean' }).notNull(),
  /** MQTT 5 pass-through properties; all null when the publisher sent none. */
  payloadFormat: integer('payload_format', { mode: 'boolean' }),
  contentType: text('content_type'),
  responseTopic: text('response_topic'),
  correlationData: blob('correlation_data', { mode: 'buffer' }),
  /** JSON object, name → value or array of values (a name may repeat), in the order received. */
  userProperties: text('user_properties'),
  /** Absolute, so message expiry keeps counting down while the broker is stopped; 0 = never. */
  expiresAt: integer('expires_at').notNull(),
  publisher: text('publisher'),
  createdAt: integer('created_at').notNull(),
  /** The publisher's MQTT version (0 = the broker) and clean-session flag, as rules report them. */
  protocolVersion: integer('protocol_version').notNull().default(0),
  cleanSession: integer('clean_session', { mode: 'boolean' }).notNull().default(false),
});

export const brokerSessions = sqliteTable(
  'sessions',
  {
    instanceId: text('instance_id').notNull(),
    clientId: text('client_id').notNull(),
    /** Seconds; 0xFFFFFFFF = never. */
    expiryInterval: integer('expiry_interval').notNull(),
    /** 0 while connected. */
    disconnectedAt: integer('disconnected_at').notNull(),
    /**
     * How far the session's queue has been sent: an `outgoing` row with `packet_id` 0 and a
     * `seq` at or below this is in flight under the packet ID its seq gives
     * (server/broker/store/types.ts, packetIdForSeq). One write per commit instead of one per
     * message sent from a backlog.
     */
    sentSeq: integer('sent_seq').notNull().default(0),
    /**
     * An MQTT 5 will waiting for its Will Delay Interval (server/broker/store/types.ts,
     * StoredWill): published at `will_at` (epoch ms), or when the session ends if that is
     * earlier, also after a restart. 0 = no pending will (the other will columns are null).
     */
    willAt: integer('will_at').notNull().default(0),
    willTopic: text('will_topic'),
    willPayload: blob('will_payload', { mode: 'buffer' }),
    willQos: integer('will_qos'),
    willRetain: integer('will_retain', { mode: 'boolean' }),
    willPayloadFormat: integer('will_payload_format', { mode: 'boolean' }),
    willContentType: text('will_content_type'),
    willResponseTopic: text('will_response_topic'),
    willCorrelationData: blob('will_correlation_data', { mode: 'buffer' }),
    /** JSON, as `messages.user_properties`. */
    willUserProperties: text('will_user_properties'),
    /** Seconds (MQTT 5 Message Expiry Interval), counted from when the will is published; null = never. */
    willExpiryInterval: integer('will_expiry_interval'),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.clientId] })],
);

export const brokerSubscriptions = sqliteTable(
  'subscriptions',
  {
    instanceId: text('instance_id').notNull(),
    clientId: text('client_id').notNull(),
    filter: text('filter').notNull(),
    qos: integer('qos').notNull(),
    noLocal: integer('no_local', { mode: 'boolean' }).notNull(),
    retainAsPublished: integer('retain_as_published', { mode: 'boolean' }).notNull(),
    retainHandling: integer('retain_handling').notNull(),
    /** MQTT 5 subscription identifier; 0 = none. */
    subscriptionId: integer('subscription_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.clientId, t.filter] })],
);

/**
 * One row per message that some session still has to deliver, however many sessions that
 * is: a fan-out to a thousand persistent subscribers stores the payload once. Rows no
 * `outgoing` row refers to any more are deleted at the end of the transaction that
 * dropped the last reference.
 */
export const brokerMessages = sqliteTable(
  'messages',
  {
    /** Assigned by the store (increasing, never reused); the rowid. */
    key: integer('key').primaryKey(),
    instanceId: text('instance_id').notNull(),
    ...messageColumns(),
  },
  (t) => [index('messages_instance_idx').on(t.instanceId)],
);

/** A QoS 1/2 delivery to one session: queued (packet_id 0) or in flight. */
export const brokerOutgoing = sqliteTable(
  'outgoing',
  {
    instanceId: text('instance_id').notNull(),
    clientId: text('client_id').notNull(),
    /** Delivery order within the session. */
    seq: integer('seq').notNull(),
    messageKey: integer('message_key').notNull(),
    /** The QoS of this delivery (the lower of the message's and the subscription's). */
    qos: integer('qos').notNull(),
    retain: integer('retain', { mode: 'boolean' }).notNull(),
    /** Comma-separated MQTT 5 subscription identifiers; null = none. */
    subscriptionIds: text('subscription_ids'),
    packetId: integer('packet_id').notNull(),
    /** QoS 2: PUBREC received, PUBREL sent; only PUBREL is resent. */
    released: integer('released', { mode: 'boolean' }).notNull(),
    /** `$share/<group>/<filter>` when delivered through a shared subscription. */
    shareFilter: text('share_filter'),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.clientId, t.seq] }), index('outgoing_message_idx').on(t.messageKey)],
);

/** Inbound QoS 2 packet IDs between PUBREC and PUBREL (a resent PUBLISH is not routed twice). */
export const brokerIncomingQos2 = sqliteTable(
  'incoming_qos2',
  {
    instanceId: text('instance_id').notNull(),
    clientId: text('client_id').notNull(),
    packetId: integer('packet_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.clientId, t.packetId] })],
);

/** At most one retained message per topic. */
export const brokerRetained = sqliteTable(
  'retained',
  {
    instanceId: text('instance_id').notNull(),
    ...messageColumns(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.topic] })],
);
