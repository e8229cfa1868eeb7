/**
 * Device credentials as the service stores them: the client ID rules, the Group ID check, the
 * secret sealed at rest and handed out only by register and refresh, re-register replacing the
 * pair, unregister, per-instance lists and the cascade when the instance goes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { deviceCredentials } from '@/db/schema';
import { DEFAULT_SPEC } from '@/lib/schemas';
import { AppError, ValidationError } from '../errors';
import { tempBackend, type TempBackend } from '../testing/temp-backend';
import {
  getDeviceCredential,
  listDeviceCredentials,
  refreshDeviceCredential,
  registerDeviceCredential,
  unregisterDeviceCredential,
} from './device-credentials';
import { groupService } from './instance-resources';
import { createInstance, deleteInstance } from './instances';

const CLIENT = 'GID_sensors@@@device-001';

function throwsKey(fn: () => unknown, key: string, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    const fields = err.fieldErrors;
    if (field) assert.equal(fields[field], key, JSON.stringify(fields));
    else assert.equal(err.key, key);
    return true;
  });
}

describe('device credentials service', () => {
  let backend: TempBackend;
  let instanceId: string;
  let otherId: string;
  before(async () => {
    backend = tempBackend();
    const free = async () => true;
    instanceId = (await createInstance(backend, { name: 'devices', ...DEFAULT_SPEC }, free)).id;
    otherId = (await createInstance(backend, { name: 'other', ...DEFAULT_SPEC }, free)).id;
    groupService.create(backend, { instanceId, name: 'GID_sensors' });
    groupService.create(backend, { instanceId: otherId, name: 'GID_sensors' });
  });
  after(() => backend.cleanup());

  it('register issues a dk- ID and a 30-character secret, stored sealed (never in plain text)', () => {
    const issued = registerDeviceCredential(backend, { instanceId, clientId: CLIENT });
    assert.match(issued.deviceAccessKeyId, /^dk-[0-9A-Za-z]{20}$/);
    assert.match(issued.deviceAccessKeySecret, /^[0-9A-Za-z]{30}$/);
    assert.equal(issued.clientId, CLIENT);
    assert.equal(issued.instanceId, instanceId);
    const row = backend.db.select().from(deviceCredentials).where(eq(deviceCredentials.clientId, CLIENT)).get()!;
    assert.ok(!row.secretEncrypted.includes(issued.deviceAccessKeySecret));
    assert.equal(backend.secrets.open(row.secretEncrypted), issued.deviceAccessKeySecret);
    // Nor anywhere in the database file.
    backend.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const file = fs.readFileSync(path.join(backend.dataDir, 'magpie.db'));
    assert.equal(file.includes(Buffer.from(issued.deviceAccessKeySecret)), false);
  });

  it('get and list never show the secret', () => {
    const got = getDeviceCredential(backend, { instanceId, clientId: CLIENT });
    assert.deepEqual(Object.keys(got).sort(), ['clientId', 'createdAt', 'deviceAccessKeyId', 'instanceId', 'updatedAt']);
    const list = listDeviceCredentials(backend, instanceId);
    assert.deepEqual(list, [got]);
    assert.deepEqual(listDeviceCredentials(backend, otherId), []);
  });

  it('registering the same client ID again replaces the pair', () => {
    const before = getDeviceCredential(backend, { instanceId, clientId: CLIENT });
    const again = registerDeviceCredential(backend, { instanceId, clientId: CLIENT }, Date.now() + 1000);
    assert.notEqual(again.deviceAccessKeyId, before.deviceAccessKeyId);
    assert.equal(listDeviceCredentials(backend, instanceId).length, 1);
    assert.equal(getDeviceCredential(backend, { instanceId, clientId: CLIENT }).deviceAccessKeyId, again.deviceAccessKeyId);
  });

  it('refresh keeps the DeviceAccessKeyId, issues a new secret and moves updatedAt', () => {
    const before = getDeviceCredential(backend, { instanceId, clientId: CLIENT });
    const row = () => backend.db.select().from(deviceCredentials).where(eq(deviceCredentials.clientId, CLIENT)).get()!;
    const oldSecret = backend.secrets.open(row().secretEncrypted);
    const refreshed = refreshDeviceCredential(backend, { instanceId, clientId: CLIENT }, before.updatedAt + 5000);
    assert.equal(refreshed.deviceAccessKeyId, before.deviceAccessKeyId);
    assert.notEqual(refreshed.deviceAccessKeySecret, oldSecret);
    assert.equal(backend.secrets.open(row().secretEncrypted), refreshed.deviceAccessKeySecret);
    assert.equal(refreshed.updatedAt, before.updatedAt + 5000);
    assert.equal(refreshed.createdAt, before.createdAt);
  });

  it('the same client ID on another instance is a separate credential', () => {
    const other = registerDeviceCredential(backend, { instanceId: otherId, clientId: CLIENT });
    assert.notEqual(other.deviceAccessKeyId, getDeviceCredential(backend, { instanceId, clientId: CLIENT }).deviceAccessKeyId);
    assert.equal(listDeviceCredentials(backend, otherId).length, 1);
  });

  it('client IDs that break the product rules are refused with the rule, under clientId', () => {
    const cases: [string, string][] = [
      ['', 'v.required'],
      ['device-001', 'v.clientId.format'],
      ['GID_sensors', 'v.clientId.format'],
      ['GID_sensors@@@', 'v.clientId.format'],
      ['@@@device', 'v.clientId.format'],
      ['GID_s@@@device', 'v.clientId.format'], // a Group ID has at least 7 characters
      ['sensors@@@device', 'v.clientId.format'],
      ['GID_sensors@@@dev/1', 'v.clientId.chars'],
      ['GID_sensors@@@dev:1', 'v.clientId.chars'],
      ['GID_sensors@@@dev,1', 'v.clientId.chars'],
      ['GID_sensors@@@dev%1', 'v.clientId.chars'],
      ['GID_sensors@@@dev 1', 'v.clientId.chars'],
      ['GID_sensors@@@dév', 'v.clientId.chars'],
      [`GID_sensors@@@${'d'.repeat(51)}`, 'v.clientId.length'],
    ];
    for (const [clientId, key] of cases) {
      assert.throws(
        () => registerDeviceCredential(backend, { instanceId, clientId }),
        (err: unknown) => err instanceof ValidationError && err.fieldErrors.clientId === key,
        `${JSON.stringify(clientId)} → ${key}`,
      );
    }
    // 64 characters exactly is fine.
    const longest = `GID_sensors@@@${'d'.repeat(50)}`;
    assert.equal(longest.length, 64);
    assert.equal(registerDeviceCredential(backend, { instanceId, clientId: longest }).clientId, longest);
    unregisterDeviceCredential(backend, { instanceId, clientId: longest });
  });

  it('a client ID whose Group ID does not exist on the instance is refused, and nothing is stored', () => {
    const count = listDeviceCredentials(backend, instanceId).length;
    throwsKey(() => registerDeviceCredential(backend, { instanceId, clientId: 'GID_unknown@@@dev' }), 'e.credential.noGroup', 'clientId');
    assert.equal(listDeviceCredentials(backend, instanceId).length, count);
  });

  it('an unknown instance or credential is NOT_FOUND with its reason', () => {
    throwsKey(() => registerDeviceCredential(backend, { instanceId: 'mqtt-cn-zzzzzzzzzzzz', clientId: CLIENT }), 'e.notFound.instance');
    throwsKey(() => getDeviceCredential(backend, { instanceId, clientId: 'GID_sensors@@@nobody' }), 'e.notFound.credential');
    throwsKey(() => refreshDeviceCredential(backend, { instanceId, clientId: 'GID_sensors@@@nobody' }), 'e.notFound.credential');
    throwsKey(() => unregisterDeviceCredential(backend, { instanceId, clientId: 'GID_sensors@@@nobody' }), 'e.notFound.credential');
  });

  it('unregister removes only that credential; deleting the instance removes its credentials', () => {
    registerDeviceCredential(backend, { instanceId, clientId: 'GID_sensors@@@device-002' });
    unregisterDeviceCredential(backend, { instanceId, clientId: CLIENT });
    assert.deepEqual(
      listDeviceCredentials(backend, instanceId).map((c) => c.clientId),
      ['GID_sensors@@@device-002'],
    );
    deleteInstance(backend, otherId, 'other');
    assert.equal(backend.db.select().from(deviceCredentials).where(eq(deviceCredentials.instanceId, otherId)).all().length, 0);
  });
});
