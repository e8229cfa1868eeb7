/**
 * The `clients` tRPC router (the console's Client lookup page) against the REAL broker process
 * with MQTT.js clients: lookups by client ID, Group ID and topic, "disconnect", and bad input
 * (unknown instance, malformed client ID, wildcard topic, broker not running) refused clearly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { adminCaller, rejectsWith } from '../testing/temp-backend';
import { setSupervisor } from '../supervisor/registry';
import { startBrokerProcess, type BrokerProcess } from '../supervisor/testing/broker-process';

type Caller = Awaited<ReturnType<typeof adminCaller>>;

describe('clients router (real broker process)', () => {
  let bp: BrokerProcess;
  let admin: Caller;
  let instanceId: string;
  let device: mqtt.MqttClient;

  before(async () => {
    bp = await startBrokerProcess();
    instanceId = bp.instance.id;
    setSupervisor(bp.supervisor);
    admin = await adminCaller(bp.backend);
    await admin.groups.create({ instanceId, name: 'GID_sensors' });
    device = await mqtt.connectAsync(`mqtt://127.0.0.1:${bp.instance.tcpPort}`, {
      clientId: 'GID_sensors@@@device-1',
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    await device.subscribeAsync('Sensors/+/temperature', { qos: 1 });
  });

  after(async () => {
    setSupervisor(undefined);
    device?.end(true);
    await bp?.stop();
  });

  it('byClientId: the live client with its subscriptions and transport', async () => {
    const r = await admin.clients.byClientId({ instanceId, clientId: 'GID_sensors@@@device-1' });
    assert.equal(r.online, 1);
    assert.equal(r.connections[0]!.transport, 'tcp');
    assert.equal(r.connections[0]!.protocolVersion, 5);
    assert.deepEqual(
      r.session?.subscriptions.map((s) => [s.filter, s.qos]),
      [['Sensors/+/temperature', 1]],
    );
    const nobody = await admin.clients.byClientId({ instanceId, clientId: 'GID_sensors@@@device-2' });
    assert.equal(nobody.online, 0);
    assert.equal(nobody.session, null);
  });

  it('byGroup: online count and clients; a Group ID that was never created is flagged', async () => {
    const r = await admin.clients.byGroup({ instanceId, groupId: 'GID_sensors' });
    assert.equal(r.online, 1);
    assert.equal(r.known, true);
    assert.deepEqual(r.clients.map((c) => c.clientId), ['GID_sensors@@@device-1']);
    const unknown = await admin.clients.byGroup({ instanceId, groupId: 'GID_ghosts' });
    assert.equal(unknown.online, 0);
    assert.equal(unknown.known, false);
  });

  it('byTopic: the subscribers a message on the topic would reach', async () => {
    const r = await admin.clients.byTopic({ instanceId, topic: 'Sensors/kitchen/temperature' });
    assert.equal(r.total, 1);
    assert.deepEqual(r.subscribers.map((s) => [s.clientId, s.online]), [['GID_sensors@@@device-1', true]]);
    assert.equal((await admin.clients.byTopic({ instanceId, topic: 'Sensors/kitchen/humidity' })).total, 0);
  });

  it('bad input: unknown instance, malformed client ID / group / topic / page', async () => {
    await rejectsWith(admin.clients.byClientId({ instanceId: 'mqtt-cn-nosuchinstance', clientId: 'a' }), {
      code: 'NOT_FOUND',
      key: 'e.notFound.instance',
    });
    await rejectsWith(admin.clients.byClientId({ instanceId: 'not-an-instance', clientId: 'a' }), {
      code: 'BAD_REQUEST',
      fields: { instanceId: 'v.instanceId.format' },
    });
    for (const clientId of ['x'.repeat(1025), 'tab\there', 'nul\u0000']) {
      await rejectsWith(admin.clients.byClientId({ instanceId, clientId }), { code: 'BAD_REQUEST', fields: { clientId: 'v.lookup.clientId' } });
    }
    await rejectsWith(admin.clients.byClientId({ instanceId, clientId: '' }), { code: 'BAD_REQUEST', fields: { clientId: 'v.required' } });
    await rejectsWith(admin.clients.byGroup({ instanceId, groupId: 'sensors' }), { code: 'BAD_REQUEST', fields: { groupId: 'v.groupName.prefix' } });
    await rejectsWith(admin.clients.byTopic({ instanceId, topic: 'Sensors/#' }), { code: 'BAD_REQUEST', fields: { topic: 'v.lookup.topic' } });
    await rejectsWith(admin.clients.byTopic({ instanceId, topic: 'Sensors/a', limit: 1000 }), { code: 'BAD_REQUEST', fields: { limit: 'v.lookup.page' } });
    await rejectsWith(admin.clients.disconnect({ instanceId, clientId: '' }), { code: 'BAD_REQUEST' });
  });

  it('disconnect: the client really goes (MQTT 5 reason 0x98); a second disconnect says it is not online', async () => {
    const reasons: number[] = [];
    device.on('disconnect', (p) => reasons.push(p.reasonCode ?? -1));
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    assert.deepEqual(await admin.clients.disconnect({ instanceId, clientId: 'GID_sensors@@@device-1' }), { disconnected: 1 });
    await closed;
    assert.deepEqual(reasons, [0x98]);
    assert.equal((await admin.clients.byClientId({ instanceId, clientId: 'GID_sensors@@@device-1' })).online, 0);
    await rejectsWith(admin.clients.disconnect({ instanceId, clientId: 'GID_sensors@@@device-1' }), {
      code: 'NOT_FOUND',
      key: 'e.clients.notOnline',
      params: { clientId: 'GID_sensors@@@device-1' },
    });
  });

  it('without a running broker every lookup says so', async () => {
    setSupervisor(undefined);
    try {
      const expected = { code: 'PRECONDITION_FAILED', key: 'e.clients.brokerNotRunning' } as const;
      await rejectsWith(admin.clients.byClientId({ instanceId, clientId: 'GID_sensors@@@device-1' }), expected);
      await rejectsWith(admin.clients.byGroup({ instanceId, groupId: 'GID_sensors' }), expected);
      await rejectsWith(admin.clients.byTopic({ instanceId, topic: 'Sensors/a' }), expected);
      await rejectsWith(admin.clients.disconnect({ instanceId, clientId: 'GID_sensors@@@device-1' }), expected);
    } finally {
      setSupervisor(bp.supervisor);
    }
  });
});
