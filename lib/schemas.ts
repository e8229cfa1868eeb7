/**
 * The product's naming rules and limits (PRODUCT.md section 1), once. The console's forms,
 * the tRPC procedures, the CLI and the broker all validate with these schemas.
 *
 * Error messages are i18n keys (see lib/i18n); `describeIssue` turns them into text.
 */
import { z } from 'zod';
import { isValidTopicFilter } from '@/server/broker/routing/topics';

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

/** Field name → message key, from a failed zod parse. The first issue per field wins. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.join('.') : '_';
    if (!(field in out)) out[field] = issue.message;
  }
  return out;
}
