/**
 * RocketMQ clusters and rules through the tRPC API, as the console calls them: every
 * validation rule with the message the console shows, the limits, the uniqueness, the
 * secret never shown back, and a cluster delete refused while rules use it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SPEC, RULES_PER_INSTANCE } from '@/lib/schemas';
import { adminCaller, rejectsWith, tempBackend, type TempBackend } from '../testing/temp-backend';

type Admin = Awaited<ReturnType<typeof adminCaller>>;

describe('RocketMQ clusters and rules', () => {
  let backend: TempBackend;
  let admin: Admin;
  let instanceId: string;
  let clusterId: number;

  before(async () => {
    backend = tempBackend();
    admin = await adminCaller(backend);
    instanceId = (await admin.instances.create({ name: 'rules', ...DEFAULT_SPEC })).id;
    await admin.topics.create({ instanceId, name: 'Orders' });
    await admin.topics.create({ instanceId, name: 'Alerts' });
    await admin.groups.create({ instanceId, name: 'GID_devices' });
  });
  after(() => backend.cleanup());

  describe('clusters', () => {
    it('creates a cluster, normalizes the endpoints and never shows the secret back', async () => {
      const c = await admin.rocketmqClusters.create({
        name: 'main',
        endpoints: ' 10.0.0.1:8081 ; rmq.example.com:8081; ',
        accessKey: 'ak-1',
        secretKey: 's3cret-value',
      });
      clusterId = c.id;
      assert.equal(c.endpoints, '10.0.0.1:8081;rmq.example.com:8081');
      assert.equal(c.hasSecret, true);
      const listed = await admin.rocketmqClusters.list();
      assert.deepEqual(listed.map((x) => [x.name, x.accessKey, x.hasSecret, x.ruleCount]), [['main', 'ak-1', true, 0]]);
      assert.ok(!JSON.stringify(listed).includes('s3cret-value'));
      // Stored sealed, not in clear.
      const raw = backend.db.$client.prepare('SELECT secret_encrypted FROM rocketmq_clusters').get() as { secret_encrypted: string };
      assert.ok(!raw.secret_encrypted.includes('s3cret-value'));
    });

    it('refuses bad names, endpoints, namespaces and half credentials with field messages', async () => {
      const base = { name: 'other', endpoints: 'h:1' };
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ name: 'ab' }, 'name', 'v.cluster.name.length'],
        [{ name: 'bad name' }, 'name', 'v.cluster.name.chars'],
        [{ endpoints: '' }, 'endpoints', 'v.required'],
        [{ endpoints: 'localhost' }, 'endpoints', 'v.cluster.endpoints'],
        [{ endpoints: 'h:1;h:70000' }, 'endpoints', 'v.cluster.endpoints'],
        [{ endpoints: 'http://h:1' }, 'endpoints', 'v.cluster.endpoints'],
        [{ namespace: 'a b' }, 'namespace', 'v.cluster.namespace'],
        [{ accessKey: 'ak' }, 'secretKey', 'v.cluster.secretMissing'],
        [{ secretKey: 'sk' }, 'accessKey', 'v.cluster.accessKeyMissing'],
      ];
      for (const [patch, field, key] of cases) {
        await rejectsWith(admin.rocketmqClusters.create({ ...base, ...patch } as never), { code: 'BAD_REQUEST', fields: { [field]: key } });
      }
      await rejectsWith(admin.rocketmqClusters.create({ name: 'main', endpoints: 'h:1' }), {
        code: 'CONFLICT',
        key: 'e.duplicate.cluster',
        fields: { name: 'e.duplicate.cluster' },
      });
      assert.equal((await admin.rocketmqClusters.list()).length, 1);
    });

    it('update keeps the secret when it is left empty, needs one for a new AccessKey, clears both together', async () => {
      const spare = await admin.rocketmqClusters.create({ name: 'spare', endpoints: 'h:1' });
      await rejectsWith(admin.rocketmqClusters.update({ id: spare.id, accessKey: 'ak' }), {
        code: 'BAD_REQUEST',
        fields: { secretKey: 'e.cluster.secretMissing' },
      });
      const withKey = await admin.rocketmqClusters.update({ id: spare.id, accessKey: 'ak', secretKey: 'sk' });
      assert.equal(withKey.hasSecret, true);
      const kept = await admin.rocketmqClusters.update({ id: spare.id, description: 'changed', secretKey: '' });
      assert.deepEqual([kept.accessKey, kept.hasSecret, kept.description], ['ak', true, 'changed']);
      const cleared = await admin.rocketmqClusters.update({ id: spare.id, accessKey: '' });
      assert.deepEqual([cleared.accessKey, cleared.hasSecret], ['', false]);
      await rejectsWith(admin.rocketmqClusters.update({ id: spare.id, name: 'main' }), { code: 'CONFLICT', key: 'e.duplicate.cluster' });
      await rejectsWith(admin.rocketmqClusters.update({ id: 9999, name: 'x-y-z' }), { code: 'NOT_FOUND', key: 'e.notFound.cluster' });
      await admin.rocketmqClusters.delete({ id: spare.id });
      assert.deepEqual((await admin.rocketmqClusters.list()).map((c) => c.name), ['main']);
    });

    it('test connection says the broker is not running when there is none', async () => {
      await rejectsWith(admin.rocketmqClusters.test({ id: clusterId }), { code: 'PRECONDITION_FAILED', key: 'e.cluster.brokerNotRunning' });
      await rejectsWith(admin.rocketmqClusters.test({ id: clusterId, topic: 'bad topic' }), {
        code: 'BAD_REQUEST',
        fields: { topic: 'v.rocketmqTopic.chars' },
      });
    });
  });

  describe('rules', () => {
    const rule = (patch: Record<string, unknown>) =>
      ({ instanceId, ruleId: 'out-orders', type: 'outflow', source: 'Orders', target: 'rmq_orders', clusterId, ...patch }) as never;

    it('creates one rule of each type and lists them without counters when the broker is away', async () => {
      await admin.rules.create(rule({ description: 'orders out' }));
      await admin.rules.create(rule({ ruleId: 'in-alerts', type: 'inflow', source: 'rmq_alerts', target: 'Alerts', enabled: false }));
      await admin.rules.create(rule({ ruleId: 'status_devices', type: 'status', source: 'GID_devices', target: 'rmq%status|x' }));
      const { rules, statsError } = await admin.rules.list({ instanceId });
      assert.deepEqual(
        rules.map((r) => [r.ruleId, r.type, r.source, r.target, r.enabled, r.clusterName, r.stats]),
        [
          ['in-alerts', 'inflow', 'rmq_alerts', 'Alerts', false, 'main', null],
          ['out-orders', 'outflow', 'Orders', 'rmq_orders', true, 'main', null],
          ['status_devices', 'status', 'GID_devices', 'rmq%status|x', true, 'main', null],
        ],
      );
      assert.equal(statsError, 'the broker is not running');
      assert.equal((await admin.rocketmqClusters.list())[0]!.ruleCount, 3);
    });

    it('refuses bad rule IDs, types and ends with the message of each rule', async () => {
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ ruleId: 'ab' }, 'ruleId', 'v.rule.id.length'],
        [{ ruleId: 'x'.repeat(65) }, 'ruleId', 'v.rule.id.length'],
        [{ ruleId: 'bad id!' }, 'ruleId', 'v.rule.id.chars'],
        [{ ruleId: '---' }, 'ruleId', 'v.rule.id.letter'],
        [{ type: 'sideways' }, 'type', 'v.rule.type'],
        [{ ruleId: 'rule1', target: 'bad topic' }, 'target', 'v.rocketmqTopic.chars'],
        [{ ruleId: 'rule1', target: 'x'.repeat(128) }, 'target', 'v.rocketmqTopic.length'],
        [{ ruleId: 'rule1', source: 'Or/ders' }, 'source', 'v.topicName.chars'],
        [{ ruleId: 'rule1', type: 'inflow', source: 'a b', target: 'Alerts' }, 'source', 'v.rocketmqTopic.chars'],
        [{ ruleId: 'rule1', type: 'status', source: 'devices', target: 'x' }, 'source', 'v.groupName.prefix'],
        [{ ruleId: 'rule1', clusterId: 0 }, 'clusterId', 'v.cluster.id'],
      ];
      for (const [patch, field, key] of cases) {
        await rejectsWith(admin.rules.create(rule(patch)), { code: 'BAD_REQUEST', fields: { [field]: key } });
      }
    });

    it('needs our end to exist and the cluster to exist', async () => {
      await rejectsWith(admin.rules.create(rule({ ruleId: 'rule1', source: 'Nope' })), {
        code: 'NOT_FOUND',
        key: 'e.rule.noTopic',
        fields: { source: 'e.rule.noTopic' },
      });
      await rejectsWith(admin.rules.create(rule({ ruleId: 'rule1', type: 'inflow', source: 'rmq', target: 'Nope' })), {
        code: 'NOT_FOUND',
        fields: { target: 'e.rule.noTopic' },
      });
      await rejectsWith(admin.rules.create(rule({ ruleId: 'rule1', type: 'status', source: 'GID_nope', target: 'rmq' })), {
        code: 'NOT_FOUND',
        fields: { source: 'e.rule.noGroup' },
      });
      await rejectsWith(admin.rules.create(rule({ ruleId: 'rule1', source: 'Alerts', clusterId: 4242 })), {
        code: 'NOT_FOUND',
        fields: { clusterId: 'e.notFound.cluster' },
      });
    });

    it('one rule per ID and one of each type per source; other types on the same source are fine', async () => {
      await rejectsWith(admin.rules.create(rule({ source: 'Alerts' })), { code: 'CONFLICT', fields: { ruleId: 'e.duplicate.rule' } });
      await rejectsWith(admin.rules.create(rule({ ruleId: 'out-again' })), {
        code: 'CONFLICT',
        key: 'e.rule.duplicateSource.outflow',
        fields: { source: 'e.rule.duplicateSource.outflow' },
        params: { other: 'out-orders', source: 'Orders' },
      });
      // An inflow rule may target Orders while an outflow rule reads it.
      await admin.rules.create(rule({ ruleId: 'in-orders', type: 'inflow', source: 'Orders', target: 'Orders' }));
      await admin.rules.delete({ instanceId, ruleId: 'in-orders' });
    });

    it('edits everything but the ID and the type, checking the ends by the type', async () => {
      const edited = await admin.rules.update({ instanceId, ruleId: 'out-orders', description: 'new', target: 'rmq_v2', enabled: false });
      assert.deepEqual([edited.type, edited.source, edited.target, edited.description, edited.enabled], ['outflow', 'Orders', 'rmq_v2', 'new', false]);
      await rejectsWith(admin.rules.update({ instanceId, ruleId: 'out-orders', target: 'a b' }), {
        code: 'BAD_REQUEST',
        fields: { target: 'v.rocketmqTopic.chars' },
      });
      await rejectsWith(admin.rules.update({ instanceId, ruleId: 'in-alerts', target: 'Nope' }), {
        code: 'NOT_FOUND',
        fields: { target: 'e.rule.noTopic' },
      });
      await admin.rules.create(rule({ ruleId: 'out-alerts', source: 'Alerts' }));
      await rejectsWith(admin.rules.update({ instanceId, ruleId: 'out-alerts', source: 'Orders' }), {
        code: 'CONFLICT',
        key: 'e.rule.duplicateSource.outflow',
      });
      await admin.rules.delete({ instanceId, ruleId: 'out-alerts' });
      const on = await admin.rules.setEnabled({ instanceId, ruleId: 'out-orders', enabled: true });
      assert.equal(on.enabled, true);
      await rejectsWith(admin.rules.setEnabled({ instanceId, ruleId: 'ghost', enabled: true }), { code: 'NOT_FOUND', key: 'e.notFound.rule' });
    });

    it('a cluster used by rules cannot be deleted; the message names the rules', async () => {
      const data = await rejectsWith(admin.rocketmqClusters.delete({ id: clusterId }), { code: 'PRECONDITION_FAILED', key: 'e.cluster.inUse' });
      assert.equal(data.messageParams.count, 3);
      assert.match(String(data.messageParams.rules), new RegExp(`${instanceId}/in-alerts`));
      assert.equal((await admin.rocketmqClusters.list()).length, 1);
    });

    it('at most 100 rules per instance', async () => {
      // Fill up with status rules (one per Group ID), then one more is refused.
      const existing = (await admin.rules.list({ instanceId })).rules.length;
      for (let i = existing; i < RULES_PER_INSTANCE; i++) {
        const group = `GID_group${i}`;
        await admin.groups.create({ instanceId, name: group });
        await admin.rules.create(rule({ ruleId: `st-${i}`, type: 'status', source: group, target: 'rmq' }));
      }
      await admin.groups.create({ instanceId, name: 'GID_one_more' });
      await rejectsWith(admin.rules.create(rule({ ruleId: 'st-extra', type: 'status', source: 'GID_one_more', target: 'rmq' })), {
        code: 'PRECONDITION_FAILED',
        key: 'e.rule.limit',
        params: { max: 100 },
      });
      assert.equal((await admin.rules.list({ instanceId })).rules.length, RULES_PER_INSTANCE);
      // Deleting one makes room again.
      await admin.rules.delete({ instanceId, ruleId: 'st-50' });
      await admin.rules.create(rule({ ruleId: 'st-extra', type: 'status', source: 'GID_one_more', target: 'rmq' }));
    });

    it('deleting an instance deletes its rules, and then the cluster can go', async () => {
      await admin.instances.delete({ id: instanceId, confirmName: 'rules' });
      await admin.rocketmqClusters.delete({ id: clusterId });
      assert.deepEqual(await admin.rocketmqClusters.list(), []);
    });
  });
});
