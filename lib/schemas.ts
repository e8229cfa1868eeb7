/**
 * The product's naming rules and limits (PRODUCT.md section 1), once. The console's forms,
 * the tRPC procedures, the CLI and the broker all validate with these schemas.
 *
 * Error messages are i18n keys (see lib/i18n); `describeIssue` turns them into text.
 */
import { z } from 'zod';
import { isValidTopicFilter, isValidTopicName } from '@/server/broker/routing/topics';

export const SPEC_MAX_CONNECTIONS = [100, 1000, 5000, 10000, 20000, 50000, 100000] as const;
export const SPEC_MAX_TPS = [100, 500, 1000, 3000, 5000, 10000, 20000] as const;
export const SPEC_MAX_SUBSCRIPTIONS = [1000, 10000, 50000, 100000, 200000, 500000, 1000000] as const;

export const DESCRIPTION_MAX = 256;

/** The spec a new instance gets when none is chosen (console form defaults, CLI defaults). */
export const DEFAULT_SPEC = { maxConnections: 1000, maxTps: 1000, maxSubscriptions: 10000 } as const;

/**
 * A value that is missing or not a string is reported as required (the named rules below
 * report everything else), so every failure the console shows is a message key.
 */
const requiredString = () => z.string({ error: 'v.required' });

// A missing or non-numeric value (coerced to NaN) gets the same message as a value not in the list.
const oneOf = <T extends readonly number[]>(values: T, message: string) =>
  z.coerce.number({ error: message }).refine((v) => (values as readonly number[]).includes(v), { message });

export const instanceIdSchema = z
  .string({ error: 'v.instanceId.format' })
  .regex(/^mqtt-cn-[a-z0-9]{10,14}$/, { message: 'v.instanceId.format' });

export const instanceNameSchema = requiredString()
  .trim()
  .min(3, { message: 'v.instanceName.length' })
  .max(64, { message: 'v.instanceName.length' })
  .regex(/^[0-9A-Za-z_-]+$/, { message: 'v.instanceName.chars' });

export const instanceSpecSchema = z.object({
  maxConnections: oneOf(SPEC_MAX_CONNECTIONS, 'v.spec.maxConnections'),
  maxTps: oneOf(SPEC_MAX_TPS, 'v.spec.maxTps'),
  maxSubscriptions: oneOf(SPEC_MAX_SUBSCRIPTIONS, 'v.spec.maxSubscriptions'),
});

/**
 * The longest keep-alive the instance grants, in seconds; 0 = whatever the client asks.
 * MQTT 5 clients asking for more (or for none) are told this value (Server Keep Alive);
 * MQTT 3.1.1 clients cannot be told, so they keep their own.
 */
export const MAX_KEEP_ALIVE_LIMIT = 65535;
export const maxKeepAliveSchema = z.coerce
  .number({ error: 'v.maxKeepAlive' })
  .int({ message: 'v.maxKeepAlive' })
  .min(0, { message: 'v.maxKeepAlive' })
  .max(MAX_KEEP_ALIVE_LIMIT, { message: 'v.maxKeepAlive' });

/**
 * Per-instance limits (PRODUCT.md section 4), each an integer within bounds. The broker
 * applies a change within a second. The payload limit is stored in bytes; the console and
 * the CLI show and take it in KB.
 */
export const INSTANCE_LIMITS = {
  /** Longest full topic name (and filter), characters. */
  maxTopicLength: { min: 16, max: 1024, default: 64 },
  /** Largest payload, bytes (1 KB … 1 MB, the broker's largest packet). */
  maxPayloadBytes: { min: 1024, max: 1024 * 1024, default: 64 * 1024 },
  maxSubscriptionsPerClient: { min: 1, max: 1000, default: 30 },
  /** How long an offline message is kept, hours (1 hour … 30 days). */
  offlineRetentionHours: { min: 1, max: 720, default: 72 },
  /** Offline messages kept for the whole instance. */
  offlineStoreLimit: { min: 100, max: 10_000_000, default: 100_000 },
} as const;
export type InstanceLimit = keyof typeof INSTANCE_LIMITS;
export const INSTANCE_LIMIT_FIELDS = Object.keys(INSTANCE_LIMITS) as InstanceLimit[];

const limitSchema = (field: InstanceLimit) => {
  const { min, max } = INSTANCE_LIMITS[field];
  const message = `v.limit.${field}`;
  return z.coerce.number({ error: message }).int({ message }).min(min, { message }).max(max, { message });
};

export const instanceLimitsSchema = z.object({
  maxTopicLength: limitSchema('maxTopicLength'),
  maxPayloadBytes: limitSchema('maxPayloadBytes'),
  maxSubscriptionsPerClient: limitSchema('maxSubscriptionsPerClient'),
  offlineRetentionHours: limitSchema('offlineRetentionHours'),
  offlineStoreLimit: limitSchema('offlineStoreLimit'),
});

export const instanceCreateSchema = instanceSpecSchema.extend({
  name: instanceNameSchema,
  openMode: z.boolean().default(false),
  maxKeepAlive: maxKeepAliveSchema.default(0),
  // Limits left out get their defaults (the table's column defaults, INSTANCE_LIMITS).
  ...instanceLimitsSchema.partial().shape,
});
export type InstanceCreateInput = z.input<typeof instanceCreateSchema>;

export const instanceUpdateSchema = instanceSpecSchema.partial().extend({
  id: instanceIdSchema,
  name: instanceNameSchema.optional(),
  openMode: z.boolean().optional(),
  maxKeepAlive: maxKeepAliveSchema.optional(),
  ...instanceLimitsSchema.partial().shape,
});

export const descriptionSchema = z
  .string()
  .trim()
  .max(DESCRIPTION_MAX, { message: 'v.description.length' })
  .default('');

export const topicNameSchema = requiredString()
  .trim()
  .min(3, { message: 'v.topicName.length' })
  .max(64, { message: 'v.topicName.length' })
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'v.topicName.chars' });

export const groupNameSchema = requiredString()
  .trim()
  .regex(/^GID[_-]/, { message: 'v.groupName.prefix' })
  .min(7, { message: 'v.groupName.length' })
  .max(64, { message: 'v.groupName.length' })
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'v.groupName.chars' });

export const topicCreateSchema = z.object({
  instanceId: instanceIdSchema,
  name: topicNameSchema,
  description: descriptionSchema,
});

export const groupCreateSchema = z.object({
  instanceId: instanceIdSchema,
  name: groupNameSchema,
  description: descriptionSchema,
});

/** Topics and groups are addressed by instance + name; only the description can change. */
export const topicRefSchema = z.object({
  instanceId: instanceIdSchema,
  name: requiredString().min(1, { message: 'v.required' }),
});
export const groupRefSchema = topicRefSchema;
export const describeSchema = topicRefSchema.extend({ description: descriptionSchema });

/**
 * A client ID of an authenticated instance: `<GroupID>@@@<DeviceID>`, at most 64 characters,
 * printable ASCII without `/ : , %` (they mean something in topics and user names), and the
 * Group ID part follows the Group ID rules. Not trimmed: what a client sends is what counts.
 */
export const CLIENT_ID_MAX = 64;
export const clientIdSchema = requiredString()
  .min(1, { message: 'v.required' })
  .max(CLIENT_ID_MAX, { message: 'v.clientId.length' })
  .regex(/^[\x21-\x7e]+$/, { message: 'v.clientId.chars' })
  .refine((v) => !/[/:,%]/.test(v), { message: 'v.clientId.chars' })
  .refine((v) => /^GID[_-][A-Za-z0-9_-]{3,60}@@@[^@]/.test(v) && v.indexOf('@@@') >= 7, { message: 'v.clientId.format' });

/** The Group ID part of a valid client ID. */
export function groupOfClientId(clientId: string): string {
  return clientId.slice(0, clientId.indexOf('@@@'));
}

/** A DeviceAccessKeyId as Magpie issues them: `dk-` and 20 letters or digits. */
export const deviceAccessKeyIdSchema = z
  .string({ error: 'v.deviceAccessKeyId.format' })
  .regex(/^dk-[0-9A-Za-z]{20}$/, { message: 'v.deviceAccessKeyId.format' });

/** A device credential is addressed by instance + client ID. */
export const credentialRefSchema = z.object({
  instanceId: instanceIdSchema,
  clientId: clientIdSchema,
});

/**
 * The signature helper's input: which login to compute, the key and its secret (never stored),
 * the instance and the client ID. Both modes sign the client ID with HMAC-SHA1.
 */
export const SIGNATURE_MODES = ['signature', 'deviceCredential'] as const;
export type SignatureMode = (typeof SIGNATURE_MODES)[number];
export const signatureHelperSchema = z
  .object({
    mode: z.enum(SIGNATURE_MODES, { error: 'v.signature.mode' }),
    accessKeyId: requiredString().trim().min(1, { message: 'v.required' }),
    secret: requiredString().min(1, { message: 'v.required' }).max(256, { message: 'v.signature.secret' }),
    instanceId: instanceIdSchema,
    clientId: clientIdSchema,
  })
  .superRefine((v, ctx) => {
    const schema = v.mode === 'signature' ? accessKeyIdSchema : deviceAccessKeyIdSchema;
    const r = schema.safeParse(v.accessKeyId);
    if (!r.success) ctx.addIssue({ code: 'custom', path: ['accessKeyId'], message: r.error.issues[0]!.message });
  });
export type SignatureHelperInput = z.input<typeof signatureHelperSchema>;

/** "Send test message": a message published by the console under one parent topic. */
export const TEST_PAYLOAD_MAX_CHARS = 1024 * 1024;
export const testMessageSchema = z.object({
  instanceId: instanceIdSchema,
  /** The parent topic the message goes under. */
  topic: requiredString().min(1, { message: 'v.required' }),
  /** Levels below the parent topic, e.g. "devices/42" (a leading "/" is optional); may be empty. */
  subtopic: z
    .string()
    .default('')
    .refine((v) => !/[+#\u0000]/.test(v), { message: 'v.testMessage.subtopic' })
    .refine((v) => !v.startsWith('//'), { message: 'v.testMessage.subtopic' }),
  payload: z.string().max(TEST_PAYLOAD_MAX_CHARS, { message: 'v.testMessage.payload' }).default(''),
  qos: z.coerce
    .number({ error: 'v.testMessage.qos' })
    .refine((v) => v === 0 || v === 1 || v === 2, { message: 'v.testMessage.qos' })
    .transform((v) => v as 0 | 1 | 2),
});
export type TestMessageInput = z.input<typeof testMessageSchema>;

/** The full topic of a test message: parent topic, then the subtopic levels. */
export function testMessageTopic(topic: string, subtopic: string): string {
  if (subtopic === '' || subtopic === '/') return topic;
  return subtopic.startsWith('/') ? `${topic}${subtopic}` : `${topic}/${subtopic}`;
}

/**
 * Message and device traces (PRODUCT.md §7). Times are epoch ms; a query covers at most 7 days
 * of messages or 1 day of device events (the original's limit). Range errors are reported on
 * the pseudo-field `range`, which the console shows under its time range picker.
 */
export const MESSAGE_TRACE_MAX_RANGE_MS = 7 * 24 * 3600_000;
export const DEVICE_TRACE_MAX_RANGE_MS = 24 * 3600_000;
export const TRACE_PAGE_SIZE = 50;
export const TRACE_PAGE_SIZE_MAX = 200;

/** A message ID as the broker issues them: 32 hex digits (any case). */
export const messageIdSchema = z
  .string({ error: 'v.trace.messageId' })
  .trim()
  .regex(/^[0-9a-fA-F]{32}$/, { message: 'v.trace.messageId' })
  .transform((v) => v.toLowerCase());

/** Any client ID the broker may have seen (open-mode instances accept any). */
export const traceClientIdSchema = requiredString()
  .trim()
  .min(1, { message: 'v.required' })
  .max(1024, { message: 'v.trace.clientId' });

/** An exact topic name (the trace stores topic names, so filters cannot match). */
export const traceTopicSchema = requiredString()
  .min(1, { message: 'v.required' })
  .max(1024, { message: 'v.trace.topic' })
  .refine((v) => !/[+#\u0000]/.test(v), { message: 'v.trace.topic' });

const epochMs = z.coerce.number({ error: 'v.trace.time' }).int({ message: 'v.trace.time' }).min(0, { message: 'v.trace.time' });

/** Where the next page starts: rows older than `before`, skipping the `skip` rows at exactly `before` already shown. */
export const traceCursorSchema = z.object({
  before: epochMs,
  // At most what the reader answers at once (1000 rows); trace-queries.ts moves on beyond that.
  skip: z.number().int().min(0).max(1000),
});
export type TraceCursor = z.infer<typeof traceCursorSchema>;

function rangeRule(maxMs: number, tooLong: string) {
  return (v: { from: number; to: number }, ctx: z.RefinementCtx) => {
    if (v.from > v.to) ctx.addIssue({ code: 'custom', path: ['range'], message: 'v.trace.rangeOrder' });
    else if (v.to - v.from > maxMs) ctx.addIssue({ code: 'custom', path: ['range'], message: tooLong });
  };
}

const pagedRange = {
  instanceId: instanceIdSchema,
  from: epochMs,
  to: epochMs,
  cursor: traceCursorSchema.optional(),
  pageSize: z.number().int().min(1).max(TRACE_PAGE_SIZE_MAX).default(TRACE_PAGE_SIZE),
};

export const messageTraceSchema = z.object({ instanceId: instanceIdSchema, messageId: messageIdSchema });

export const clientMessagesSchema = z
  .object({ ...pagedRange, clientId: traceClientIdSchema })
  .superRefine(rangeRule(MESSAGE_TRACE_MAX_RANGE_MS, 'v.trace.rangeTooLong'));
export type ClientMessagesInput = z.input<typeof clientMessagesSchema>;

export const topicMessagesSchema = z
  .object({ ...pagedRange, topic: traceTopicSchema })
  .superRefine(rangeRule(MESSAGE_TRACE_MAX_RANGE_MS, 'v.trace.rangeTooLong'));
export type TopicMessagesInput = z.input<typeof topicMessagesSchema>;

/** The device ID part of `<GroupID>@@@<DeviceID>`: printable, none of ` / : , % @`. */
export const deviceIdSchema = requiredString()
  .trim()
  .min(1, { message: 'v.required' })
  .max(CLIENT_ID_MAX, { message: 'v.clientId.length' })
  .regex(/^[\x21-\x7e]+$/, { message: 'v.trace.deviceId' })
  .refine((v) => !/[/:,%@]/.test(v), { message: 'v.trace.deviceId' });

/**
 * Device trace: a full client ID, or a Group ID and a device ID (joined with `@@@`). With both,
 * the client ID wins.
 */
export const deviceTraceSchema = z
  .object({
    ...pagedRange,
    clientId: z.string().trim().max(1024, { message: 'v.trace.clientId' }).optional(),
    groupId: z.string().trim().optional(),
    deviceId: z.string().trim().optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.clientId) {
      const group = groupNameSchema.safeParse(v.groupId ?? '');
      if (!group.success) ctx.addIssue({ code: 'custom', path: ['groupId'], message: v.groupId ? group.error.issues[0]!.message : 'v.required' });
      const device = deviceIdSchema.safeParse(v.deviceId ?? '');
      if (!device.success) ctx.addIssue({ code: 'custom', path: ['deviceId'], message: device.error.issues[0]!.message });
      if (group.success && device.success && `${group.data}@@@${device.data}`.length > CLIENT_ID_MAX)
        ctx.addIssue({ code: 'custom', path: ['deviceId'], message: 'v.clientId.length' });
    }
    rangeRule(DEVICE_TRACE_MAX_RANGE_MS, 'v.trace.deviceRangeTooLong')(v, ctx);
  })
  .transform(({ groupId, deviceId, clientId, ...rest }) => ({
    ...rest,
    clientId: clientId || `${groupId!.trim()}@@@${deviceId!.trim()}`,
  }));
export type DeviceTraceInput = z.input<typeof deviceTraceSchema>;

export const PERMISSION_FILTER_MAX = 256;
export const PERMISSION_ACTIONS = ['publish', 'subscribe', 'both'] as const;
export const PERMISSION_EFFECTS = ['allow', 'deny'] as const;
export type PermissionAction = (typeof PERMISSION_ACTIONS)[number];
export type PermissionEffect = (typeof PERMISSION_EFFECTS)[number];

/**
 * The topic filter of a permission rule: an MQTT topic filter (`+` fills a whole level, `#`
 * only a whole last level), at most 256 characters, not a shared subscription. Not trimmed:
 * spaces are part of an MQTT topic.
 */
export const permissionFilterSchema = requiredString()
  .min(1, { message: 'v.required' })
  .max(PERMISSION_FILTER_MAX, { message: 'v.permissionFilter.length' })
  .refine((f) => !f.startsWith('$share/') && f !== '$share', { message: 'v.permissionFilter.shared' })
  .refine((f) => isValidTopicFilter(f), { message: 'v.permissionFilter.format' });

export const permissionActionSchema = z.enum(PERMISSION_ACTIONS, { error: 'v.permission.action' });
export const permissionEffectSchema = z.enum(PERMISSION_EFFECTS, { error: 'v.permission.effect' });

/** A permission rule is addressed by instance + filter + action (unique together). */
export const permissionRefSchema = z.object({
  instanceId: instanceIdSchema,
  filter: permissionFilterSchema,
  action: permissionActionSchema,
});

export const permissionCreateSchema = permissionRefSchema.extend({
  effect: permissionEffectSchema,
  description: descriptionSchema,
});
export type PermissionCreateInput = z.input<typeof permissionCreateSchema>;

export const accessKeyIdSchema = z.string({ error: 'v.accessKeyId.format' }).regex(/^LTAI[0-9A-Za-z]{16,24}$/, {
  message: 'v.accessKeyId.format',
});
export const accessKeyCreateSchema = z.object({ description: descriptionSchema });

export const PASSWORD_MIN = 8;
export const passwordSchema = requiredString()
  .min(PASSWORD_MIN, { message: 'v.password.length' })
  .max(256, { message: 'v.password.length' });

export const loginSchema = z.object({
  username: requiredString().trim().min(1, { message: 'v.required' }),
  password: requiredString().min(1, { message: 'v.required' }),
});

export const setupSchema = z
  .object({ password: passwordSchema, confirm: requiredString() })
  .refine((v) => v.password === v.confirm, { message: 'v.password.mismatch', path: ['confirm'] });

/** A host name or IP address shown in endpoint URLs. */
export const publicHostSchema = requiredString()
  .trim()
  .min(1, { message: 'v.required' })
  .max(253, { message: 'v.host.format' })
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$/, {
    message: 'v.host.format',
  });

/**
 * Client lookup (PRODUCT.md §8). A looked-up client ID is any one a client could be online
 * with: open-mode instances accept more than the product's `<GroupID>@@@<DeviceID>`, so only
 * emptiness, length and control characters are refused. Not trimmed.
 */
export const LOOKUP_CLIENT_ID_MAX = 1024;
export const LOOKUP_PAGE_MAX = 100;
export const lookupClientIdSchema = requiredString()
  .min(1, { message: 'v.required' })
  .max(LOOKUP_CLIENT_ID_MAX, { message: 'v.lookup.clientId' })
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { message: 'v.lookup.clientId' });
const pageFields = {
  offset: z.number({ error: 'v.lookup.page' }).int({ message: 'v.lookup.page' }).min(0, { message: 'v.lookup.page' }).default(0),
  limit: z
    .number({ error: 'v.lookup.page' })
    .int({ message: 'v.lookup.page' })
    .min(1, { message: 'v.lookup.page' })
    .max(LOOKUP_PAGE_MAX, { message: 'v.lookup.page' })
    .default(20),
};
export const clientLookupSchema = z.object({ instanceId: instanceIdSchema, clientId: lookupClientIdSchema });
export const groupLookupSchema = z.object({ instanceId: instanceIdSchema, groupId: groupNameSchema, ...pageFields });
export const topicLookupSchema = z.object({
  instanceId: instanceIdSchema,
  topic: requiredString()
    .min(1, { message: 'v.required' })
    .max(LOOKUP_CLIENT_ID_MAX, { message: 'v.lookup.topic' })
    .refine((v) => isValidTopicName(v), { message: 'v.lookup.topic' }),
  ...pageFields,
});
export type GroupLookupInput = z.input<typeof groupLookupSchema>;
export type TopicLookupInput = z.input<typeof topicLookupSchema>;

/** The statistics tab's time ranges (as the original console's). */
export const STATISTICS_RANGES = ['1h', '3h', '12h', '1d', '7d'] as const;
export type StatisticsRange = (typeof STATISTICS_RANGES)[number];
export const statisticsQuerySchema = z.object({
  instanceId: instanceIdSchema,
  range: z.enum(STATISTICS_RANGES, { error: 'v.statistics.range' }),
});

/** Console setting: days the telemetry (message and device traces, statistics) is kept. */
export const TELEMETRY_RETENTION_DAYS = { min: 1, max: 365, default: 3 } as const;
export const telemetryRetentionDaysSchema = z.coerce
  .number({ error: 'v.telemetryRetentionDays' })
  .int({ message: 'v.telemetryRetentionDays' })
  .min(TELEMETRY_RETENTION_DAYS.min, { message: 'v.telemetryRetentionDays' })
  .max(TELEMETRY_RETENTION_DAYS.max, { message: 'v.telemetryRetentionDays' });

/** Field name → message key, from a failed zod parse. The first issue per field wins. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.join('.') : '_';
    if (!(field in out)) out[field] = issue.message;
  }
  return out;
}

/**
 * RocketMQ clusters (PRODUCT.md section 6): the other end of every rule, reached through the
 * cluster's proxy endpoints `host:port;host:port`. The AccessKey secret is write-only: on
 * update an empty secret keeps the stored one.
 */
export const ROCKETMQ_ENDPOINTS_MAX = 1024;
export const clusterIdSchema = z.coerce
  .number({ error: 'v.cluster.id' })
  .int({ message: 'v.cluster.id' })
  .positive({ message: 'v.cluster.id' });
export const clusterNameSchema = requiredString()
  .trim()
  .min(3, { message: 'v.cluster.name.length' })
  .max(64, { message: 'v.cluster.name.length' })
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'v.cluster.name.chars' });

const ENDPOINT_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
/** Normalizes `a:1; b:2` to `a:1;b:2`; refuses anything but host:port entries. */
export const clusterEndpointsSchema = requiredString()
  .trim()
  .min(1, { message: 'v.required' })
  .max(ROCKETMQ_ENDPOINTS_MAX, { message: 'v.cluster.endpoints' })
  .transform((v) => v.split(';').map((e) => e.trim()).filter((e) => e !== '').join(';'))
  .refine(
    (v) =>
      v !== '' &&
      v.split(';').every((e) => {
        const m = ENDPOINT_RE.exec(e);
        return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
      }),
    { message: 'v.cluster.endpoints' },
  );
export const clusterNamespaceSchema = z
  .string({ error: 'v.cluster.namespace' })
  .trim()
  .max(64, { message: 'v.cluster.namespace' })
  .regex(/^[%|A-Za-z0-9_-]*$/, { message: 'v.cluster.namespace' });
export const clusterAccessKeySchema = z
  .string({ error: 'v.cluster.accessKey' })
  .trim()
  .max(128, { message: 'v.cluster.accessKey' })
  .regex(/^[\x21-\x7e]*$/, { message: 'v.cluster.accessKey' });
export const clusterSecretSchema = z.string({ error: 'v.cluster.secret' }).max(256, { message: 'v.cluster.secret' });

export const clusterCreateSchema = z
  .object({
    name: clusterNameSchema,
    endpoints: clusterEndpointsSchema,
    namespace: clusterNamespaceSchema.default(''),
    accessKey: clusterAccessKeySchema.default(''),
    secretKey: clusterSecretSchema.default(''),
    description: descriptionSchema,
  })
  .superRefine((v, ctx) => {
    if (v.accessKey !== '' && v.secretKey === '') ctx.addIssue({ code: 'custom', path: ['secretKey'], message: 'v.cluster.secretMissing' });
    if (v.accessKey === '' && v.secretKey !== '') ctx.addIssue({ code: 'custom', path: ['accessKey'], message: 'v.cluster.accessKeyMissing' });
  });
export type ClusterCreateInput = z.input<typeof clusterCreateSchema>;

/** Every field but the ID optional; an empty (or missing) secretKey keeps the stored secret. */
export const clusterUpdateSchema = z.object({
  id: clusterIdSchema,
  name: clusterNameSchema.optional(),
  endpoints: clusterEndpointsSchema.optional(),
  namespace: clusterNamespaceSchema.optional(),
  accessKey: clusterAccessKeySchema.optional(),
  secretKey: clusterSecretSchema.optional(),
  description: descriptionSchema.optional(),
});
export type ClusterUpdateInput = z.input<typeof clusterUpdateSchema>;

/** A RocketMQ topic name, by RocketMQ's own rule. */
export const ROCKETMQ_TOPIC_MAX = 127;
export const rocketmqTopicSchema = requiredString()
  .trim()
  .min(1, { message: 'v.required' })
  .max(ROCKETMQ_TOPIC_MAX, { message: 'v.rocketmqTopic.length' })
  .regex(/^[%|a-zA-Z0-9_-]+$/, { message: 'v.rocketmqTopic.chars' });

export const clusterTestSchema = z.object({ id: clusterIdSchema, topic: rocketmqTopicSchema.optional() });

/** Rules (PRODUCT.md sections 1 and 6). */
export const RULE_TYPES = ['inflow', 'outflow', 'status'] as const;
export type RuleType = (typeof RULE_TYPES)[number];
export const RULES_PER_INSTANCE = 100;
export const ruleTypeSchema = z.enum(RULE_TYPES, { error: 'v.rule.type' });
export const ruleIdSchema = requiredString()
  .trim()
  .min(3, { message: 'v.rule.id.length' })
  .max(64, { message: 'v.rule.id.length' })
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'v.rule.id.chars' })
  .regex(/[A-Za-z0-9]/, { message: 'v.rule.id.letter' });

/**
 * What a rule's source and target are, by type (db/schema.ts `rules`): a parent topic or a
 * Group ID of the instance on the MQTT side, a RocketMQ topic on the other.
 */
export function ruleEndSchemas(type: RuleType) {
  switch (type) {
    case 'outflow':
      return { source: topicNameSchema, target: rocketmqTopicSchema };
    case 'inflow':
      return { source: rocketmqTopicSchema, target: topicNameSchema };
    case 'status':
      return { source: groupNameSchema, target: rocketmqTopicSchema };
  }
}

/** The wizard's first step (basic information). */
export const ruleBasicSchema = z.object({
  ruleId: ruleIdSchema,
  description: descriptionSchema,
  enabled: z.boolean({ error: 'v.rule.enabled' }).default(true),
  type: ruleTypeSchema,
});

const ruleEndField = requiredString().trim().min(1, { message: 'v.required' });

/** Checks source and target against the rules of the type (adds issues on those fields). */
function refineRuleEnds(v: { type: RuleType; source?: string; target?: string }, ctx: z.RefinementCtx) {
  const ends = ruleEndSchemas(v.type);
  for (const field of ['source', 'target'] as const) {
    const value = v[field];
    if (value === undefined) continue;
    const parsed = ends[field].safeParse(value);
    if (!parsed.success) ctx.addIssue({ code: 'custom', path: [field], message: parsed.error.issues[0]!.message });
  }
}

export const ruleCreateSchema = ruleBasicSchema
  .extend({ instanceId: instanceIdSchema, source: ruleEndField, target: ruleEndField, clusterId: clusterIdSchema })
  .superRefine(refineRuleEnds);
export type RuleCreateInput = z.input<typeof ruleCreateSchema>;

export const ruleRefSchema = z.object({ instanceId: instanceIdSchema, ruleId: requiredString().trim().min(1, { message: 'v.required' }) });

/** Everything but the ID and the type may change; source and target are checked by the rule's type. */
export const ruleUpdateSchema = ruleRefSchema.extend({
  description: descriptionSchema.optional(),
  enabled: z.boolean({ error: 'v.rule.enabled' }).optional(),
  source: ruleEndField.optional(),
  target: ruleEndField.optional(),
  clusterId: clusterIdSchema.optional(),
});
export type RuleUpdateInput = z.input<typeof ruleUpdateSchema>;
export const ruleSetEnabledSchema = ruleRefSchema.extend({ enabled: z.boolean({ error: 'v.rule.enabled' }) });
/** Source and target of a rule of a known type (the update path). */
export const ruleEndsSchema = (type: RuleType) =>
  z.object({ type: ruleTypeSchema, source: z.string().optional(), target: z.string().optional() }).superRefine((v, ctx) => refineRuleEnds({ ...v, type }, ctx));
