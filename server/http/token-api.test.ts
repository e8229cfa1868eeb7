/**
 * The token server API over real HTTP, mounted as server/main.ts mounts it (before Next.js),
 * called the way the cloud's SDKs call it: form-encoded POSTs signed with
 * Base64(HMAC-SHA1(secret, sorted "key=value" joined with "&")), computed here independently
 * of our own signing code, as the cloud's Java demo does it.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '@/db/client';
import { createAccessKey, setAccessKeyEnabled } from '../services/access-keys';
import { insertInstance } from '../supervisor/testing/broker-process';
import { tempBackend, type TempBackend } from '../testing/temp-backend';
import { handleOpenApi } from './open-api';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Tools.doHttpSignature of the cloud's Java demo: "k=v" strings sorted, joined with "&". */
function cloudSignature(params: Record<string, string>, secret: string): string {
  const text = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&');
  return crypto.createHmac('sha1', Buffer.from(secret, 'utf8')).update(text, 'utf8').digest('base64');
}

interface Answer {
  status: number;
  body: { success: boolean; message: string; code: number; tokenData: unknown };
}

describe('token server HTTP API', () => {
  let backend: TempBackend;
  let server: http.Server;
  let base: string;
  let instanceId: string;
  let key: { id: string; secret: string };

  before(async () => {
    backend = tempBackend();
    instanceId = (await insertInstance(backend, 'token-api')).id;
    key = createAccessKey(backend);
    server = http.createServer((req, res) => {
      if (handleOpenApi(req, res, { backend: () => backend, supervisor: () => undefined })) return;
      res.writeHead(418).end('next.js'); // stands for the console's pages
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    backend.cleanup();
  });

  async function post(pathname: string, params: Record<string, string>): Promise<Answer> {
    const res = await fetch(base + pathname, { method: 'POST', body: new URLSearchParams(params) });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }

  /** The apply parameters as TokenApiDemo.applyToken builds them (signed, then proxyType, accessKey, signature). */
  function applyParams(change: Record<string, string> = {}, secret = key.secret): Record<string, string> {
    const signed = {
      resources: 'Orders/+,Orders/p2p/GID_app@@@one',
      actions: 'R,W',
      serviceName: 'mq',
      expireTime: String(Date.now() + HOUR),
      instanceId,
      ...change,
    };
    return { ...signed, proxyType: 'MQTT', accessKey: key.id, signature: cloudSignature(signed, secret) };
  }

  const tokenParams = (token: string, secret = key.secret, accessKey = key.id) => ({
    token,
    accessKey,
    signature: cloudSignature({ token }, secret),
  });

  async function apply(change: Record<string, string> = {}): Promise<string> {
    const { status, body } = await post('/token/apply', applyParams(change));
    assert.equal(status, 200);
    assert.equal(body.code, 200, body.message);
    return body.tokenData as string;
  }

  it('apply → query → revoke → query, as the cloud SDK calls them', async () => {
    const expireTime = Date.now() + 2 * HOUR;
    const applied = await post('/token/apply', applyParams({ expireTime: String(expireTime) }));
    assert.equal(applied.status, 200);
    assert.equal(applied.body.success, true);
    assert.equal(applied.body.code, 200);
    const token = applied.body.tokenData;
    assert.equal(typeof token, 'string');
    assert.match(token as string, /^[A-Za-z0-9_-]{43}$/);

    const queried = await post('/token/query', tokenParams(token as string));
    assert.deepEqual(queried.body, {
      success: true,
      message: 'success',
      code: 200,
      tokenData: {
        instanceId,
        accessKey: key.id,
        actions: 'R,W',
        resources: 'Orders/+,Orders/p2p/GID_app@@@one',
        expireTime,
        createdAt: (queried.body.tokenData as { createdAt: number }).createdAt,
        revoked: false,
        revokedAt: null,
        expired: false,
        valid: true,
      },
    });

    const revoked = await post('/token/revoke', tokenParams(token as string));
    assert.equal(revoked.body.code, 200, revoked.body.message);
    assert.equal(revoked.body.success, true);
    const after = (await post('/token/query', tokenParams(token as string))).body.tokenData as { revoked: boolean; valid: boolean };
    assert.equal(after.revoked, true);
    assert.equal(after.valid, false);
  });

  it('parameters in the query string work too, and the token is never stored as such', async () => {
    const qs = new URLSearchParams(applyParams({ actions: 'R', resources: 'Telemetry/#' })).toString();
    const res = await fetch(`${base}/token/apply?${qs}`, { method: 'POST' });
    const body = (await res.json()) as Answer['body'];
    assert.equal(body.code, 200, body.message);
    const token = body.tokenData as string;
    backend.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of fs.readdirSync(backend.dataDir).filter((n) => n.startsWith(DATABASE_FILE))) {
      assert.ok(!fs.readFileSync(path.join(backend.dataDir, f)).includes(token), `${f} holds the token`);
    }
    const q = (await post('/token/query', tokenParams(token))).body.tokenData as { actions: string; resources: string };
    assert.deepEqual([q.actions, q.resources], ['R', 'Telemetry/#']);
  });

  it('407 for a wrong signature, a signature over other values, an unknown or a disabled AccessKey', async () => {
    const wrongSecret = await post('/token/apply', applyParams({}, 'not-the-secret'));
    assert.equal(wrongSecret.status, 200);
    assert.deepEqual({ ...wrongSecret.body, message: '' }, { success: false, message: '', code: 407, tokenData: null });
    assert.match(wrongSecret.body.message, /signature mismatch.*actions=…&expireTime=…&instanceId=…&resources=…&serviceName=…/);

    const tampered = { ...applyParams(), actions: 'W' }; // signed R,W, sends W
    assert.equal((await post('/token/apply', tampered)).body.code, 407);

    const unknown = await post('/token/apply', { ...applyParams(), accessKey: 'LTAI00000000000000000000' });
    assert.equal(unknown.body.code, 407);
    assert.match(unknown.body.message, /no AccessKey LTAI0+/);

    const other = createAccessKey(backend);
    setAccessKeyEnabled(backend, other.id, false);
    const disabled = await post('/token/apply', { ...applyParams({}, other.secret), accessKey: other.id });
    assert.equal(disabled.body.code, 407);
    assert.match(disabled.body.message, /disabled/);

    const token = await apply();
    const badRevoke = await post('/token/revoke', tokenParams(token, 'not-the-secret'));
    assert.equal(badRevoke.body.code, 407);
    const badQuery = await post('/token/query', tokenParams(token, other.secret, other.id));
    assert.equal(badQuery.body.code, 407);
    // Nothing was revoked by the refused call.
    assert.equal(((await post('/token/query', tokenParams(token))).body.tokenData as { revoked: boolean }).revoked, false);
  });

  it('400 for missing or bad parameters, each with a message that names it', async () => {
    const now = Date.now();
    const hundredOne = Array.from({ length: 101 }, (_, i) => `T/${String(i).padStart(3, '0')}`).join(',');
    const cases: [Record<string, string>, RegExp][] = [
      [{ expireTime: String(now + 10_000) }, /expireTime: must be at least 60 seconds/],
      [{ expireTime: String(now + 31 * DAY) }, /expireTime: must be at most 30 days/],
      [{ expireTime: 'soon' }, /expireTime: must be a UNIX time in milliseconds/],
      [{ resources: hundredOne }, /at most 100 topics per token \(got 101\)/],
      [{ resources: 'Orders/b,Orders/a' }, /sorted in dictionary order/],
      [{ resources: 'Orders/#/x' }, /not a valid MQTT topic filter/],
      [{ actions: 'X' }, /actions: must be R, W or R,W/],
      [{ serviceName: 'ons' }, /serviceName: must be mq/],
      [{ instanceId: 'mqtt-cn-unknown00000' }, /instanceId: no instance mqtt-cn-unknown00000/],
    ];
    for (const [change, message] of cases) {
      const { status, body } = await post('/token/apply', applyParams(change));
      assert.equal(status, 200);
      assert.equal(body.code, 400, `${JSON.stringify(change)}: ${body.message}`);
      assert.equal(body.success, false);
      assert.equal(body.tokenData, null);
      assert.match(body.message, message);
    }
    const incomplete = applyParams();
    delete incomplete.proxyType;
    delete incomplete.signature;
    const missing = await post('/token/apply', incomplete);
    assert.equal(missing.body.code, 400);
    assert.equal(missing.body.message, 'missing parameters: proxyType, signature');
    assert.equal((await post('/token/apply', { ...applyParams(), proxyType: 'HTTP' })).body.code, 400);
    assert.equal((await post('/token/query', { accessKey: key.id, signature: 'x' })).body.message, 'missing parameter: token');
  });

  it('410 when revoking a token that does not exist; 400 when querying one', async () => {
    const revoke = await post('/token/revoke', tokenParams('never-issued'));
    assert.equal(revoke.body.code, 410);
    assert.match(revoke.body.message, /no such token/);
    assert.equal((await post('/token/query', tokenParams('never-issued'))).body.code, 400);
  });

  it('409 when the token cannot be stored (the database stays locked by another writer)', async () => {
    const server = backend.db.$client;
    server.pragma('busy_timeout = 200');
    const other = new Database(path.join(backend.dataDir, DATABASE_FILE));
    try {
      other.exec('BEGIN EXCLUSIVE');
      const { body } = await post('/token/apply', applyParams());
      assert.equal(body.code, 409);
      assert.equal(body.success, false);
      assert.match(body.message, /the token could not be created: database is locked/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
      server.pragma('busy_timeout = 5000');
    }
    assert.equal((await post('/token/apply', applyParams())).body.code, 200);
  });

  it('other methods, body types and paths', async () => {
    const get = await fetch(`${base}/token/apply`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(((await get.json()) as Answer['body']).code, 400);

    const json = await fetch(`${base}/token/apply`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(applyParams()),
    });
    const body = (await json.json()) as Answer['body'];
    assert.equal(body.code, 400);
    assert.match(body.message, /unsupported Content-Type "application\/json": send the parameters form-encoded/);

    const huge = await post('/token/apply', { ...applyParams(), padding: 'x'.repeat(300 * 1024) });
    assert.equal(huge.body.code, 400);
    assert.match(huge.body.message, /request body larger than/);

    // Anything else is the console's (Next.js) business.
    assert.equal((await fetch(`${base}/token/applyx`, { method: 'POST' })).status, 418);
    assert.equal((await fetch(`${base}/token`, { method: 'POST' })).status, 418);
  });
});
