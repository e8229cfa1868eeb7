/**
 * What the console actually receives over HTTP: the status, the error code and the error data
 * (messageKey, messageParams, fieldErrors) from the errorFormatter, and the session cookie.
 * The handler is built like app/api/trpc/[trpc]/route.ts, on a temporary backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { DEFAULT_SPEC } from '@/lib/schemas';
import { SESSION_COOKIE } from '../auth/accounts';
import { clientAddress, readCookie, sessionCookie } from '../http/cookies';
import { tempBackend, TEST_PASSWORD, type TempBackend } from '../testing/temp-backend';
import { appRouter } from './root';
import { createContext, type MagpieErrorData } from './trpc';

describe('tRPC over HTTP', () => {
  let backend: TempBackend;

  const handle = (req: Request) =>
    fetchRequestHandler({
      endpoint: '/api/trpc',
      req,
      router: appRouter,
      createContext: ({ resHeaders }) =>
        createContext(
          backend,
          {
            sessionToken: readCookie(req.headers.get('cookie'), SESSION_COOKIE),
            setSession: (token, maxAge) => resHeaders.append('set-cookie', sessionCookie(token, maxAge, false)),
          },
          clientAddress(req.headers),
        ),
    });

  async function request(
    kind: 'query' | 'mutation',
    path: string,
    input?: unknown,
    cookie?: string,
  ): Promise<{ status: number; body: { result?: { data: unknown }; error?: { data: MagpieErrorData & { code: string } } }; setCookie: string | null }> {
    const headers: Record<string, string> = { 'x-magpie-remote-address': '192.0.2.50' };
    if (cookie) headers.cookie = cookie;
    let req: Request;
    if (kind === 'query') {
      const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      req = new Request(`http://localhost/api/trpc/${path}${qs}`, { headers });
    } else {
      headers['content-type'] = 'application/json';
      req = new Request(`http://localhost/api/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input ?? null) });
    }
    const res = await handle(req);
    return { status: res.status, body: await res.json(), setCookie: res.headers.get('set-cookie') };
  }

  let cookie: string;
  before(async () => {
    backend = tempBackend();
  });
  after(() => backend.cleanup());

  it('setup over HTTP sets an httpOnly SameSite session cookie with an expiry', async () => {
    const res = await request('mutation', 'auth.setup', { password: TEST_PASSWORD, confirm: TEST_PASSWORD });
    assert.equal(res.status, 200);
    assert.ok(res.setCookie);
    assert.match(res.setCookie, new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Lax; Max-Age=\\d+; Expires=`));
    cookie = res.setCookie.split(';')[0]!;
  });

  it('an anonymous call gets 401 with e.unauthorized', async () => {
    const res = await request('query', 'instances.list');
    assert.equal(res.status, 401);
    assert.equal(res.body.error?.data.code, 'UNAUTHORIZED');
    assert.equal(res.body.error?.data.messageKey, 'e.unauthorized');
    assert.deepEqual(res.body.error?.data.fieldErrors, {});
  });

  it('a session cookie authenticates', async () => {
    const res = await request('query', 'instances.list', undefined, cookie);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.result?.data, []);
  });

  it('bad input: 400 with the field keys', async () => {
    const res = await request('mutation', 'instances.create', { name: 'a b', ...DEFAULT_SPEC, maxTps: 3 }, cookie);
    assert.equal(res.status, 400);
    assert.equal(res.body.error?.data.code, 'BAD_REQUEST');
    assert.deepEqual(res.body.error?.data.fieldErrors, { name: 'v.instanceName.chars', maxTps: 'v.spec.maxTps' });
    // The whole error's message is one of them (the first the schema reports).
    assert.ok(['v.instanceName.chars', 'v.spec.maxTps'].includes(res.body.error!.data.messageKey));
  });

  it('a duplicate: 409 with the key, its params and the name field', async () => {
    await request('mutation', 'instances.create', { name: 'http-demo', ...DEFAULT_SPEC }, cookie);
    const res = await request('mutation', 'instances.create', { name: 'http-demo', ...DEFAULT_SPEC }, cookie);
    assert.equal(res.status, 409);
    assert.equal(res.body.error?.data.messageKey, 'e.duplicate.instance');
    assert.deepEqual(res.body.error?.data.messageParams, { name: 'http-demo' });
    assert.deepEqual(res.body.error?.data.fieldErrors, { name: 'e.duplicate.instance' });
  });

  it('not found: 404 with the key and params', async () => {
    const res = await request('query', 'instances.get', { id: 'mqtt-cn-zzzzzzzzzz' }, cookie);
    assert.equal(res.status, 404);
    assert.equal(res.body.error?.data.messageKey, 'e.notFound.instance');
    assert.deepEqual(res.body.error?.data.messageParams, { id: 'mqtt-cn-zzzzzzzzzz' });
  });

  it('a malformed session cookie is just not logged in', async () => {
    const res = await request('query', 'auth.status', undefined, `${SESSION_COOKIE}=%E0%A4%A`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.result?.data, { setUp: true, user: null });
  });

  it('too many failed logins: 429 with the seconds to wait', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await request('mutation', 'auth.login', { username: 'admin', password: `nope-${i}` });
      assert.equal(res.status, 401);
      assert.equal(res.body.error?.data.messageKey, 'e.badCredentials');
      assert.deepEqual(res.body.error?.data.fieldErrors, { password: 'e.badCredentials' });
    }
    const res = await request('mutation', 'auth.login', { username: 'admin', password: TEST_PASSWORD });
    assert.equal(res.status, 429);
    assert.equal(res.body.error?.data.messageKey, 'e.tooManyAttempts');
    assert.ok(Number(res.body.error?.data.messageParams.seconds) >= 1);
  });

  it('logout clears the cookie', async () => {
    const res = await request('mutation', 'auth.logout', undefined, cookie);
    assert.equal(res.status, 200);
    assert.match(res.setCookie ?? '', new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    assert.equal((await request('query', 'instances.list', undefined, cookie)).status, 401);
  });
});
