/**
 * The console's admin account, login sessions and the slow-down of repeated failed logins.
 */
import crypto from 'node:crypto';
import { eq, lt, sql } from 'drizzle-orm';
import { loginFailures, sessions, users } from '@/db/schema';
import { passwordSchema } from '@/lib/schemas';
import type { Backend } from '../backend';
import { AppError, parseInput } from '../errors';
import { tokenHash } from '../crypto/token-hash';
import { hashPassword, verifyPassword } from './password';

export const ADMIN_USERNAME = 'admin';
export const SESSION_COOKIE = 'magpie_session';
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

/** Failures allowed before logins from one address are delayed; the delay then doubles. */
export const FREE_FAILURES = 3;
const BASE_DELAY_MS = 2000;
const MAX_DELAY_MS = 5 * 60 * 1000;

export function isSetUp({ db }: Backend): boolean {
  return db.select({ id: users.id }).from(users).limit(1).get() !== undefined;
}

/** Creates the admin account. Refused once an account exists. */
export async function setupAdmin(backend: Backend, password: string): Promise<void> {
  const valid = parseInput(passwordSchema, password);
  if (isSetUp(backend)) throw new AppError('PRECONDITION_FAILED', 'e.alreadySetUp');
  const passwordHash = await hashPassword(valid);
  // The unique username settles a race between two setups: the second insert is ignored.
  const inserted = backend.db
    .insert(users)
    .values({ username: ADMIN_USERNAME, passwordHash })
    .onConflictDoNothing()
    .run();
  if (inserted.changes === 0) throw new AppError('PRECONDITION_FAILED', 'e.alreadySetUp');
}

/** At first start: create the admin from MAGPIE_ADMIN_PASSWORD when it is set. */
export async function bootstrapAdmin(backend: Backend): Promise<'created' | 'exists' | 'needs-setup'> {
  if (isSetUp(backend)) return 'exists';
  const password = backend.config.adminPassword;
  if (!password) return 'needs-setup';
  await setupAdmin(backend, password);
  return 'created';
}

/** How long `address` must still wait before trying again, in ms (0: may try now). */
export function loginDelayMs({ db }: Backend, address: string, now = Date.now()): number {
  const row = db.select().from(loginFailures).where(eq(loginFailures.address, address)).get();
  if (!row || row.failures < FREE_FAILURES) return 0;
  const delay = Math.min(BASE_DELAY_MS * 2 ** (row.failures - FREE_FAILURES), MAX_DELAY_MS);
  return Math.max(0, row.lastFailureAt + delay - now);
}

function recordFailure({ db }: Backend, address: string, now: number): void {
  db.insert(loginFailures)
    .values({ address, failures: 1, lastFailureAt: now })
    .onConflictDoUpdate({
      target: loginFailures.address,
      set: { failures: sql`${loginFailures.failures} + 1`, lastFailureAt: now },
    })
    .run();
}


export interface SessionInfo {
  token: string;
  expiresAt: number;
}

/** Checks the password and opens a session; failures from one address are slowed down. */
export async function login(
  backend: Backend,
  input: { username: string; password: string },
  address: string,
  now = Date.now(),
): Promise<SessionInfo> {
  if (!isSetUp(backend)) throw new AppError('PRECONDITION_FAILED', 'e.notSetUp');
  const wait = loginDelayMs(backend, address, now);
  if (wait > 0) {
    throw new AppError('TOO_MANY_REQUESTS', 'e.tooManyAttempts', { seconds: Math.ceil(wait / 1000) });
  }
  // Count the attempt as a failure before the (slow, asynchronous) password check and take it
  // back on success: otherwise a burst of parallel guesses would all pass the delay check above.
  recordFailure(backend, address, now);
  const user = backend.db.select().from(users).where(eq(users.username, input.username.trim())).get();
  // Verify against a dummy hash for unknown users so timing does not reveal account names.
  const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) throw new AppError('UNAUTHORIZED', 'e.badCredentials', {}, 'password');
  backend.db.delete(loginFailures).where(eq(loginFailures.address, address)).run();
  return openSession(backend, user.id, now);
}

const DUMMY_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function openSession({ db }: Backend, userId: number, now = Date.now()): SessionInfo {
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = now + SESSION_TTL_MS;
  db.delete(sessions).where(lt(sessions.expiresAt, now)).run();
  db.insert(sessions).values({ tokenHash: tokenHash(token), userId, expiresAt }).run();
  return { token, expiresAt };
}

export interface SessionUser {
  id: number;
  username: string;
}

export function userForSession({ db }: Backend, token: string | undefined, now = Date.now()): SessionUser | null {
  if (!token) return null;
  const row = db
    .select({ id: users.id, username: users.username, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, tokenHash(token)))
    .get();
  if (!row || row.expiresAt <= now) return null;
  return { id: row.id, username: row.username };
}

export function logout({ db }: Backend, token: string | undefined): void {
  if (token) db.delete(sessions).where(eq(sessions.tokenHash, tokenHash(token))).run();
}

export async function changePassword(
  backend: Backend,
  userId: number,
  current: string,
  next: string,
): Promise<void> {
  const valid = parseInput(passwordSchema, next);
  const user = backend.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user || !(await verifyPassword(current, user.passwordHash))) {
    throw new AppError('BAD_REQUEST', 'e.wrongPassword', {}, 'current');
  }
  backend.db.update(users).set({ passwordHash: await hashPassword(valid) }).where(eq(users.id, userId)).run();
  // Every other session of this user ends.
  backend.db.delete(sessions).where(eq(sessions.userId, userId)).run();
}
