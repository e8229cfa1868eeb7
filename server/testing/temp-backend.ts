/**
 * Test fixtures: a real Backend on a fresh temporary data directory, and tRPC callers as a
 * logged-in admin or as nobody.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCaller } from '../api/root';
import { createContext, type CookieJar } from '../api/trpc';
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
