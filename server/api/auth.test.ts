/** The auth router: setup, login (and its slow-down), sessions, logout, change password. */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { sessions, users } from '@/db/schema';
import { ADMIN_USERNAME, FREE_FAILURES, openSession, SESSION_TTL_MS } from '../auth/accounts';
import {
  adminCaller,
  anonymousCaller,
  callerWith,
  memoryCookies,
  rejectsWith,
  tempBackend,
  TEST_PASSWORD,
  type TempBackend,
} from '../testing/temp-backend';

const SESSION_SECONDS = SESSION_TTL_MS / 1000;

/** A cookie jar that also records every Set-Cookie the server asked for. */
function recordingCookies(sessionToken?: string) {
  const jar = memoryCookies(sessionToken);
  const sets: { token: string; maxAge: number }[] = [];
  const setSession = jar.setSession.bind(jar);
  jar.setSession = (token, maxAge) => {
    sets.push({ token, maxAge });
    setSession(token, maxAge);
  };
  return Object.assign(jar, { sets });
}

describe('auth before setup', () => {
  let backend: TempBackend;
  beforeEach(() => {
    backend = tempBackend();
  });
  afterEach(() => backend.cleanup());

  it('status says not set up and nobody is logged in', async () => {
    assert.deepEqual(await anonymousCaller(backend).auth.status(), { setUp: false, user: null });
  });

  it('login is refused until the admin exists', async () => {
    await rejectsWith(anonymousCaller(backend).auth.login({ username: 'admin', password: 'whatever1' }), {
      code: 'PRECONDITION_FAILED',
      key: 'e.notSetUp',
    });
  });

  it('setup creates the admin and logs this browser in', async () => {
    const cookies = recordingCookies();
    const out = await callerWith(backend, cookies).auth.setup({ password: TEST_PASSWORD, confirm: TEST_PASSWORD });
    assert.deepEqual(out, { username: ADMIN_USERNAME });
    assert.equal(cookies.sets.length, 1);
    assert.equal(cookies.sets[0]!.maxAge, SESSION_SECONDS);
    assert.ok(cookies.sessionToken);
    const status = await callerWith(backend, cookies).auth.status();
    assert.equal(status.setUp, true);
    assert.equal(status.user?.username, ADMIN_USERNAME);
    assert.equal((await callerWith(backend, cookies).auth.me())?.username, ADMIN_USERNAME);
  });

  it('setup validates the password and its confirmation', async () => {
    const anon = anonymousCaller(backend);
    await rejectsWith(anon.auth.setup({ password: 'short', confirm: 'short' }), {
      code: 'BAD_REQUEST',
      key: 'v.password.length',
      fields: { password: 'v.password.length' },
    });
    await rejectsWith(anon.auth.setup({ password: TEST_PASSWORD, confirm: `${TEST_PASSWORD}x` }), {
      code: 'BAD_REQUEST',
      key: 'v.password.mismatch',
      fields: { confirm: 'v.password.mismatch' },
    });
    assert.equal((await anon.auth.status()).setUp, false, 'nothing was saved');
  });

  it('setup works only once', async () => {
    await anonymousCaller(backend).auth.setup({ password: TEST_PASSWORD, confirm: TEST_PASSWORD });
    const cookies = recordingCookies();
    await rejectsWith(callerWith(backend, cookies).auth.setup({ password: 'another-password', confirm: 'another-password' }), {
      code: 'PRECONDITION_FAILED',
      key: 'e.alreadySetUp',
    });
    assert.equal(cookies.sets.length, 0, 'no session for the refused setup');
    // The first password still works, the second does not.
    await anonymousCaller(backend).auth.login({ username: 'admin', password: TEST_PASSWORD });
    await rejectsWith(anonymousCaller(backend, '10.0.0.9').auth.login({ username: 'admin', password: 'another-password' }), {
      code: 'UNAUTHORIZED',
      key: 'e.badCredentials',
    });
  });

  it('two setups at the same time create one admin', async () => {
    const results = await Promise.allSettled([
      anonymousCaller(backend).auth.setup({ password: 'first-password', confirm: 'first-password' }),
      anonymousCaller(backend).auth.setup({ password: 'second-password', confirm: 'second-password' }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(backend.db.select().from(users).all().length, 1);
  });
});

describe('auth after setup', () => {
  let backend: TempBackend;
  before(async () => {
    backend = tempBackend();
    await adminCaller(backend);
  });
  after(() => backend.cleanup());

  // Each test uses its own address so the failed-login slow-down of one does not leak into another.
  let n = 0;
  const address = () => `192.0.2.${++n}`;

  it('status: set up, nobody logged in without a cookie', async () => {
    assert.deepEqual(await anonymousCaller(backend).auth.status(), { setUp: true, user: null });
  });

  it('login sets a session cookie that authenticates later requests', async () => {
    const cookies = recordingCookies();
    const out = await callerWith(backend, cookies, address()).auth.login({ username: ' admin ', password: TEST_PASSWORD });
    assert.equal(out.username, ADMIN_USERNAME);
    assert.equal(cookies.sets.length, 1);
    assert.equal(cookies.sets[0]!.maxAge, SESSION_SECONDS);
    const token = cookies.sessionToken!;
    assert.ok(token.length >= 32);
    const me = await callerWith(backend, memoryCookies(token)).auth.me();
    assert.equal(me.username, ADMIN_USERNAME);
    // Only a hash of the token is stored.
    const stored = backend.db.select().from(sessions).all();
    assert.ok(stored.length > 0);
    assert.ok(stored.every((s) => s.tokenHash !== token && !s.tokenHash.includes(token)));
  });

  it('wrong password or unknown user is refused, with no cookie', async () => {
    const cookies = recordingCookies();
    await rejectsWith(callerWith(backend, cookies, address()).auth.login({ username: 'admin', password: 'wrong-password' }), {
      code: 'UNAUTHORIZED',
      key: 'e.badCredentials',
      fields: { password: 'e.badCredentials' },
    });
    await rejectsWith(callerWith(backend, cookies, address()).auth.login({ username: 'root', password: TEST_PASSWORD }), {
      code: 'UNAUTHORIZED',
      key: 'e.badCredentials',
    });
    assert.equal(cookies.sets.length, 0);
    assert.equal(cookies.sessionToken, undefined);
  });

  it('login input is validated', async () => {
    await rejectsWith(anonymousCaller(backend, address()).auth.login({ username: '', password: 'x' }), {
      code: 'BAD_REQUEST',
      key: 'v.required',
      fields: { username: 'v.required' },
    });
    await rejectsWith(anonymousCaller(backend, address()).auth.login({ username: 'admin', password: '' }), {
      code: 'BAD_REQUEST',
      fields: { password: 'v.required' },
    });
  });

  it(`after ${FREE_FAILURES} failures from one address even the right password is refused for a while`, async () => {
    const from = address();
    for (let i = 0; i < FREE_FAILURES; i++) {
      await rejectsWith(anonymousCaller(backend, from).auth.login({ username: 'admin', password: `wrong-${i}` }), {
        code: 'UNAUTHORIZED',
        key: 'e.badCredentials',
      });
    }
    const data = await rejectsWith(anonymousCaller(backend, from).auth.login({ username: 'admin', password: TEST_PASSWORD }), {
      code: 'TOO_MANY_REQUESTS',
      key: 'e.tooManyAttempts',
    });
    assert.ok(Number(data.messageParams.seconds) >= 1);
    // Another address is not affected.
    await anonymousCaller(backend, address()).auth.login({ username: 'admin', password: TEST_PASSWORD });
  });

  it('a burst of parallel wrong logins cannot get past the slow-down', async () => {
    const from = address();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => anonymousCaller(backend, from).auth.login({ username: 'admin', password: `guess-${i}` })),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'OK'));
    assert.equal(codes.filter((c) => c === 'UNAUTHORIZED').length, FREE_FAILURES, codes.join());
    assert.equal(codes.filter((c) => c === 'TOO_MANY_REQUESTS').length, 10 - FREE_FAILURES, codes.join());
  });

  it('logout ends the session and clears the cookie', async () => {
    const cookies = recordingCookies();
    await callerWith(backend, cookies, address()).auth.login({ username: 'admin', password: TEST_PASSWORD });
    const token = cookies.sessionToken!;
    assert.deepEqual(await callerWith(backend, cookies).auth.logout(), { ok: true });
    assert.deepEqual(cookies.sets.at(-1), { token: '', maxAge: 0 });
    assert.equal(cookies.sessionToken, undefined);
    // The old token is no longer a session, even if a client kept it.
    await rejectsWith(callerWith(backend, memoryCookies(token)).auth.me(), { code: 'UNAUTHORIZED', key: 'e.unauthorized' });
    assert.deepEqual((await callerWith(backend, memoryCookies(token)).auth.status()).user, null);
  });

  it('logout ends only this session', async () => {
    const a = recordingCookies();
    const b = recordingCookies();
    await callerWith(backend, a, address()).auth.login({ username: 'admin', password: TEST_PASSWORD });
    await callerWith(backend, b, address()).auth.login({ username: 'admin', password: TEST_PASSWORD });
    await callerWith(backend, a).auth.logout();
    assert.equal((await callerWith(backend, b).auth.me()).username, ADMIN_USERNAME);
  });

  it('an expired session is refused', async () => {
    const admin = backend.db.select().from(users).get()!;
    const { token } = openSession(backend, admin.id, Date.now() - SESSION_TTL_MS - 1000);
    await rejectsWith(callerWith(backend, memoryCookies(token)).auth.me(), { code: 'UNAUTHORIZED', key: 'e.unauthorized' });
    await rejectsWith(callerWith(backend, memoryCookies(token)).instances.list(), { code: 'UNAUTHORIZED' });
    // Just inside its lifetime it still works.
    const fresh = openSession(backend, admin.id, Date.now() - SESSION_TTL_MS + 60_000);
    assert.equal((await callerWith(backend, memoryCookies(fresh.token)).auth.me()).username, ADMIN_USERNAME);
  });

  it('a made-up session token is refused', async () => {
    await rejectsWith(callerWith(backend, memoryCookies('not-a-session')).auth.me(), { code: 'UNAUTHORIZED' });
    await rejectsWith(callerWith(backend, memoryCookies('')).auth.me(), { code: 'UNAUTHORIZED' });
  });
});

describe('changePassword', () => {
  let backend: TempBackend;
  beforeEach(async () => {
    backend = tempBackend();
    await adminCaller(backend);
  });
  afterEach(() => backend.cleanup());

  async function session(address = '198.51.100.1') {
    const cookies = recordingCookies();
    await callerWith(backend, cookies, address).auth.login({ username: 'admin', password: TEST_PASSWORD });
    return cookies;
  }

  it('changes the password, keeps this browser logged in and ends the other sessions', async () => {
    const mine = await session();
    const other = await session();
    const before = mine.sessionToken;
    const out = await callerWith(backend, mine).auth.changePassword({ current: TEST_PASSWORD, next: 'new-password-1' });
    assert.deepEqual(out, { ok: true });
    assert.notEqual(mine.sessionToken, before, 'a new session cookie was set');
    assert.equal(mine.sets.at(-1)!.maxAge, SESSION_SECONDS);
    assert.equal((await callerWith(backend, mine).auth.me()).username, ADMIN_USERNAME);
    await rejectsWith(callerWith(backend, other).auth.me(), { code: 'UNAUTHORIZED' });
    await rejectsWith(callerWith(backend, memoryCookies(before)).auth.me(), { code: 'UNAUTHORIZED' });
    // The new password logs in, the old one does not.
    await anonymousCaller(backend, '198.51.100.2').auth.login({ username: 'admin', password: 'new-password-1' });
    await rejectsWith(anonymousCaller(backend, '198.51.100.3').auth.login({ username: 'admin', password: TEST_PASSWORD }), {
      code: 'UNAUTHORIZED',
      key: 'e.badCredentials',
    });
  });

  it('refuses a wrong current password, on the current field, and changes nothing', async () => {
    const mine = await session();
    await rejectsWith(callerWith(backend, mine).auth.changePassword({ current: 'not-the-password', next: 'new-password-1' }), {
      code: 'BAD_REQUEST',
      key: 'e.wrongPassword',
      fields: { current: 'e.wrongPassword' },
    });
    assert.equal((await callerWith(backend, mine).auth.me()).username, ADMIN_USERNAME, 'session kept');
    await anonymousCaller(backend, '198.51.100.4').auth.login({ username: 'admin', password: TEST_PASSWORD });
  });

  it('refuses a too short new password, on the new password field', async () => {
    const mine = await session();
    await rejectsWith(callerWith(backend, mine).auth.changePassword({ current: TEST_PASSWORD, next: 'short' }), {
      code: 'BAD_REQUEST',
      key: 'v.password.length',
      fields: { next: 'v.password.length' },
    });
    await anonymousCaller(backend, '198.51.100.5').auth.login({ username: 'admin', password: TEST_PASSWORD });
  });

  it('ends sessions in the database, not only in the browser', async () => {
    const mine = await session();
    await session();
    await callerWith(backend, mine).auth.changePassword({ current: TEST_PASSWORD, next: 'new-password-1' });
    const admin = backend.db.select().from(users).get()!;
    assert.equal(backend.db.select().from(sessions).where(eq(sessions.userId, admin.id)).all().length, 1);
  });
});
