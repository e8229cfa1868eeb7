/**
 * Test fixtures: a real Backend on a fresh temporary data directory, and tRPC callers as a
 * logged-in admin or as nobody.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { appRouter, createCaller } from '../api/root';
import { createContext, type CookieJar, type MagpieErrorData } from '../api/trpc';
import { login, setupAdmin, ADMIN_USERNAME } from '../auth/accounts';
import { openBackend, type Backend } from '../backend';
import type { MagpieConfig } from '../config';

export const TEST_PASSWORD = 'correct-horse-battery';

export interface TempBackend extends Backend {
  dataDir: string;
  cleanup(): void;
}

export function tempBackend(overrides: Partial<MagpieConfig> = {}): TempBackend {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-test-'));
  const backend = openBackend({
    dataDir,
    consolePort: 0,
    consoleBind: '127.0.0.1',
    adminPassword: undefined,
    publicHost: 'localhost',
    brokerBind: '127.0.0.1',
    tlsCertFile: undefined,
    tlsKeyFile: undefined,
    telemetrySampleMs: 10_000,
    ...overrides,
  });
  return {
    ...backend,
    dataDir,
    cleanup() {
      backend.db.$client.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A cookie jar that remembers what the server set, like a browser would. */
export function memoryCookies(sessionToken?: string): CookieJar & { sessionToken?: string } {
  const jar: CookieJar & { sessionToken?: string } = {
    sessionToken,
    setSession(token, maxAge) {
      jar.sessionToken = maxAge > 0 ? token : undefined;
    },
  };
  return jar;
}

/** A caller with no session: what an unauthenticated request gets. */
export function anonymousCaller(backend: Backend, address = '127.0.0.1') {
  return createCaller(createContext(backend, memoryCookies(), address));
}

/**
 * A caller for one request with these cookies, like the HTTP handler builds per request (the
 * session is looked up when the caller is made, so make a new one after logging in or out).
 */
export function callerWith(backend: Backend, cookies: CookieJar, address = '127.0.0.1') {
  return createCaller(createContext(backend, cookies, address));
}

/** What the console receives in `error.data` for this error (the router's errorFormatter). */
export function errorDataOf(error: TRPCError): MagpieErrorData {
  const formatter = appRouter._def._config.errorFormatter as (opts: unknown) => { data: MagpieErrorData };
  const shape = { message: error.message, code: -32600, data: {} };
  return formatter({ shape, error, type: 'unknown', path: undefined, input: undefined, ctx: undefined }).data;
}

export interface ExpectedError {
  code: TRPCError['code'];
  /** The message key the console shows for the whole error. */
  key?: string;
  /** Field → message key, as the console shows them under form fields (only these are checked). */
  fields?: Record<string, string>;
  params?: Record<string, string | number>;
}

/** Awaits a call that must fail; checks the tRPC code and what the console would show. */
export async function rejectsWith(call: Promise<unknown>, expected: ExpectedError): Promise<MagpieErrorData> {
  let error: unknown;
  try {
    await call;
  } catch (err) {
    error = err;
  }
  assert.ok(error !== undefined, `expected ${expected.code}, but the call succeeded`);
  assert.ok(error instanceof TRPCError, `expected a TRPCError, got ${String(error)}`);
  const data = errorDataOf(error);
  const seen = `${error.code} ${JSON.stringify(data)}`;
  assert.equal(error.code, expected.code, seen);
  if (expected.key !== undefined) assert.equal(data.messageKey, expected.key, seen);
  for (const [field, key] of Object.entries(expected.fields ?? {})) assert.equal(data.fieldErrors[field], key, seen);
  if (expected.params) assert.deepEqual(data.messageParams, expected.params, seen);
  return data;
}

/** Sets up the admin account (if needed) and returns a caller logged in as admin. */
export async function adminCaller(backend: Backend) {
  try {
    await setupAdmin(backend, TEST_PASSWORD);
  } catch {
    // already set up
  }
  const { token } = await login(backend, { username: ADMIN_USERNAME, password: TEST_PASSWORD }, 'test');
  return createCaller(createContext(backend, memoryCookies(token), 'test'));
}
