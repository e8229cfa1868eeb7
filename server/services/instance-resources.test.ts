/**
 * Deleting a parent topic or a Group ID that a rule uses is refused, naming the rules, and
 * deletes nothing; once the rules are gone the delete succeeds. The same for a RocketMQ
 * cluster; deleting the instance takes its rules with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { translate } from '@/lib/i18n';
import { rules } from '@/db/schema';
import { AppError } from '../errors';
import { insertInstance } from '../supervisor/testing/broker-process';
import { adminCaller, rejectsWith, tempBackend, type TempBackend } from '../testing/temp-backend';
import { groupService, topicService } from './instance-resources';
import { deleteInstance } from './instances';
import { createCluster, deleteCluster } from './rocketmq-clusters';
import { createRule, deleteRule } from './rules';

/** The call must fail with this AppError code and exactly this English message. */
function refused(call: () => unknown, code: AppError['code'], message: string): AppError {
  let error: unknown;
  try {
    call();
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.equal(error.message, message);
  return error;
}

describe('deleting what a rule uses', () => {
  let backend: TempBackend;
  let instanceId: string;
  let otherId: string;
  let clusterId: number;
  const names = (service: typeof topicService, id: string) => service.list(backend, id).map((r) => r.name);

  before(async () => {
    backend = tempBackend();
    instanceId = (await insertInstance(backend, 'rules')).id;
    otherId = (await insertInstance(backend, 'other')).id;
    for (const name of ['Orders', 'Telemetry']) topicService.create(backend, { instanceId, name });
    groupService.create(backend, { instanceId, name: 'GID_devices' });
    // The same names in another instance, used by no rule.
    topicService.create(backend, { instanceId: otherId, name: 'Orders' });
    groupService.create(backend, { instanceId: otherId, name: 'GID_devices' });
    clusterId = createCluster(backend, { name: 'main', endpoints: '127.0.0.1:8081' }).id;
    const rule = (ruleId: string, type: 'inflow' | 'outflow' | 'status', source: string, target: string) =>
      createRule(backend, { instanceId, ruleId, type, source, target, clusterId });
    rule('out-orders', 'outflow', 'Orders', 'rmq_orders');
    rule('in-orders', 'inflow', 'rmq_in', 'Orders');
    rule('st-devices', 'status', 'GID_devices', 'rmq_status');
  });
  after(() => backend.cleanup());

  it('a parent topic used as outflow source and inflow target: refused, naming both rules; nothing deleted', () => {
    refused(
      () => topicService.remove(backend, { instanceId, name: 'Orders' }),
      'PRECONDITION_FAILED',
      'Parent topic "Orders" is used by 2 rules (in-orders, out-orders): delete those rules or change them to use another parent topic first.',
    );
    assert.deepEqual(names(topicService, instanceId), ['Orders', 'Telemetry']);
    assert.equal(backend.db.select().from(rules).all().length, 3);
  });

  it('a Group ID used by a client status rule: refused, naming the rule; nothing deleted', () => {
    refused(
      () => groupService.remove(backend, { instanceId, name: 'GID_devices' }),
      'PRECONDITION_FAILED',
      'Group ID "GID_devices" is used by rule st-devices: delete the rule or change it to use another Group ID first.',
    );
    assert.deepEqual(names(groupService, instanceId), ['GID_devices']);
  });

  it('the console gets the refusal as a user error (412) with the text to show', async () => {
    const admin = await adminCaller(backend);
    const data = await rejectsWith(admin.groups.delete({ instanceId, name: 'GID_devices' }), {
      code: 'PRECONDITION_FAILED',
      params: { name: 'GID_devices', count: 1, rules: 'st-devices' },
    });
    // What the delete dialog's toast shows (lib/trpc/errors.ts → translate), in each language.
    assert.equal(
      translate('en', data.messageKey, data.messageParams),
      'Group ID "GID_devices" is used by rule st-devices: delete the rule or change it to use another Group ID first.',
    );
    assert.equal(translate('zh', data.messageKey, data.messageParams), 'Group ID "GID_devices" 正被规则 st-devices 使用：请先删除该规则或将其改为使用其他 Group ID。');
    assert.deepEqual(names(groupService, instanceId), ['GID_devices']);
  });

  it('what no rule uses deletes as before, also the same names in another instance', () => {
    topicService.remove(backend, { instanceId, name: 'Telemetry' });
    topicService.remove(backend, { instanceId: otherId, name: 'Orders' });
    groupService.remove(backend, { instanceId: otherId, name: 'GID_devices' });
    assert.deepEqual(names(topicService, instanceId), ['Orders']);
    assert.deepEqual([names(topicService, otherId), names(groupService, otherId)], [[], []]);
  });

  it('once the rules are deleted, the parent topic and the Group ID delete', () => {
    deleteRule(backend, { instanceId, ruleId: 'out-orders' });
    refused(
      () => topicService.remove(backend, { instanceId, name: 'Orders' }),
      'PRECONDITION_FAILED',
      'Parent topic "Orders" is used by rule in-orders: delete the rule or change it to use another parent topic first.',
    );
    deleteRule(backend, { instanceId, ruleId: 'in-orders' });
    topicService.remove(backend, { instanceId, name: 'Orders' });
    deleteRule(backend, { instanceId, ruleId: 'st-devices' });
    groupService.remove(backend, { instanceId, name: 'GID_devices' });
    assert.deepEqual([names(topicService, instanceId), names(groupService, instanceId)], [[], []]);
  });

  it('a cluster a rule uses is refused; deleting the instance deletes its rules, then the cluster deletes', () => {
    topicService.create(backend, { instanceId, name: 'Orders' });
    createRule(backend, { instanceId, ruleId: 'out-orders', type: 'outflow', source: 'Orders', target: 'rmq_orders', clusterId });
    refused(
      () => deleteCluster(backend, clusterId),
      'PRECONDITION_FAILED',
      `RocketMQ cluster "main" is used by 1 rule(s) (${instanceId}/out-orders): delete those rules or point them at another cluster first.`,
    );
    deleteInstance(backend, instanceId, 'rules');
    assert.equal(backend.db.select().from(rules).all().length, 0);
    assert.equal(deleteCluster(backend, clusterId).name, 'main');
  });
});
