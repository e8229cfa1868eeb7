/**
 * Tokens for token-mode authentication, as the cloud's token server issues them
 * (PRODUCT.md §3): apply, revoke, query. The HTTP API in server/http/token-api.ts checks the
 * caller's signature and calls these; the broker reads the `tokens` table to authenticate.
 *
 * A token is 32 random bytes, base64url (no `|`, which separates the types in an MQTT
 * password). Only its SHA-256 is stored: the token itself is returned once, by apply.
 * Rows of tokens that expired more than 7 days ago are deleted (by apply).
 */
import crypto from 'node:crypto';
import { tokenHash } from '../crypto/token-hash';
import { eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { accessKeys, instances, tokens, type TokenRow } from '@/db/schema';
import { instanceIdSchema } from '@/lib/schemas';
import { translate } from '@/lib/i18n';
import { isValidTopicFilter } from '@/server/broker/routing/topics';
import type { Backend } from '../backend';

export const TOKEN_MIN_LIFETIME_MS = 60_000;
export const TOKEN_MAX_LIFETIME_MS = 30 * 24 * 60 * 60_000;
export const TOKEN_MAX_RESOURCES = 100;
export const TOKEN_RESOURCE_MAX_LENGTH = 256;
/**
 * Clients compute expireTime as "now + lifetime" before sending: this much is allowed for the
 * request's way and for clock differences at either end of the range. A token asked for
 * beyond 30 days (within the slack) lives 30 days.
 */
const LOWER_SLACK_MS = 10_000;
const UPPER_SLACK_MS = 5 * 60_000;

/** The token API's result codes (the JSON `code`), as the cloud's. */
export const TOKEN_CODES = { ok: 200, badParameter: 400, badSignature: 407, createFailed: 409, revokeFailed: 410 } as const;
export type TokenErrorCode = 400 | 407 | 409 | 410;

/** A failure the token API reports with its code and this message. */
export class TokenApiError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenApiError';
  }
}

export type TokenActions = 'R' | 'W' | 'R,W';

/** What query (and apply) tell about a token; never the token itself. */
export interface TokenView {
  instanceId: string;
  accessKey: string;
  actions: TokenActions;
  /** The topic filters, sorted and comma-joined as they were applied for. */
  resources: string;
  expireTime: number;
  createdAt: number;
  revoked: boolean;
  revokedAt: number | null;
  expired: boolean;
  /** Usable now: neither revoked nor expired. */
  valid: boolean;
}

function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

const text = (name: string) => z.string({ error: `${name} is required` }).min(1, { message: `${name} is required` });

const actionsSchema = text('actions').transform((value, ctx): TokenActions => {
  switch (value) {
    case 'R':
    case 'W':
      return value;
    case 'R,W':
    case 'W,R':
      return 'R,W';
    default:
      ctx.addIssue({ code: 'custom', message: `must be R, W or R,W (got "${value}")` });
      return z.NEVER;
  }
});

const resourcesSchema = text('resources').transform((value, ctx): string[] => {
  const list = value.split(',');
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (list.length > TOKEN_MAX_RESOURCES) return fail(`at most ${TOKEN_MAX_RESOURCES} topics per token (got ${list.length})`);
  for (const [i, topic] of list.entries()) {
    if (topic === '') return fail('an empty topic (two commas in a row, or a comma at either end)');
    if (topic.length > TOKEN_RESOURCE_MAX_LENGTH) return fail(`"${topic.slice(0, 32)}…" is longer than ${TOKEN_RESOURCE_MAX_LENGTH} characters`);
    if (topic.startsWith('$share/') || !isValidTopicFilter(topic)) {
      return fail(`"${topic}" is not a valid MQTT topic filter (+ fills a whole level, # only a whole last level)`);
    }
    // The signature covers the string as sent, so clients must agree on one order: the cloud's.
    if (i > 0 && list[i - 1]! > topic) return fail(`topics must be sorted in dictionary order ("${list[i - 1]}" comes after "${topic}")`);
  }
  return [...new Set(list)];
});

/** An absolute time, epoch milliseconds, as a number or (from a form) a string of digits. */
const expireTimeSchema = z.unknown().transform((value, ctx): number => {
  if (value === undefined || value === '') {
    ctx.addIssue({ code: 'custom', message: 'expireTime is required' });
    return z.NEVER;
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `must be a UNIX time in milliseconds (got "${String(value)}")` });
    return z.NEVER;
  }
  return n;
});

const applySchema = z.object({
  accessKey: text('accessKey'),
  instanceId: text('instanceId').pipe(instanceIdSchema),
  actions: actionsSchema,
  resources: resourcesSchema,
  expireTime: expireTimeSchema,
  proxyType: z.string({ error: 'proxyType is required' }).refine((v) => v === 'MQTT', { message: 'must be MQTT' }),
  serviceName: z.string({ error: 'serviceName is required' }).refine((v) => v === 'mq', { message: 'must be mq' }),
});

export type TokenApplyInput = z.input<typeof applySchema>;

/** "field: problem; field: problem", in English (the token API's messages are not translated). */
function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.');
      const message = translate('en', issue.message);
      return message.startsWith(`${field} `) || !field ? message : `${field}: ${message}`;
    })
    .join('; ');
}

function view(row: TokenRow, now: number): TokenView {
  const revoked = row.revokedAt !== null;
  const expired = row.expireTime <= now;
  return {
    instanceId: row.instanceId,
    accessKey: row.accessKeyId,
    actions: row.actions as TokenActions,
    resources: (JSON.parse(row.resources) as string[]).join(','),
    expireTime: row.expireTime,
    createdAt: row.createdAt,
    revoked,
    revokedAt: row.revokedAt,
    expired,
    valid: !revoked && !expired,
  };
}

/**
 * How long an expired token's row is kept: meanwhile query still answers "expired" for it;
 * after that it is deleted and query answers that there is no such token.
 */
export const TOKEN_KEEP_EXPIRED_MS = 7 * 24 * 60 * 60_000;
/** Deletes the tokens that expired more than TOKEN_KEEP_EXPIRED_MS ago (apply calls it; an indexed range delete). */
function purgeExpiredTokens({ db }: Backend, now: number): void {
  try {
    db.delete(tokens).where(lt(tokens.expireTime, now - TOKEN_KEEP_EXPIRED_MS)).run();
  } catch {
    // Housekeeping only (e.g. the database was busy): the next apply retries.
  }
}

/**
 * Issues a token. Checks the parameters (400), that the AccessKey exists and is enabled (407)
 * and that the instance exists (400). The caller has checked the request's signature.
 */
export function applyToken(backend: Backend, input: unknown, now = Date.now()): { token: string; data: TokenView } {
  const parsed = applySchema.safeParse(input);
  if (!parsed.success) throw new TokenApiError(400, describe(parsed.error));
  const { accessKey, instanceId, actions, resources, expireTime } = parsed.data;
  if (expireTime < now + TOKEN_MIN_LIFETIME_MS - LOWER_SLACK_MS) {
    throw new TokenApiError(400, `expireTime: must be at least 60 seconds from now (${new Date(now + TOKEN_MIN_LIFETIME_MS).toISOString()} or later)`);
  }
  if (expireTime > now + TOKEN_MAX_LIFETIME_MS + UPPER_SLACK_MS) {
    throw new TokenApiError(400, `expireTime: must be at most 30 days from now (${new Date(now + TOKEN_MAX_LIFETIME_MS).toISOString()} or earlier)`);
  }
  const { db } = backend;
  const key = db.select({ enabled: accessKeys.enabled }).from(accessKeys).where(eq(accessKeys.id, accessKey)).get();
  if (!key) throw new TokenApiError(407, `accessKey: no AccessKey ${accessKey}`);
  if (!key.enabled) throw new TokenApiError(407, `accessKey: the AccessKey ${accessKey} is disabled`);
  if (!db.select({ id: instances.id }).from(instances).where(eq(instances.id, instanceId)).get()) {
    throw new TokenApiError(400, `instanceId: no instance ${instanceId}`);
  }
  purgeExpiredTokens(backend, now);
  const token = newToken();
  try {
    const row = db
      .insert(tokens)
      .values({
        tokenHash: tokenHash(token),
        instanceId,
        accessKeyId: accessKey,
        actions,
        resources: JSON.stringify(resources),
        expireTime: Math.min(expireTime, now + TOKEN_MAX_LIFETIME_MS),
        createdAt: now,
      })
      .returning()
      .get();
    return { token, data: view(row, now) };
  } catch (err) {
    // The instance or key was deleted meanwhile, or the database refused the write.
    throw new TokenApiError(409, `the token could not be created: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function findToken({ db }: Backend, token: unknown): TokenRow | undefined {
  if (typeof token !== 'string' || token === '') throw new TokenApiError(400, 'token is required');
  return db.select().from(tokens).where(eq(tokens.tokenHash, tokenHash(token))).get();
}

/** What a token grants and whether it is still valid. An unknown token is a bad parameter (400). */
export function queryToken(backend: Backend, token: unknown, now = Date.now()): TokenView {
  const row = findToken(backend, token);
  if (!row) throw new TokenApiError(400, 'token: no such token (never issued, or its instance or AccessKey was deleted)');
  return view(row, now);
}

/**
 * Revokes a token: clients using it are refused from now on. An unknown token fails with 410;
 * revoking a revoked token again succeeds and keeps the first revocation time.
 */
export function revokeToken(backend: Backend, token: unknown, now = Date.now()): TokenView {
  const row = findToken(backend, token);
  if (!row) throw new TokenApiError(410, 'token: no such token (never issued, or its instance or AccessKey was deleted)');
  if (row.revokedAt !== null) return view(row, now);
  const updated = backend.db.update(tokens).set({ revokedAt: now }).where(eq(tokens.tokenHash, row.tokenHash)).returning().get();
  if (!updated) throw new TokenApiError(410, 'token: it was deleted while being revoked');
  return view(updated, now);
}
