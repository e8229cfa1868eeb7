/**
 * Control methods of the rule engine (server/broker/rules/): its counters per rule, and the
 * console's "test connection" of a RocketMQ cluster.
 */
import type { Broker } from '../broker';
import { testCluster } from '../rules/cluster-test';
import { ruleEngine } from '../rules/engine';
import type { RuleStats } from '../rules/types';
import { paramsObject, servedInstance, stringParam } from './params';

/** `{ instanceId }` → `{ [ruleId]: RuleStats }` for every rule of the instance (running or not). */
export function ruleStats(broker: Broker, params: unknown): Record<string, RuleStats> {
  const p = paramsObject('ruleStats', params);
  const instance = servedInstance('ruleStats', broker, p);
  return ruleEngine()?.stats(instance.id) ?? {};
}

/** `{ clusterId, topic? }` → `{ checks: [{ name, ok, detail }] }`. */
export async function rocketmqTest(_broker: Broker, params: unknown): Promise<Awaited<ReturnType<typeof testCluster>>> {
  const p = paramsObject('rocketmqTest', params);
  const clusterId = p.clusterId;
  if (typeof clusterId !== 'number' || !Number.isInteger(clusterId) || clusterId < 1) {
    throw new Error('rocketmqTest: "clusterId" must be a positive integer');
  }
  const topic = p.topic === undefined || p.topic === null || p.topic === '' ? undefined : stringParam('rocketmqTest', p, 'topic', 255);
  const engine = ruleEngine();
  const cluster = engine?.cluster(clusterId);
  if (!cluster) throw new Error(`rocketmqTest: RocketMQ cluster ${clusterId} does not exist`);
  return testCluster(cluster, topic);
}
