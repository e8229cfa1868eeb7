/**
 * The product's authentication through the REAL broker process under the real supervisor:
 * rows written to the console database by another process (as the console or the CLI do)
 * take effect within a second. A client of a disabled AccessKey is disconnected; a group and
 * parent topic created while the broker runs can be used right away; a revoked token
 * disconnects its client after $SYS/tokenInvalidNotice.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { tokens, type Instance } from '@/db/schema';
import { hmacSha1Base64 } from '../crypto/signatures';
import { createAccessKey, getAccessKey, setAccessKeyEnabled } from '../services/access-keys';
import { groupService, topicService } from '../services/instance-resources';
import { insertInstance, startBrokerProcess, until, type BrokerProcess } from './testing/broker-process';

const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');

describe('product authentication in the supervised broker process', () => {
  let broker: BrokerProcess;
  let instance: Instance;
  let url: string;
  let key: { id: string; secret: string };

  const options = (clientId: string, k = key, protocolVersion: 4 | 5 = 4): mqtt.IClientOptions => ({
    reconnectPeriod: 0,
    connectTimeout: 3000,
    protocolVersion,
    clientId,
    username: `Signature|${k.id}|${instance.id}`,
    password: hmacSha1Base64(k.secret, clientId),
  });

  /** Resolves with the CONNACK code (0 when accepted; the client is closed either way). */
  async function connackCode(opts: mqtt.IClientOptions): Promise<number> {
    try {
      const c = await mqtt.connectAsync(url, opts);
      await c.endAsync();
      return 0;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (typeof code !== 'number') throw err;
      return code;
    }
  }

  before(async () => {
    broker = await startBrokerProcess();
    instance = await insertInstance(broker.backend, 'secured', { openMode: false });
    url = `mqtt://127.0.0.1:${instance.tcpPort}`;
    const k = createAccessKey(broker.backend);
    key = { id: k.id, secret: k.secret };
    topicService.create(broker.backend, { instanceId: instance.id, name: 'Orders' });
    groupService.create(broker.backend, { instanceId: instance.id, name: 'GID_devices' });
    // Until the broker has picked the instance up, connections are refused at the TCP level.
    await until(async () => (await connackCode(options('GID_devices@@@probe')).catch(() => -1)) === 0, 'the new instance accepting signature clients');
  });

  after(() => broker.stop());

  it('refuses a client without credentials, and one of an unknown group, with the product codes', async () => {
    assert.equal(await connackCode({ reconnectPeriod: 0, protocolVersion: 4, clientId: 'GID_devices@@@anon' }), 4);
    assert.equal(await connackCode(options('GID_nobody@@@x', key, 5)), 0x85);
  });

  it('disabling the AccessKey disconnects its clients within a second', async () => {
    const k = createAccessKey(broker.backend);
    const id = 'GID_devices@@@victim';
    await until(async () => (await connackCode(options(id, k))) === 0, 'the new key being known');
    const client = await mqtt.connectAsync(url, options(id, k, 5));
    const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
    const started = Date.now();
    setAccessKeyEnabled(broker.backend, k.id, false);
    const at = await closed;
    assert.ok(at - started < 1000, `closed after ${at - started} ms`);
    assert.equal(await connackCode(options(id, k)), 5);
    client.end(true);
  });

  it('a Group ID and a parent topic created while the broker runs work within a second', async () => {
    const id = 'GID_new@@@dev';
    assert.equal(await connackCode(options(id)), 2);
    const started = Date.now();
    groupService.create(broker.backend, { instanceId: instance.id, name: 'GID_new' });
    topicService.create(broker.backend, { instanceId: instance.id, name: 'Fresh' });
    await until(async () => (await connackCode(options(id))) === 0, 'the group being known', 3000);
    const client = await mqtt.connectAsync(url, options(id, key, 5));
    try {
      let granted = 0x87;
      while (granted !== 1 && Date.now() - started < 3000) {
        try {
          granted = (await client.subscribeAsync('Fresh/#', { qos: 1 }))[0]!.qos;
        } catch {
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      assert.equal(granted, 1);
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
      const got = new Promise<string>((resolve) => client.once('message', (t, p) => resolve(`${t} ${p}`)));
      await client.publishAsync('Fresh/a', 'hi', { qos: 1 });
      assert.equal(await got, 'Fresh/a hi');
    } finally {
      await client.endAsync();
    }
  });

  it('marks the AccessKey a client logged in with as used (accessKeys.lastUsedAt, batched every few seconds)', async () => {
    await until(() => (getAccessKey(broker.backend, key.id).lastUsedAt ?? 0) > 0, 'lastUsedAt to be set', 8000);
  });

  it('a revoked token: $SYS/tokenInvalidNotice code 3, then the client is disconnected within 5 seconds', async () => {
    const token = `tok-${crypto.randomBytes(16).toString('hex')}`;
    broker.backend.db
      .insert(tokens)
      .values({
        tokenHash: sha256(token),
        instanceId: instance.id,
        accessKeyId: key.id,
        actions: 'R,W',
        resources: JSON.stringify(['Orders/#']),
        expireTime: Date.now() + 3600_000,
      })
      .run();
    const opts: mqtt.IClientOptions = {
      reconnectPeriod: 0,
      protocolVersion: 4,
      clientId: 'GID_devices@@@tok',
      username: `Token|${key.id}|${instance.id}`,
      password: `RW|${token}`,
    };
    await until(async () => (await connackCode(opts)) === 0, 'the token being known');
    const client = await mqtt.connectAsync(url, opts);
    const notice = new Promise<string>((resolve) => client.once('message', (t, p) => resolve(`${t} ${p}`)));
    const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
    await client.publishAsync('Orders/1', 'x', { qos: 1 });
    const started = Date.now();
    broker.backend.db.update(tokens).set({ revokedAt: started }).where(eq(tokens.tokenHash, sha256(token))).run();
    assert.equal(await notice, '$SYS/tokenInvalidNotice {"code":3,"type":"RW"}');
    const at = await closed;
    assert.ok(at - started < 5000, `closed after ${at - started} ms`);
    client.end(true);
  });
});
