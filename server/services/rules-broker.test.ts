/**
 * The console side of rules against the REAL broker process under the real supervisor: the
 * rule list carries the broker's counters (control method `ruleStats`), "Test connection"
 * (control method `rocketmqTest`) reports each check, and when the broker is gone the list
 * still answers, with the reason the counters are missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { topics } from '@/db/schema';
import { AppError } from '../errors';
import { freePorts, startBrokerProcess, until, type BrokerProcess } from '../supervisor/testing/broker-process';
import { createCluster, testCluster } from './rocketmq-clusters';
import { createRule, listRulesWithStats } from './rules';

describe('rules with the broker process', () => {
  let broker: BrokerProcess;
  let clusterId: number;
  /** A port nothing listens on: the cluster cannot be reached. */
  let deadPort: number;

  before(async () => {
    broker = await startBrokerProcess();
    deadPort = (await freePorts()).tcpPort;
    const { backend, instance } = broker;
    backend.db.insert(topics).values({ instanceId: instance.id, name: 'Orders' }).run();
    clusterId = createCluster(backend, { name: 'unreachable', endpoints: `127.0.0.1:${deadPort}` }).id;
    createRule(backend, { instanceId: instance.id, ruleId: 'out-orders', type: 'outflow', source: 'Orders', target: 'rmq_orders', clusterId });
  });
  after(() => broker.stop());

  it('the list carries the counters the broker reports for each rule', async () => {
    const { backend, instance, supervisor } = broker;
    let last: Awaited<ReturnType<typeof listRulesWithStats>> | undefined;
    await until(async () => {
      last = await listRulesWithStats(backend, instance.id, supervisor);
      return last.rules[0]?.stats != null;
    }, 'the broker to report the rule');
    assert.equal(last!.statsError, null);
    const stats = last!.rules[0]!.stats!;
    assert.equal(typeof stats.sent, 'number');
    assert.equal(typeof stats.failed, 'number');
    assert.equal(stats.sent, 0);
  });

  it('test connection reports a failed check for an endpoint nothing listens on', async () => {
    const { backend, supervisor } = broker;
    let result: Awaited<ReturnType<typeof testCluster>> | undefined;
    await until(async () => {
      try {
        result = await testCluster(backend, { id: clusterId, topic: 'rmq_orders' }, supervisor);
        return true;
      } catch (err) {
        // The broker learns of a new cluster within a second.
        if (err instanceof AppError && err.key === 'e.cluster.testFailed' && /does not know/.test(err.message)) return false;
        throw err;
      }
    }, 'the broker to test the cluster', 20_000);
    assert.ok(result!.checks.length > 0, JSON.stringify(result));
    assert.ok(
      result!.checks.some((c) => !c.ok && c.detail.includes(String(deadPort))),
      `expected a failed check naming port ${deadPort}: ${JSON.stringify(result)}`,
    );
    for (const c of result!.checks) assert.deepEqual(Object.keys(c).sort(), ['detail', 'name', 'ok']);
  });

  it('without the broker the list still answers, saying why there are no counters', async () => {
    const { backend, instance, supervisor } = broker;
    await supervisor.stop();
    const { rules, statsError } = await listRulesWithStats(backend, instance.id, supervisor);
    assert.deepEqual(
      rules.map((r) => [r.ruleId, r.stats]),
      [['out-orders', null]],
    );
    assert.equal(statsError, 'the broker is not running');
    await assert.rejects(testCluster(backend, { id: clusterId }, supervisor), (err: AppError) => err.key === 'e.cluster.brokerNotRunning');
  });
});
