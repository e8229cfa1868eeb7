/**
 * Every tRPC procedure except the login/setup ones refuses callers without a valid session.
 * The list of procedures comes from the router itself, so a procedure added later without
 * protection fails here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TRPCError } from '@trpc/server';
import { DEFAULT_SPEC } from '@/lib/schemas';
import { appRouter } from './root';
import {
  adminCaller,
  anonymousCaller,
  callerWith,
  errorDataOf,
  memoryCookies,
  tempBackend,
  TEST_PASSWORD,
  type TempBackend,
} from '../testing/temp-backend';

/** The procedures anyone may call: what the login and setup pages need. */
const PUBLIC = ['auth.status', 'auth.setup', 'auth.login'];

/** What a logged-in call answers in these tests, where no broker process runs (default OK). */
const WITHOUT_BROKER: Record<string, string> = {
  'testMessages.send': 'PRECONDITION_FAILED',
  // Only the broker knows who is online.
  'clients.byClientId': 'PRECONDITION_FAILED',
  'clients.byGroup': 'PRECONDITION_FAILED',
  'clients.byTopic': 'PRECONDITION_FAILED',
  'clients.disconnect': 'PRECONDITION_FAILED',
  // The broker process tries the cluster.
  'rocketmqClusters.test': 'PRECONDITION_FAILED',
};
const CLIENT_ID = 'GID_orders@@@device-1';

/** Two RocketMQ clusters (IDs 1 and 2, the second unused) and an outflow rule on Orders. */
async function addRocketmq(admin: Awaited<ReturnType<typeof adminCaller>>, instanceId: string): Promise<void> {
  await admin.rocketmqClusters.create({ name: 'main', endpoints: 'localhost:8081' });
  await admin.rocketmqClusters.create({ name: 'spare', endpoints: 'localhost:8082' });
  await admin.rules.create({ instanceId, ruleId: 'out-orders', type: 'outflow', source: 'Orders', target: 'rmq_orders', clusterId: 1 });
}

const procedures = Object.keys(appRouter._def.procedures).sort();
const protectedOnes = procedures.filter((p) => !PUBLIC.includes(p));

type AnyCaller = Record<string, unknown>;

/** Calls a procedure by its dotted path on a caller. */
function call(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const fn = path.split('.').reduce<unknown>((node, key) => (node as AnyCaller)[key], caller);
  return (fn as (input: unknown) => Promise<unknown>)(input);
}

async function outcome(promise: Promise<unknown>): Promise<{ code: string; key?: string }> {
  try {
    await promise;
    return { code: 'OK' };
  } catch (err) {
    assert.ok(err instanceof TRPCError, String(err));
    return { code: err.code, key: errorDataOf(err).messageKey };
  }
}

describe('unauthenticated calls', () => {
  let backend: TempBackend;
  let instanceId: string;
  let accessKeyId: string;
  /** Valid input for each procedure, so that a refusal cannot be a validation error. */
  let inputs: Record<string, unknown>;

  before(async () => {
    backend = tempBackend();
    const admin = await adminCaller(backend);
    instanceId = (await admin.instances.create({ name: 'guarded', ...DEFAULT_SPEC })).id;
    await admin.topics.create({ instanceId, name: 'Orders' });
    await admin.groups.create({ instanceId, name: 'GID_orders' });
    await admin.permissions.create({ instanceId, filter: 'secret/#', action: 'subscribe', effect: 'deny' });
    accessKeyId = (await admin.accessKeys.create({})).id;
    await admin.deviceCredentials.register({ instanceId, clientId: CLIENT_ID });
    await addRocketmq(admin, instanceId);
    inputs = {
      'auth.changePassword': { current: TEST_PASSWORD, next: TEST_PASSWORD },
      'accessKeys.create': { description: 'x' },
      'accessKeys.setEnabled': { id: accessKeyId, enabled: false },
      'accessKeys.delete': { id: accessKeyId },
      'instances.get': { id: instanceId },
      'instances.endpoints': { id: instanceId },
      'instances.create': { name: 'sneaky', ...DEFAULT_SPEC },
      'instances.update': { id: instanceId, name: 'renamed' },
      'instances.delete': { id: instanceId, confirmName: 'guarded' },
      'topics.list': { instanceId },
      'topics.create': { instanceId, name: 'Sneaky' },
      'topics.describe': { instanceId, name: 'Orders', description: 'changed' },
      'topics.delete': { instanceId, name: 'Orders' },
      'groups.list': { instanceId },
      'groups.create': { instanceId, name: 'GID_sneaky' },
      'groups.describe': { instanceId, name: 'GID_orders', description: 'changed' },
      'groups.delete': { instanceId, name: 'GID_orders' },
      'permissions.list': { instanceId },
      'permissions.create': { instanceId, filter: 'sneaky/#', action: 'both', effect: 'allow' },
      'permissions.delete': { instanceId, filter: 'secret/#', action: 'subscribe' },
      'settings.setPublicHost': { publicHost: 'evil.example' },
      'settings.setTelemetryRetention': { telemetryRetentionDays: 1 },
      'broker.stats': { instanceId },
      'deviceCredentials.list': { instanceId },
      'deviceCredentials.get': { instanceId, clientId: CLIENT_ID },
      'deviceCredentials.register': { instanceId, clientId: 'GID_orders@@@sneaky' },
      'deviceCredentials.refresh': { instanceId, clientId: CLIENT_ID },
      'deviceCredentials.unregister': { instanceId, clientId: CLIENT_ID },
      'signature.compute': { mode: 'signature', accessKeyId, secret: 'x', instanceId, clientId: CLIENT_ID },
      'testMessages.send': { instanceId, topic: 'Orders', subtopic: 'a', payload: 'hi', qos: 1 },
      'clients.byClientId': { instanceId, clientId: CLIENT_ID },
      'clients.byGroup': { instanceId, groupId: 'GID_orders' },
      'clients.byTopic': { instanceId, topic: 'Orders/a' },
      'clients.disconnect': { instanceId, clientId: CLIENT_ID },
      'statistics.series': { instanceId, range: '1h' },
      'statistics.topics': { instanceId, range: '7d' },
      'traces.message': { instanceId, messageId: '0123456789abcdef0123456789abcdef' },
      'traces.byClient': { instanceId, clientId: CLIENT_ID, from: 0, to: 3600_000 },
      'traces.byTopic': { instanceId, topic: 'Orders/a', from: 0, to: 3600_000 },
      'traces.device': { instanceId, groupId: 'GID_orders', deviceId: 'device-1', from: 0, to: 3600_000 },
      'rocketmqClusters.get': { id: 1 },
      'rocketmqClusters.create': { name: 'sneaky', endpoints: 'evil.example:8081' },
      'rocketmqClusters.update': { id: 1, description: 'changed' },
      // The spare one: a cluster that rules use cannot be deleted.
      'rocketmqClusters.delete': { id: 2 },
      'rocketmqClusters.test': { id: 1 },
      'rules.list': { instanceId },
      'rules.get': { instanceId, ruleId: 'out-orders' },
      'rules.create': { instanceId, ruleId: 'sneaky', type: 'status', source: 'GID_sneaky', target: 'rmq', clusterId: 1 },
      'rules.update': { instanceId, ruleId: 'out-orders', description: 'changed' },
      'rules.setEnabled': { instanceId, ruleId: 'out-orders', enabled: false },
      'rules.delete': { instanceId, ruleId: 'out-orders' },
    };
  });
  after(() => backend.cleanup());

  it('the router has the expected public procedures and protected ones besides', () => {
    for (const p of PUBLIC) assert.ok(procedures.includes(p), `${p} exists`);
    assert.ok(protectedOnes.length >= 20, `found ${protectedOnes.length} protected procedures`);
  });

  it('every procedure but auth.status, auth.setup and auth.login refuses an anonymous caller', async () => {
    const wrong: string[] = [];
    for (const path of protectedOnes) {
      const result = await outcome(call(anonymousCaller(backend), path, inputs[path]));
      if (result.code !== 'UNAUTHORIZED' || result.key !== 'e.unauthorized') wrong.push(`${path}: ${JSON.stringify(result)}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('a made-up or cleared session cookie is refused the same way', async () => {
    for (const token of ['made-up-token', '']) {
      for (const path of protectedOnes) {
        const result = await outcome(call(callerWith(backend, memoryCookies(token)), path, inputs[path]));
        assert.equal(result.code, 'UNAUTHORIZED', `${path} with token "${token}"`);
      }
    }
  });

  it('the refused calls changed nothing', async () => {
    const admin = await adminCaller(backend);
    const instances = await admin.instances.list();
    assert.deepEqual(
      instances.map((i) => [i.id, i.name, i.topicCount, i.groupCount]),
      [[instanceId, 'guarded', 1, 1]],
    );
    assert.equal((await admin.topics.list({ instanceId }))[0]!.description, '');
    assert.deepEqual(
      (await admin.permissions.list({ instanceId })).map((r) => [r.filter, r.action, r.effect]),
      [['secret/#', 'subscribe', 'deny']],
    );
    const keys = await admin.accessKeys.list();
    assert.deepEqual(
      keys.map((k) => [k.id, k.enabled]),
      [[accessKeyId, true]],
    );
    assert.equal((await admin.settings.get()).publicHost, 'localhost');
    assert.deepEqual(
      (await admin.deviceCredentials.list({ instanceId })).map((c) => c.clientId),
      [CLIENT_ID],
    );
    assert.deepEqual(
      (await admin.rocketmqClusters.list()).map((c) => [c.id, c.name, c.description]),
      [
        [1, 'main', ''],
        [2, 'spare', ''],
      ],
    );
    assert.deepEqual(
      (await admin.rules.list({ instanceId })).rules.map((r) => [r.ruleId, r.enabled, r.description]),
      [['out-orders', true, '']],
    );
  });

  it('the same calls pass the guard with a session (the inputs above are valid)', async () => {
    // On a throwaway backend with the same resources; deletes last, the instance's very last.
    const scratch = tempBackend();
    try {
      const admin = await adminCaller(scratch);
      const id = (await admin.instances.create({ name: 'guarded', ...DEFAULT_SPEC })).id;
      await admin.topics.create({ instanceId: id, name: 'Orders' });
      await admin.groups.create({ instanceId: id, name: 'GID_orders' });
      await admin.permissions.create({ instanceId: id, filter: 'secret/#', action: 'subscribe', effect: 'deny' });
      const ak = (await admin.accessKeys.create({})).id;
      await admin.deviceCredentials.register({ instanceId: id, clientId: CLIENT_ID });
      await addRocketmq(admin, id);
      const fix = (v: unknown) => JSON.parse(JSON.stringify(v ?? null).replaceAll(instanceId, id).replaceAll(accessKeyId, ak));
      const rank = (p: string) => (p === 'instances.delete' ? 2 : p.endsWith('.delete') ? 1 : 0);
      const order = [...protectedOnes].sort((a, b) => rank(a) - rank(b));
      for (const path of order) {
        // Each call on a fresh admin session: logout and changePassword end sessions.
        let input = inputs[path] === undefined ? undefined : fix(inputs[path]);
        // instances.update has renamed it by then.
        if (path === 'instances.delete') input = { id, confirmName: 'renamed' };
        const result = await outcome(call(await adminCaller(scratch), path, input));
        assert.equal(result.code, WITHOUT_BROKER[path] ?? 'OK', `${path}: ${JSON.stringify(result)}`);
      }
    } finally {
      scratch.cleanup();
    }
  });

  it('auth.status, auth.setup and auth.login are open to anonymous callers', async () => {
    const anon = anonymousCaller(backend, '203.0.113.7');
    assert.deepEqual(await anon.auth.status(), { setUp: true, user: null });
    // Setup answers (already set up), not "log in first".
    const setup = await outcome(anon.auth.setup({ password: TEST_PASSWORD, confirm: TEST_PASSWORD }));
    assert.deepEqual(setup, { code: 'PRECONDITION_FAILED', key: 'e.alreadySetUp' });
    const cookies = memoryCookies();
    await callerWith(backend, cookies, '203.0.113.8').auth.login({ username: 'admin', password: TEST_PASSWORD });
    assert.ok(cookies.sessionToken);
  });

  it('before setup, protected procedures are refused too', async () => {
    const fresh = tempBackend();
    try {
      for (const path of protectedOnes) {
        const result = await outcome(call(anonymousCaller(fresh), path, inputs[path]));
        assert.equal(result.code, 'UNAUTHORIZED', path);
      }
    } finally {
      fresh.cleanup();
    }
  });
});
