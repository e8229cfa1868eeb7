/**
 * AccessKeys of the console's account. The secret is returned once, at creation; it is stored
 * sealed (server/crypto/secret-box.ts) because signature checks need the secret itself.
 */
import crypto from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { accessKeys } from '@/db/schema';
import { accessKeyCreateSchema, accessKeyIdSchema } from '@/lib/schemas';
import type { Backend } from '../backend';
import { AppError, parseInput } from '../errors';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomBase62(length: number): string {
  // Rejection sampling keeps every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const b of crypto.randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += BASE62[b % 62];
    }
  }
  return out;
}

export interface AccessKeyView {
  id: string;
  description: string;
  enabled: boolean;
  lastUsedAt: number | null;
  createdAt: number;
}

const view = (row: typeof accessKeys.$inferSelect): AccessKeyView => ({
  id: row.id,
  description: row.description,
  enabled: row.enabled,
  lastUsedAt: row.lastUsedAt,
  createdAt: row.createdAt,
});

export function listAccessKeys({ db }: Backend): AccessKeyView[] {
  return db.select().from(accessKeys).orderBy(desc(accessKeys.createdAt), desc(accessKeys.id)).all().map(view);
}

function findRow({ db }: Backend, id: string) {
  const valid = parseInput(accessKeyIdSchema, id);
  const row = db.select().from(accessKeys).where(eq(accessKeys.id, valid)).get();
  if (!row) throw new AppError('NOT_FOUND', 'e.notFound.accessKey', { id: valid });
  return row;
}

export function getAccessKey(backend: Backend, id: string): AccessKeyView {
  return view(findRow(backend, id));
}

/** Creates a key pair. The returned secret is the only time it is shown. */
export function createAccessKey(backend: Backend, input: unknown = {}): AccessKeyView & { secret: string } {
  const { description } = parseInput(accessKeyCreateSchema, input ?? {});
  const id = `LTAI${randomBase62(20)}`;
  const secret = randomBase62(30);
  const row = backend.db
    .insert(accessKeys)
    .values({ id, secretEncrypted: backend.secrets.seal(secret), description })
    .returning()
    .get();
  return { ...view(row), secret };
}

export function setAccessKeyEnabled(backend: Backend, id: string, enabled: boolean): AccessKeyView {
  const row = findRow(backend, id);
  return view(backend.db.update(accessKeys).set({ enabled }).where(eq(accessKeys.id, row.id)).returning().get()!);
}

export function deleteAccessKey(backend: Backend, id: string): void {
  const row = findRow(backend, id);
  backend.db.delete(accessKeys).where(eq(accessKeys.id, row.id)).run();
}

/**
 * The plain secret of an enabled key, for signature checks (broker, token and status APIs),
 * and the key is marked used. Null when the key does not exist or is disabled.
 */
export function useAccessKeySecret(backend: Backend, id: string, now = Date.now()): string | null {
  const row = backend.db.select().from(accessKeys).where(eq(accessKeys.id, id)).get();
  if (!row || !row.enabled) return null;
  backend.db.update(accessKeys).set({ lastUsedAt: now }).where(eq(accessKeys.id, id)).run();
  return backend.secrets.open(row.secretEncrypted);
}
