/**
 * The token service: what apply accepts and refuses (with the token API's codes), what query
 * and revoke report, and that only the token's hash is ever stored.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DATABASE_FILE } from '@/db/client';
import { tokens } from '@/db/schema';
import { insertInstance } from '../supervisor/testing/broker-process';
import { tempBackend, type TempBackend } from '../testing/temp-backend';
import { createAccessKey, setAccessKeyEnabled } from './access-keys';
import { tokenHash } from '../crypto/token-hash';
import { applyToken, queryToken, revokeToken, TokenApiError, type TokenErrorCode } from './tokens';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function fails(call: () => unknown, code: TokenErrorCode, message: RegExp): void {
  assert.throws(call, (err: unknown) => {
    assert.ok(err instanceof TokenApiError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

describe('token service', () => {
  let backend: TempBackend;
  let instanceId: string;
  let accessKey: string;
  const now = Date.now();
  const valid = () => ({
    accessKey,
    instanceId,
    actions: 'R,W',
    resources: 'Orders/#,Orders/+/status,Telemetry',
    expireTime: String(now + HOUR),
    proxyType: 'MQTT',
    serviceName: 'mq',
  });

  before(async () => {
    backend = tempBackend();
    instanceId = (await insertInstance(backend, 'tokens')).id;
    accessKey = createAccessKey(backend).id;
  });
  after(() => backend.cleanup());

  it('apply returns a fresh opaque token; query tells what it grants', () => {
    const { token, data } = applyToken(backend, valid(), now);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(applyToken(backend, valid(), now).token, token);
    const expected = {
      instanceId,
      accessKey,
      actions: 'R,W',
      resources: 'Orders/#,Orders/+/status,Telemetry',
      expireTime: now + HOUR,
      createdAt: now,
      revoked: false,
      revokedAt: null,
      expired: false,
      valid: true,
    };
    assert.deepEqual(data, expected);
    assert.deepEqual(queryToken(backend, token, now), expected);
  });

  it('stores only the SHA-256 of the token, never the token', () => {
    const { token } = applyToken(backend, valid(), now);
    const row = backend.db.select().from(tokens).all().find((r) => r.tokenHash === tokenHash(token));
    assert.ok(row);
    assert.match(row.tokenHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(JSON.parse(row.resources), ['Orders/#', 'Orders/+/status', 'Telemetry']);
    backend.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const files = fs.readdirSync(backend.dataDir).filter((f) => f.startsWith(DATABASE_FILE));
    for (const f of files) assert.ok(!fs.readFileSync(path.join(backend.dataDir, f)).includes(token), `${f} holds the token`);
  });

  it('accepts R, W, R,W (and W,R as R,W), a single topic and exactly 100 topics', () => {
    for (const [actions, stored] of [['R', 'R'], ['W', 'W'], ['W,R', 'R,W']]) {
      assert.equal(applyToken(backend, { ...valid(), actions }, now).data.actions, stored);
    }
    assert.equal(applyToken(backend, { ...valid(), resources: 'Orders' }, now).data.resources, 'Orders');
    const hundred = Array.from({ length: 100 }, (_, i) => `T/${String(i).padStart(3, '0')}`).join(',');
    assert.equal(applyToken(backend, { ...valid(), resources: hundred }, now).data.resources, hundred);
  });

  it('expireTime: 60 s to 30 days ahead; beyond 30 days by the clock slack it is capped at 30 days', () => {
    assert.equal(applyToken(backend, { ...valid(), expireTime: now + 60_000 }, now).data.expireTime, now + 60_000);
    assert.equal(applyToken(backend, { ...valid(), expireTime: now + 30 * DAY }, now).data.expireTime, now + 30 * DAY);
    assert.equal(applyToken(backend, { ...valid(), expireTime: now + 30 * DAY + 60_000 }, now).data.expireTime, now + 30 * DAY);
    fails(() => applyToken(backend, { ...valid(), expireTime: String(now + 30_000) }, now), 400, /expireTime: must be at least 60 seconds/);
    fails(() => applyToken(backend, { ...valid(), expireTime: String(now - HOUR) }, now), 400, /at least 60 seconds/);
    fails(() => applyToken(backend, { ...valid(), expireTime: String(now + 31 * DAY) }, now), 400, /expireTime: must be at most 30 days/);
    fails(() => applyToken(backend, { ...valid(), expireTime: 'tomorrow' }, now), 400, /expireTime: must be a UNIX time in milliseconds/);
  });

  it('refuses bad parameters with code 400 and a message naming the parameter, storing nothing', () => {
    const before = backend.db.select().from(tokens).all().length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ actions: 'RW' }, /actions: must be R, W or R,W/],
      [{ actions: '' }, /actions is required/],
      [{ resources: undefined }, /resources is required/],
      [{ resources: 'b,a' }, /resources: topics must be sorted in dictionary order/],
      [{ resources: 'a,,b' }, /resources: an empty topic/],
      [{ resources: 'a/#/b' }, /"a\/#\/b" is not a valid MQTT topic filter/],
      [{ resources: 'a+' }, /not a valid MQTT topic filter/],
      [{ resources: '$share/g/a' }, /not a valid MQTT topic filter/],
      [{ resources: Array.from({ length: 101 }, (_, i) => `T/${String(i).padStart(3, '0')}`).join(',') }, /at most 100 topics per token \(got 101\)/],
      [{ proxyType: 'AMQP' }, /proxyType: must be MQTT/],
      [{ serviceName: undefined }, /serviceName is required/],
      [{ serviceName: 'mns' }, /serviceName: must be mq/],
      [{ instanceId: 'nope' }, /instanceId: Not an instance ID/],
      [{ instanceId: 'mqtt-cn-doesnotexist' }, /instanceId: no instance mqtt-cn-doesnotexist/],
    ];
    for (const [change, message] of cases) fails(() => applyToken(backend, { ...valid(), ...change }, now), 400, message);
    assert.equal(backend.db.select().from(tokens).all().length, before);
  });

  it('refuses an unknown or disabled AccessKey with code 407', () => {
    fails(() => applyToken(backend, { ...valid(), accessKey: 'LTAI00000000000000000000' }, now), 407, /no AccessKey LTAI0+/);
    const disabled = createAccessKey(backend).id;
    setAccessKeyEnabled(backend, disabled, false);
    fails(() => applyToken(backend, { ...valid(), accessKey: disabled }, now), 407, /is disabled/);
  });

  it('revoke marks the token revoked (once; again keeps the first time); query reports it', () => {
    const { token } = applyToken(backend, valid(), now);
    const revoked = revokeToken(backend, token, now + 1000);
    assert.equal(revoked.revoked, true);
    assert.equal(revoked.revokedAt, now + 1000);
    assert.equal(revoked.valid, false);
    assert.equal(revokeToken(backend, token, now + 5000).revokedAt, now + 1000);
    assert.deepEqual(queryToken(backend, token, now + 6000), { ...revoked });
  });

  it('query reports an expired token as expired, not valid', () => {
    const { token } = applyToken(backend, { ...valid(), expireTime: now + 60_000 }, now);
    const later = queryToken(backend, token, now + 60_000);
    assert.equal(later.expired, true);
    assert.equal(later.valid, false);
    assert.equal(later.revoked, false);
  });

  it('unknown tokens: query answers 400, revoke 410', () => {
    fails(() => queryToken(backend, 'not-a-token', now), 400, /no such token/);
    fails(() => revokeToken(backend, 'not-a-token', now), 410, /no such token/);
    fails(() => revokeToken(backend, '', now), 400, /token is required/);
  });

  it('a token that expired more than 7 days ago is deleted by the next apply; a recently expired one is still reported expired', () => {
    const issuedAt = (t: number) => applyToken(backend, { ...valid(), expireTime: t + 60_000 }, t).token;
    const longGone = issuedAt(now - 8 * DAY - 60_000); // expired 8 days ago
    const recent = issuedAt(now - DAY - 60_000); // expired 1 day ago
    assert.equal(queryToken(backend, longGone, now).expired, true);
    applyToken(backend, valid(), now);
    fails(() => queryToken(backend, longGone, now), 400, /^token: no such token/);
    assert.equal(backend.db.select().from(tokens).all().filter((r) => r.expireTime < now - 7 * DAY).length, 0);
    const kept = queryToken(backend, recent, now);
    assert.deepEqual([kept.expired, kept.valid], [true, false]);
    applyToken(backend, valid(), now + 2 * 60_000);
    assert.equal(queryToken(backend, recent, now + 2 * 60_000).expired, true);
  });

  it('a token goes away with its instance', async () => {
    const other = await insertInstance(backend, 'short-lived');
    const { token } = applyToken(backend, { ...valid(), instanceId: other.id }, now);
    backend.db.$client.prepare('DELETE FROM instances WHERE id = ?').run(other.id);
    fails(() => queryToken(backend, token, now), 400, /no such token/);
  });
});
