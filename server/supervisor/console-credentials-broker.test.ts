/**
 * What the console hands out really logs clients in to the REAL broker process: the signature
 * helper's user name and password (signature mode and device-credential mode), and device
 * credentials registered, refreshed and unregistered through the console's procedures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import type { Instance } from '@/db/schema';
import { adminCaller } from '../testing/temp-backend';
import { insertInstance, startBrokerProcess, until, type BrokerProcess } from './testing/broker-process';

type Caller = Awaited<ReturnType<typeof adminCaller>>;

/** Connects with MQTT.js 3.1.1; resolves with the CONNACK return code (0 = accepted). */
async function connackCode(url: string, clientId: string, username: string, password: string): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { clientId, username, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000 });
    await c.endAsync();
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

describe('console-issued credentials against the supervised broker process', () => {
  let broker: BrokerProcess;
  let admin: Caller;
  let instance: Instance;
  let url: string;

  before(async () => {
    broker = await startBrokerProcess();
    admin = await adminCaller(broker.backend);
    instance = await insertInstance(broker.backend, 'authenticated', { openMode: false });
    await admin.groups.create({ instanceId: instance.id, name: 'GID_devices' });
    await admin.topics.create({ instanceId: instance.id, name: 'Orders' });
    url = `mqtt://127.0.0.1:${instance.tcpPort}`;
    await until(
      () => broker.supervisor.status().listeners.filter((l) => l.instanceId === instance.id && l.error === null).length === 4,
      'the instance listening',
    );
  });
  after(() => broker.stop());

  it('signature helper, signature mode: the computed login connects, a wrong secret does not', async () => {
    const key = await admin.accessKeys.create({ description: 'helper' });
    const clientId = 'GID_devices@@@helper-1';
    const login = await admin.signature.compute({ mode: 'signature', accessKeyId: key.id, secret: key.secret, instanceId: instance.id, clientId });
    // The group and the key reach the broker within a second.
    await until(async () => (await connackCode(url, clientId, login.username, login.password)) === 0, 'signature login accepted', 3000);
    const wrong = await admin.signature.compute({ mode: 'signature', accessKeyId: key.id, secret: 'wrong', instanceId: instance.id, clientId });
    assert.equal(await connackCode(url, clientId, wrong.username, wrong.password), 4);
  });

  it('device credentials: register → the helper computes a working login; refresh retires the old secret; unregister retires it all', async () => {
    const clientId = 'GID_devices@@@sensor-7';
    const issued = await admin.deviceCredentials.register({ instanceId: instance.id, clientId });
    const login = await admin.signature.compute({
      mode: 'deviceCredential',
      accessKeyId: issued.deviceAccessKeyId,
      secret: issued.deviceAccessKeySecret,
      instanceId: instance.id,
      clientId,
    });
    assert.equal(login.username, `DeviceCredential|${issued.deviceAccessKeyId}|${instance.id}`);
    await until(async () => (await connackCode(url, clientId, login.username, login.password)) === 0, 'device credential accepted', 3000);

    const refreshed = await admin.deviceCredentials.refresh({ instanceId: instance.id, clientId });
    const fresh = await admin.signature.compute({
      mode: 'deviceCredential',
      accessKeyId: refreshed.deviceAccessKeyId,
      secret: refreshed.deviceAccessKeySecret,
      instanceId: instance.id,
      clientId,
    });
    await until(async () => (await connackCode(url, clientId, login.username, login.password)) !== 0, 'the old secret refused', 3000);
    assert.equal(await connackCode(url, clientId, fresh.username, fresh.password), 0);

    await admin.deviceCredentials.unregister({ instanceId: instance.id, clientId });
    await until(async () => (await connackCode(url, clientId, fresh.username, fresh.password)) !== 0, 'the unregistered credential refused', 3000);
  });
});
