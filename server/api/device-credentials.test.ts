/**
 * The console's procedures for the product semantics, as the browser calls them: device
 * credentials, instance limits, the signature helper, and "Send test message" while no broker
 * runs (the delivery itself is tested against the real broker process in
 * server/supervisor/test-message-broker.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SPEC, INSTANCE_LIMITS } from '@/lib/schemas';
import { hmacSha1Base64 } from '../crypto/signatures';
import { adminCaller, rejectsWith, tempBackend, type TempBackend } from '../testing/temp-backend';

type Caller = Awaited<ReturnType<typeof adminCaller>>;
const CLIENT = 'GID_sensors@@@device-001';

describe('device credentials, limits, signature helper and test messages over tRPC', () => {
  let backend: TempBackend;
  let admin: Caller;
  let instanceId: string;
  before(async () => {
    backend = tempBackend();
    admin = await adminCaller(backend);
    instanceId = (await admin.instances.create({ name: 'product', ...DEFAULT_SPEC })).id;
    await admin.groups.create({ instanceId, name: 'GID_sensors' });
    await admin.topics.create({ instanceId, name: 'Orders' });
  });
  after(() => backend.cleanup());

  describe('deviceCredentials', () => {
    it('register answers the secret once; list and get show the ID without it', async () => {
      const issued = await admin.deviceCredentials.register({ instanceId, clientId: CLIENT });
      assert.match(issued.deviceAccessKeySecret, /^[0-9A-Za-z]{30}$/);
      const list = await admin.deviceCredentials.list({ instanceId });
      assert.deepEqual(
        list.map((c) => [c.clientId, c.deviceAccessKeyId]),
        [[CLIENT, issued.deviceAccessKeyId]],
      );
      assert.ok(!JSON.stringify(list).includes(issued.deviceAccessKeySecret));
      const got = await admin.deviceCredentials.get({ instanceId, clientId: CLIENT });
      assert.ok(!JSON.stringify(got).includes(issued.deviceAccessKeySecret));
    });

    it('refresh answers a new secret for the same DeviceAccessKeyId; unregister removes it', async () => {
      const before = await admin.deviceCredentials.get({ instanceId, clientId: CLIENT });
      const refreshed = await admin.deviceCredentials.refresh({ instanceId, clientId: CLIENT });
      assert.equal(refreshed.deviceAccessKeyId, before.deviceAccessKeyId);
      assert.deepEqual(await admin.deviceCredentials.unregister({ instanceId, clientId: CLIENT }), { ok: true });
      assert.deepEqual(await admin.deviceCredentials.list({ instanceId }), []);
    });

    it('a bad client ID or an unknown Group ID is refused under the clientId field', async () => {
      await rejectsWith(admin.deviceCredentials.register({ instanceId, clientId: 'no-group-part' }), {
        code: 'BAD_REQUEST',
        fields: { clientId: 'v.clientId.format' },
      });
      await rejectsWith(admin.deviceCredentials.register({ instanceId, clientId: 'GID_missing@@@dev' }), {
        code: 'NOT_FOUND',
        key: 'e.credential.noGroup',
        fields: { clientId: 'e.credential.noGroup' },
        params: { group: 'GID_missing', instanceId },
      });
      await rejectsWith(admin.deviceCredentials.refresh({ instanceId, clientId: 'GID_sensors@@@nobody' }), {
        code: 'NOT_FOUND',
        key: 'e.notFound.credential',
      });
    });
  });

  describe('instance limits', () => {
    it('a new instance has the product defaults', async () => {
      const inst = await admin.instances.get({ id: instanceId });
      assert.equal(inst.maxTopicLength, 64);
      assert.equal(inst.maxPayloadBytes, 64 * 1024);
      assert.equal(inst.maxSubscriptionsPerClient, 30);
      assert.equal(inst.offlineRetentionHours, 72);
      assert.equal(inst.offlineStoreLimit, 100_000);
      for (const [field, { default: dflt }] of Object.entries(INSTANCE_LIMITS)) {
        assert.equal(inst[field as keyof typeof inst], dflt, field);
      }
    });

    it('update changes the limits (form values as strings too) and leaves the rest', async () => {
      const updated = await admin.instances.update({
        id: instanceId,
        maxTopicLength: 128,
        maxPayloadBytes: '262144',
        maxSubscriptionsPerClient: 50,
        offlineRetentionHours: 24,
        offlineStoreLimit: 5000,
      } as never);
      assert.equal(updated.maxTopicLength, 128);
      assert.equal(updated.maxPayloadBytes, 256 * 1024);
      assert.equal(updated.maxSubscriptionsPerClient, 50);
      assert.equal(updated.offlineRetentionHours, 24);
      assert.equal(updated.offlineStoreLimit, 5000);
      assert.equal(updated.name, 'product');
      assert.deepEqual(await admin.instances.get({ id: instanceId }), updated);
    });

    it('values outside the bounds (or not whole numbers) are refused per field, and nothing changes', async () => {
      const before = await admin.instances.get({ id: instanceId });
      const bad: [string, unknown][] = [
        ['maxTopicLength', 15],
        ['maxTopicLength', 1025],
        ['maxPayloadBytes', 1023],
        ['maxPayloadBytes', 1024 * 1024 + 1],
        ['maxSubscriptionsPerClient', 0],
        ['maxSubscriptionsPerClient', 1001],
        ['offlineRetentionHours', 0],
        ['offlineRetentionHours', 721],
        ['offlineStoreLimit', 99],
        ['offlineStoreLimit', 10_000_001],
        ['maxTopicLength', 64.5],
        ['offlineStoreLimit', 'lots'],
      ];
      for (const [field, value] of bad) {
        await rejectsWith(admin.instances.update({ id: instanceId, [field]: value } as never), {
          code: 'BAD_REQUEST',
          fields: { [field]: `v.limit.${field}` },
        });
      }
      // Both ends of every range are accepted.
      for (const [field, { min, max }] of Object.entries(INSTANCE_LIMITS)) {
        for (const v of [min, max]) {
          const r = await admin.instances.update({ id: instanceId, [field]: v } as never);
          assert.equal(r[field as keyof typeof r], v, `${field}=${v}`);
        }
      }
      await admin.instances.update({ id: instanceId, ...Object.fromEntries(Object.keys(INSTANCE_LIMITS).map((f) => [f, before[f as keyof typeof before]])) });
      assert.deepEqual(await admin.instances.get({ id: instanceId }), before);
    });
  });

  describe('signature.compute', () => {
    it('signature mode: Signature|AK|instance and Base64(HMAC-SHA1(secret, clientId))', async () => {
      const secret = 'S3cretOfTheAccessKeyxxxxxxxxxx';
      const login = await admin.signature.compute({
        mode: 'signature',
        accessKeyId: 'LTAI5tAbCdEfGhIjKlMnOpQr',
        secret,
        instanceId,
        clientId: CLIENT,
      });
      assert.equal(login.username, `Signature|LTAI5tAbCdEfGhIjKlMnOpQr|${instanceId}`);
      assert.equal(login.password, hmacSha1Base64(secret, CLIENT));
      assert.equal(login.clientId, CLIENT);
    });

    it('the password is what the cloud demo computes (known vector), and differs per client ID', async () => {
      // Java: Base64(Mac("HmacSHA1", secret.getBytes(UTF-8)).doFinal(clientId.getBytes(UTF-8)))
      const login = await admin.signature.compute({
        mode: 'signature',
        accessKeyId: 'LTAI5tAbCdEfGhIjKlMnOpQr',
        secret: 'key',
        instanceId,
        clientId: 'GID_test@@@The quick brown fox jumps over the lazy dog'.replaceAll(' ', '_'),
      });
      const other = await admin.signature.compute({ mode: 'signature', accessKeyId: 'LTAI5tAbCdEfGhIjKlMnOpQr', secret: 'key', instanceId, clientId: 'GID_test@@@other' });
      assert.notEqual(login.password, other.password);
      // HMAC-SHA1("key", "GID_test@@@The_quick_brown_fox_jumps_over_the_lazy_dog"), computed independently with openssl.
      assert.equal(login.password, 'XigBYYAoZ1fxpOGIMSgVd/pmm1Y=');
    });

    it('device credential mode: DeviceCredential|dk-…|instance', async () => {
      const login = await admin.signature.compute({
        mode: 'deviceCredential',
        accessKeyId: 'dk-AbCdEfGhIjKlMnOpQrSt',
        secret: 'device-secret',
        instanceId,
        clientId: CLIENT,
      });
      assert.equal(login.username, `DeviceCredential|dk-AbCdEfGhIjKlMnOpQrSt|${instanceId}`);
      assert.equal(login.password, hmacSha1Base64('device-secret', CLIENT));
    });

    it('bad input is refused per field: key ID of the wrong kind, empty secret, bad client ID, unknown instance', async () => {
      await rejectsWith(
        admin.signature.compute({ mode: 'signature', accessKeyId: 'dk-AbCdEfGhIjKlMnOpQrSt', secret: 'x', instanceId, clientId: CLIENT }),
        { code: 'BAD_REQUEST', fields: { accessKeyId: 'v.accessKeyId.format' } },
      );
      await rejectsWith(
        admin.signature.compute({ mode: 'deviceCredential', accessKeyId: 'LTAI5tAbCdEfGhIjKlMnOpQr', secret: 'x', instanceId, clientId: CLIENT }),
        { code: 'BAD_REQUEST', fields: { accessKeyId: 'v.deviceAccessKeyId.format' } },
      );
      await rejectsWith(
        admin.signature.compute({ mode: 'signature', accessKeyId: 'LTAI5tAbCdEfGhIjKlMnOpQr', secret: '', instanceId, clientId: 'bad/id' }),
        { code: 'BAD_REQUEST', fields: { secret: 'v.required', clientId: 'v.clientId.chars' } },
      );
      await rejectsWith(
        admin.signature.compute({ mode: 'signature', accessKeyId: 'LTAI5tAbCdEfGhIjKlMnOpQr', secret: 'x', instanceId: 'mqtt-cn-zzzzzzzzzzzz', clientId: CLIENT }),
        { code: 'NOT_FOUND', key: 'e.notFound.instance' },
      );
    });
  });

  describe('testMessages.send without a broker', () => {
    before(() => admin.instances.update({ id: instanceId, maxTopicLength: 64, maxPayloadBytes: 64 * 1024 }));

    it('valid input: a clear "broker not running" error', async () => {
      await rejectsWith(admin.testMessages.send({ instanceId, topic: 'Orders', subtopic: 'eu/42', payload: 'hi', qos: 1 }), {
        code: 'PRECONDITION_FAILED',
        key: 'e.broker.notRunning',
      });
    });

    it('checks before the broker: unknown parent topic, wildcards, topic length, payload size, QoS', async () => {
      await rejectsWith(admin.testMessages.send({ instanceId, topic: 'Nope', payload: 'x', qos: 0 }), {
        code: 'NOT_FOUND',
        key: 'e.notFound.topic',
      });
      await rejectsWith(admin.testMessages.send({ instanceId, topic: 'Orders', subtopic: 'a/+', payload: 'x', qos: 0 }), {
        code: 'BAD_REQUEST',
        fields: { subtopic: 'v.testMessage.subtopic' },
      });
      // "Orders/" + 58 characters = 65 > 64 (the default)
      await rejectsWith(admin.testMessages.send({ instanceId, topic: 'Orders', subtopic: 'x'.repeat(58), payload: 'x', qos: 0 }), {
        code: 'BAD_REQUEST',
        fields: { subtopic: 'e.testMessage.topicTooLong' },
        params: { length: 65, max: 64 },
      });
      await rejectsWith(admin.testMessages.send({ instanceId, topic: 'Orders', payload: 'é'.repeat(32 * 1024 + 1), qos: 0 }), {
        code: 'BAD_REQUEST',
        fields: { payload: 'e.testMessage.payloadTooLarge' },
        params: { size: 64 * 1024 + 2, max: 64 * 1024 },
      });
      await rejectsWith(admin.testMessages.send({ instanceId, topic: 'Orders', payload: 'x', qos: 3 as never }), {
        code: 'BAD_REQUEST',
        fields: { qos: 'v.testMessage.qos' },
      });
    });
  });

  it('broker.stats is null while no broker runs', async () => {
    assert.equal(await admin.broker.stats({ instanceId }), null);
  });
});
