/** The account service with an injected clock: the login slow-down and session expiry. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loginFailures, sessions } from '@/db/schema';
import { AppError, ValidationError } from '../errors';
import { tempBackend, TEST_PASSWORD, type TempBackend } from '../testing/temp-backend';
import {
  bootstrapAdmin,
  FREE_FAILURES,
  isSetUp,
  login,
  loginDelayMs,
  logout,
  openSession,
  SESSION_TTL_MS,
  setupAdmin,
  userForSession,
} from './accounts';

const T0 = 1_700_000_000_000;
const right = { username: 'admin', password: TEST_PASSWORD };
const wrong = { username: 'admin', password: 'wrong-password' };

async function loginFails(backend: TempBackend, input: typeof right, address: string, now: number): Promise<AppError> {
  try {
    await login(backend, input, address, now);
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return err;
  }
  assert.fail('login succeeded');
}

describe('accounts', () => {
  let backend: TempBackend;
  beforeEach(() => {
    backend = tempBackend();
  });
  afterEach(() => backend.cleanup());

  describe('setup', () => {
    it('bootstrapAdmin: needs setup without MAGPIE_ADMIN_PASSWORD', async () => {
      assert.equal(await bootstrapAdmin(backend), 'needs-setup');
      assert.equal(isSetUp(backend), false);
    });

    it('bootstrapAdmin: creates the admin from MAGPIE_ADMIN_PASSWORD once', async () => {
      const withPassword = { ...backend, config: { ...backend.config, adminPassword: TEST_PASSWORD } };
      assert.equal(await bootstrapAdmin(withPassword), 'created');
      assert.equal(await bootstrapAdmin(withPassword), 'exists');
      await login(backend, right, 'a', T0);
    });

    it('bootstrapAdmin: a too short MAGPIE_ADMIN_PASSWORD is refused', async () => {
      const withPassword = { ...backend, config: { ...backend.config, adminPassword: 'short' } };
      await assert.rejects(bootstrapAdmin(withPassword), ValidationError);
      assert.equal(isSetUp(backend), false);
    });

    it('setupAdmin refuses a second admin', async () => {
      await setupAdmin(backend, TEST_PASSWORD);
      await assert.rejects(setupAdmin(backend, TEST_PASSWORD), (err: AppError) => err.key === 'e.alreadySetUp');
    });
  });

  describe('login slow-down', () => {
    beforeEach(() => setupAdmin(backend, TEST_PASSWORD));

    it(`the first ${FREE_FAILURES} failures cost nothing, then the next attempt waits 2 s`, async () => {
      for (let i = 0; i < FREE_FAILURES; i++) {
        assert.equal(loginDelayMs(backend, 'x', T0), 0);
        assert.equal((await loginFails(backend, wrong, 'x', T0)).key, 'e.badCredentials');
      }
      assert.equal(loginDelayMs(backend, 'x', T0), 2000);
      assert.equal(loginDelayMs(backend, 'x', T0 + 1500), 500);
      assert.equal(loginDelayMs(backend, 'x', T0 + 2000), 0);
    });

    it('during the delay the right password is refused too, and the refusal does not extend it', async () => {
      for (let i = 0; i < FREE_FAILURES; i++) await loginFails(backend, wrong, 'x', T0);
      const err = await loginFails(backend, right, 'x', T0 + 1);
      assert.equal(err.code, 'TOO_MANY_REQUESTS');
      assert.equal(err.key, 'e.tooManyAttempts');
      assert.deepEqual(err.params, { seconds: 2 });
      assert.equal((await loginFails(backend, right, 'x', T0 + 1999)).code, 'TOO_MANY_REQUESTS');
      // Once the delay has passed the right password works and clears the count.
      const session = await login(backend, right, 'x', T0 + 2000);
      assert.equal(session.expiresAt, T0 + 2000 + SESSION_TTL_MS);
      assert.equal(backend.db.select().from(loginFailures).all().length, 0);
      assert.equal(loginDelayMs(backend, 'x', T0 + 2000), 0);
    });

    it('each further failure doubles the delay, up to 5 minutes', async () => {
      let now = T0;
      for (let i = 0; i < FREE_FAILURES; i++) await loginFails(backend, wrong, 'x', now);
      const delays: number[] = [];
      for (let i = 0; i < 10; i++) {
        const delay = loginDelayMs(backend, 'x', now);
        delays.push(delay);
        now += delay;
        await loginFails(backend, wrong, 'x', now);
      }
      assert.deepEqual(delays, [2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000]);
    });

    it('unknown user names count as failures too', async () => {
      for (let i = 0; i < FREE_FAILURES; i++) {
        assert.equal((await loginFails(backend, { username: `u${i}`, password: 'x' }, 'y', T0)).key, 'e.badCredentials');
      }
      assert.equal((await loginFails(backend, right, 'y', T0)).code, 'TOO_MANY_REQUESTS');
    });

    it('failures are counted per address', async () => {
      for (let i = 0; i < FREE_FAILURES; i++) await loginFails(backend, wrong, 'x', T0);
      assert.equal(loginDelayMs(backend, 'other', T0), 0);
      await login(backend, right, 'other', T0);
      assert.equal((await loginFails(backend, right, 'x', T0)).code, 'TOO_MANY_REQUESTS');
    });

    it('a success before the limit resets the count', async () => {
      for (let i = 0; i < FREE_FAILURES - 1; i++) await loginFails(backend, wrong, 'x', T0);
      await login(backend, right, 'x', T0);
      for (let i = 0; i < FREE_FAILURES - 1; i++) await loginFails(backend, wrong, 'x', T0);
      assert.equal(loginDelayMs(backend, 'x', T0), 0);
    });
  });

  describe('sessions', () => {
    beforeEach(() => setupAdmin(backend, TEST_PASSWORD));

    it('a session is valid until it expires', async () => {
      const { token, expiresAt } = await login(backend, right, 'a', T0);
      assert.equal(expiresAt, T0 + SESSION_TTL_MS);
      assert.equal(userForSession(backend, token, T0)?.username, 'admin');
      assert.equal(userForSession(backend, token, expiresAt - 1)?.username, 'admin');
      assert.equal(userForSession(backend, token, expiresAt), null);
      assert.equal(userForSession(backend, undefined, T0), null);
      assert.equal(userForSession(backend, `${token}x`, T0), null);
    });

    it('logout deletes the session', async () => {
      const { token } = await login(backend, right, 'a', T0);
      logout(backend, token);
      assert.equal(userForSession(backend, token, T0), null);
      logout(backend, undefined); // nothing to do, no error
    });

    it('expired sessions are removed from the database when a new one opens', async () => {
      const { token: old } = await login(backend, right, 'a', T0);
      const userId = userForSession(backend, old, T0)!.id;
      openSession(backend, userId, T0 + SESSION_TTL_MS + 1);
      assert.equal(backend.db.select().from(sessions).all().length, 1);
    });
  });
});
