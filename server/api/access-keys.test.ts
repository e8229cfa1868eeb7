/** The accessKeys router: the secret is shown once, stored sealed, and usable by the broker. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DATABASE_FILE } from '@/db/client';
import { accessKeyIdSchema } from '@/lib/schemas';
import { getAccessKey, useAccessKeySecret } from '../services/access-keys';
import { adminCaller, rejectsWith, tempBackend, type TempBackend } from '../testing/temp-backend';

type Caller = Awaited<ReturnType<typeof adminCaller>>;

describe('accessKeys router', () => {
  let backend: TempBackend;
  let admin: Caller;
  before(async () => {
    backend = tempBackend();
    admin = await adminCaller(backend);
  });
  after(() => backend.cleanup());

  it('create returns an ID, the secret (this once) and the key enabled', async () => {
    const key = await admin.accessKeys.create({ description: '  CI pipeline  ' });
    assert.ok(accessKeyIdSchema.safeParse(key.id).success, key.id);
    assert.match(key.secret, /^[A-Za-z0-9]{30}$/);
    assert.equal(key.description, 'CI pipeline');
    assert.equal(key.enabled, true);
    assert.equal(key.lastUsedAt, null);
    assert.ok(Math.abs(key.createdAt - Date.now()) < 5000);
  });

  it('every key gets its own ID and secret', async () => {
    const keys = await Promise.all(Array.from({ length: 5 }, () => admin.accessKeys.create({})));
    assert.equal(new Set(keys.map((k) => k.id)).size, 5);
    assert.equal(new Set(keys.map((k) => k.secret)).size, 5);
    assert.equal(keys[0]!.description, '');
  });

  it('create refuses a too long description, and saves nothing', async () => {
    const before = (await admin.accessKeys.list()).length;
    await rejectsWith(admin.accessKeys.create({ description: 'x'.repeat(257) }), {
      code: 'BAD_REQUEST',
      key: 'v.description.length',
      fields: { description: 'v.description.length' },
    });
    assert.equal((await admin.accessKeys.list()).length, before);
  });

  it('list and get never include the secret', async () => {
    const { id, secret } = await admin.accessKeys.create({ description: 'listed' });
    const list = await admin.accessKeys.list();
    const listed = list.find((k) => k.id === id);
    assert.deepEqual(Object.keys(listed!).sort(), ['createdAt', 'description', 'enabled', 'id', 'lastUsedAt']);
    assert.ok(!JSON.stringify(list).includes(secret));
    const got = getAccessKey(backend, id);
    assert.deepEqual(got, listed);
    assert.ok(!JSON.stringify(got).includes(secret));
  });

  it('list shows the newest key first', async () => {
    const list = await admin.accessKeys.list();
    const created = list.map((k) => k.createdAt);
    assert.deepEqual(created, [...created].sort((a, b) => b - a));
  });

  it('the secret is never stored in plain text (rows, database and WAL files)', async () => {
    const { id, secret } = await admin.accessKeys.create({ description: 'at rest' });
    const row = backend.db.$client.prepare('SELECT * FROM access_keys WHERE id = ?').get(id) as Record<string, unknown>;
    assert.ok(row);
    for (const value of Object.values(row)) assert.ok(!String(value).includes(secret), `column value ${String(value)}`);
    // The sealed value opens to the secret with the data directory's key.
    assert.equal(backend.secrets.open(String(row.secret_encrypted)), secret);

    const needles = [secret, Buffer.from(secret).toString('base64')].map((s) => Buffer.from(s));
    const files = () => fs.readdirSync(backend.dataDir).filter((f) => f.startsWith(DATABASE_FILE));
    const assertAbsent = () => {
      for (const file of files()) {
        const bytes = fs.readFileSync(path.join(backend.dataDir, file));
        for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${file} contains the secret`);
      }
    };
    assertAbsent();
    backend.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    assert.ok(files().includes(DATABASE_FILE));
    assertAbsent();
  });

  it('setEnabled disables and enables a key', async () => {
    const { id } = await admin.accessKeys.create({});
    const off = await admin.accessKeys.setEnabled({ id, enabled: false });
    assert.equal(off.enabled, false);
    assert.equal((await admin.accessKeys.list()).find((k) => k.id === id)!.enabled, false);
    assert.equal((await admin.accessKeys.setEnabled({ id, enabled: true })).enabled, true);
    assert.ok(!('secret' in off) && !('secretEncrypted' in off));
  });

  it('setEnabled and delete: unknown key → NOT_FOUND, malformed ID → BAD_REQUEST on the id field', async () => {
    const unknown = 'LTAIaaaaaaaaaaaaaaaaaaaa';
    await rejectsWith(admin.accessKeys.setEnabled({ id: unknown, enabled: false }), {
      code: 'NOT_FOUND',
      key: 'e.notFound.accessKey',
      params: { id: unknown },
    });
    await rejectsWith(admin.accessKeys.delete({ id: unknown }), { code: 'NOT_FOUND', key: 'e.notFound.accessKey' });
    await rejectsWith(admin.accessKeys.setEnabled({ id: 'AKIA123', enabled: true }), {
      code: 'BAD_REQUEST',
      key: 'v.accessKeyId.format',
      fields: { id: 'v.accessKeyId.format' },
    });
    await rejectsWith(admin.accessKeys.delete({ id: 'nope' }), {
      code: 'BAD_REQUEST',
      fields: { id: 'v.accessKeyId.format' },
    });
  });

  it('delete removes the key', async () => {
    const { id } = await admin.accessKeys.create({});
    assert.deepEqual(await admin.accessKeys.delete({ id }), { ok: true });
    assert.ok(!(await admin.accessKeys.list()).some((k) => k.id === id));
    const { n } = backend.db.$client.prepare('SELECT count(*) AS n FROM access_keys WHERE id = ?').get(id) as { n: number };
    assert.equal(n, 0);
    await rejectsWith(admin.accessKeys.delete({ id }), { code: 'NOT_FOUND' });
  });

  describe('useAccessKeySecret (signature checks)', () => {
    it('returns the plain secret of an enabled key and marks it used', async () => {
      const { id, secret } = await admin.accessKeys.create({});
      const now = 1_800_000_000_000;
      assert.equal(useAccessKeySecret(backend, id, now), secret);
      assert.equal((await admin.accessKeys.list()).find((k) => k.id === id)!.lastUsedAt, now);
    });

    it('refuses a disabled key, and works again once re-enabled', async () => {
      const { id, secret } = await admin.accessKeys.create({});
      await admin.accessKeys.setEnabled({ id, enabled: false });
      assert.equal(useAccessKeySecret(backend, id), null);
      assert.equal(getAccessKey(backend, id).lastUsedAt, null, 'a refused use is not a use');
      await admin.accessKeys.setEnabled({ id, enabled: true });
      assert.equal(useAccessKeySecret(backend, id), secret);
    });

    it('refuses unknown and deleted keys', async () => {
      assert.equal(useAccessKeySecret(backend, 'LTAIzzzzzzzzzzzzzzzzzzzz'), null);
      assert.equal(useAccessKeySecret(backend, 'garbage'), null);
      const { id } = await admin.accessKeys.create({});
      await admin.accessKeys.delete({ id });
      assert.equal(useAccessKeySecret(backend, id), null);
    });
  });
});
