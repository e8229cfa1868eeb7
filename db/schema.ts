/**
 * The console's and broker's shared state, one SQLite database under MAGPIE_DATA_DIR.
 * Times are epoch milliseconds. Changing this file: run `npm run db:generate` and commit
 * the migration it writes to db/migrations.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at', { mode: 'number' })
    .notNull()
    .default(sql`(unixepoch() * 1000)`);

/** Console accounts. Today there is one: the admin created at first start or by /setup. */
export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  /** scrypt$N$r$p$salt$hash, see server/auth/password.ts */
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
});

/** Console login sessions. The cookie holds the token; only its SHA-256 is stored. */
export const sessions = sqliteTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Failed console logins, per client address, to slow down password guessing. */
export const loginFailures = sqliteTable('login_failures', {
  address: text('address').primaryKey(),
  failures: integer('failures').notNull(),
  lastFailureAt: integer('last_failure_at').notNull(),
});

/**
 * AccessKey pairs of the console's account. Signature checks need the secret itself, so it is
 * stored encrypted (AES-256-GCM, key in the data directory), never in plain text.
 */
export const accessKeys = sqliteTable('access_keys', {
  id: text('id').primaryKey(),
  secretEncrypted: text('secret_encrypted').notNull(),
  description: text('description').notNull().default(''),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  lastUsedAt: integer('last_used_at'),
  createdAt: createdAt(),
});

export const instances = sqliteTable(
  'instances',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    maxConnections: integer('max_connections').notNull(),
    maxTps: integer('max_tps').notNull(),
    maxSubscriptions: integer('max_subscriptions').notNull(),
    /** Open mode: no authentication, no group or parent-topic checks (local development). */
    openMode: integer('open_mode', { mode: 'boolean' }).notNull().default(false),
    /** Longest keep-alive granted, seconds (MQTT 5 Server Keep Alive); 0 = no cap. */
    maxKeepAlive: integer('max_keep_alive').notNull().default(0),
    /** Longest full topic name (and filter), characters. */
    maxTopicLength: integer('max_topic_length').notNull().default(64),
    /** Largest payload accepted, bytes. */
    maxPayloadBytes: integer('max_payload_bytes').notNull().default(64 * 1024),
    /** Subscriptions one client may hold; extra ones are refused in SUBACK. */
    maxSubscriptionsPerClient: integer('max_subscriptions_per_client').notNull().default(30),
    /** How long an offline message is kept for a persistent session, hours (3 days by default). */
    offlineRetentionHours: integer('offline_retention_hours').notNull().default(72),
    /** Offline messages kept for the whole instance; beyond it the oldest are dropped (counted). */
    offlineStoreLimit: integer('offline_store_limit').notNull().default(100_000),
    tcpPort: integer('tcp_port').notNull(),
    tlsPort: integer('tls_port').notNull(),
    wsPort: integer('ws_port').notNull(),
    wssPort: integer('wss_port').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('instances_name_unique').on(t.name)],
);

export const topics = sqliteTable(
  'topics',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('topics_instance_name_unique').on(t.instanceId, t.name)],
);

export const groups = sqliteTable(
  'groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('groups_instance_name_unique').on(t.instanceId, t.name)],
);

/**
 * Per-instance topic permissions: allow/deny rules on MQTT topic filters for publishing
 * and/or subscribing. A matching deny rule wins; everything else is allowed (see
 * server/broker/policy/topic-permissions.ts for how a rule matches).
 */
export const topicPermissions = sqliteTable(
  'topic_permissions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    /** An MQTT topic filter (wildcards allowed, no `$share/`). */
    filter: text('filter').notNull(),
    action: text('action', { enum: ['publish', 'subscribe', 'both'] }).notNull(),
    effect: text('effect', { enum: ['allow', 'deny'] }).notNull(),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('topic_permissions_instance_filter_action_unique').on(t.instanceId, t.filter, t.action)],
);

/**
 * Device credentials (device-credential authentication mode): one DeviceAccessKeyId and
 * secret per client ID of an instance. The secret is sealed like an AccessKey secret.
 * Registering again replaces the pair; refresh issues a new secret.
 */
export const deviceCredentials = sqliteTable(
  'device_credentials',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    /** The DeviceAccessKeyId a client puts in its user name. */
    accessKeyId: text('access_key_id').notNull(),
    secretEncrypted: text('secret_encrypted').notNull(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('device_credentials_instance_client_unique').on(t.instanceId, t.clientId),
    uniqueIndex('device_credentials_access_key_unique').on(t.accessKeyId),
  ],
);

/**
 * Tokens issued by the token API (/token/apply) for token-mode authentication. Only the
 * token's SHA-256 is stored (hex): the token itself is shown once, to the caller of apply.
 */
export const tokens = sqliteTable(
  'tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    /** The AccessKey that applied for it; a client must present the same one. */
    accessKeyId: text('access_key_id')
      .notNull()
      .references(() => accessKeys.id, { onDelete: 'cascade' }),
    /** 'R', 'W' or 'R,W'. */
    actions: text('actions').notNull(),
    /** JSON array of topic filters (wildcards allowed), at most 100. */
    resources: text('resources').notNull(),
    expireTime: integer('expire_time').notNull(),
    revokedAt: integer('revoked_at'),
    createdAt: createdAt(),
  },
  // tokens_expire_idx: applying a token deletes the rows that expired a week ago (services/tokens.ts).
  (t) => [index('tokens_instance_idx').on(t.instanceId), index('tokens_expire_idx').on(t.expireTime)],
);

/**
 * Apache RocketMQ 5 clusters the rules talk to, through the cluster's gRPC proxy. The
 * optional AccessKey secret is sealed like the console's own AccessKey secrets.
 */
export const rocketmqClusters = sqliteTable(
  'rocketmq_clusters',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    /** Proxy endpoints, `host:port` joined with `;`. */
    endpoints: text('endpoints').notNull(),
    namespace: text('namespace').notNull().default(''),
    accessKey: text('access_key'),
    secretEncrypted: text('secret_encrypted'),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('rocketmq_clusters_name_unique').on(t.name)],
);

/**
 * Rules (PRODUCT.md §6) of an instance. `source` and `target` depend on the type:
 * - outflow: source = a parent topic of the instance, target = a RocketMQ topic;
 * - inflow: source = a RocketMQ topic, target = a parent topic of the instance;
 * - status: source = a Group ID of the instance, target = a RocketMQ topic.
 * One rule of each type per source resource; at most 100 per instance.
 */
export const rules = sqliteTable(
  'rules',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    /** The user's rule ID: 3-64 chars `[A-Za-z0-9_-]` with a letter or digit, immutable. */
    ruleId: text('rule_id').notNull(),
    description: text('description').notNull().default(''),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    type: text('type', { enum: ['inflow', 'outflow', 'status'] }).notNull(),
    source: text('source').notNull(),
    target: text('target').notNull(),
    clusterId: integer('cluster_id')
      .notNull()
      .references(() => rocketmqClusters.id, { onDelete: 'restrict' }),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('rules_instance_rule_id_unique').on(t.instanceId, t.ruleId),
    uniqueIndex('rules_instance_type_source_unique').on(t.instanceId, t.type, t.source),
  ],
);

/** Console-wide settings (key/value), e.g. the host name shown in endpoint URLs. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export type Instance = typeof instances.$inferSelect;
export type Topic = typeof topics.$inferSelect;
export type Group = typeof groups.$inferSelect;
export type TopicPermission = typeof topicPermissions.$inferSelect;
export type AccessKeyRow = typeof accessKeys.$inferSelect;
export type DeviceCredentialRow = typeof deviceCredentials.$inferSelect;
export type TokenRow = typeof tokens.$inferSelect;
export type RocketmqClusterRow = typeof rocketmqClusters.$inferSelect;
export type RuleRow = typeof rules.$inferSelect;
