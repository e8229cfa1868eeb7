/**
 * The rule engine of the broker process: given the clusters and rules of the console database
 * (main.ts reconcile(), on every change), it starts and stops RocketMQ producers and consumers
 * so that exactly the enabled rules run — within the reconcile, without a broker restart.
 *
 *   const engine = new RuleEngine(dataDir);
 *   engine.apply(broker, clusters, rules);   // diff-applied; cheap when nothing changed
 *   engine.stats(instanceId);                // the control method ruleStats
 *   await engine.stop();
 */
import type { Broker } from '../broker';
import { InflowRule } from './inflow';
import { InstanceRules } from './instance-rules';
import { Outbox } from './outbox';
import { RuleSender } from './sender';
import { emptyStats, type ClusterConfig, type RuleConfig, type RuleStats } from './types';

interface Running {
  rule: RuleConfig;
  cluster: ClusterConfig;
  runner: RuleSender | InflowRule;
}

const keyOf = (r: { instanceId: string; ruleId: string }) => `${r.instanceId}/${r.ruleId}`;
const sameCluster = (a: ClusterConfig, b: ClusterConfig) =>
  a.endpoints === b.endpoints && a.namespace === b.namespace && a.accessKey === b.accessKey && a.secretKey === b.secretKey;
const sameRule = (a: RuleConfig, b: RuleConfig) =>
  a.type === b.type && a.source === b.source && a.target === b.target && a.clusterId === b.clusterId;

export class RuleEngine {
  private readonly outbox: Outbox;
  private clusters = new Map<number, ClusterConfig>();
  /** Every rule of the database (enabled or not), by `<instanceId>/<ruleId>`. */
  private configured = new Map<string, RuleConfig>();
  private readonly running = new Map<string, Running>();
  /** Counters survive disable/enable and edits; they start at 0 with the broker process. */
  private readonly counters = new Map<string, RuleStats>();
  private readonly perInstance = new Map<string, InstanceRules>();
  private stopped = false;

  /** `dataDir` null = the outbox in memory (no restart durability). */
  constructor(dataDir: string | null) {
    this.outbox = new Outbox(dataDir);
  }

  /**
   * Reads one cluster from the console database now (main.ts sets it), so that "test
   * connection" sees a cluster created or edited a moment ago, before the next reconcile.
   */
  readCluster: ((id: number) => ClusterConfig | undefined) | null = null;

  /** The cluster as the database has it now (or as last applied, without readCluster). */
  cluster(id: number): ClusterConfig | undefined {
    return this.readCluster ? this.readCluster(id) : this.clusters.get(id);
  }

  apply(broker: Broker, clusters: ClusterConfig[], rules: RuleConfig[]): void {
    if (this.stopped) return;
    this.clusters = new Map(clusters.map((c) => [c.id, c]));
    this.configured = new Map(rules.map((r) => [keyOf(r), r]));

    // Stop what is no longer wanted as it runs (disabled, deleted, edited, cluster changed).
    for (const [key, run] of this.running) {
      const rule = this.configured.get(key);
      const cluster = rule && this.clusters.get(rule.clusterId);
      const keep =
        rule !== undefined && rule.enabled && cluster !== undefined && broker.instance(rule.instanceId) !== undefined &&
        sameRule(rule, run.rule) && sameCluster(cluster, run.cluster);
      if (keep) continue;
      this.running.delete(key);
      this.unhook(run);
      void run.runner.stop();
    }
    // Start the new ones.
    for (const [key, rule] of this.configured) {
      if (!rule.enabled || this.running.has(key)) continue;
      const cluster = this.clusters.get(rule.clusterId);
      const instance = broker.instance(rule.instanceId);
      if (!cluster || !instance) continue;
      const stats = this.statsOf(key);
      let runner: RuleSender | InflowRule;
      if (rule.type === 'inflow') {
        runner = new InflowRule(instance, rule.ruleId, cluster, rule.source, rule.target, stats);
      } else {
        runner = new RuleSender(key, this.outbox, cluster, rule.target, this.outbox.count(key), stats);
        const hooks = this.hooksOf(rule.instanceId);
        (rule.type === 'outflow' ? hooks.outflows : hooks.statuses).set(rule.source, runner);
      }
      this.running.set(key, { rule, cluster, runner });
      runner.start();
    }
    // A deleted rule's waiting messages go with it.
    for (const key of this.outbox.rules()) {
      if (!this.configured.has(key)) this.outbox.discard(key);
    }
    for (const key of this.counters.keys()) if (!this.configured.has(key)) this.counters.delete(key);
    // The instances' hot-path hooks: null when an instance has no outflow/status rule running.
    for (const [instanceId, hooks] of this.perInstance) {
      const instance = broker.instance(instanceId);
      if (hooks.empty || !instance) this.perInstance.delete(instanceId);
      if (instance) instance.rules = hooks.empty ? null : hooks;
    }
  }

  /** The control method ruleStats: every rule of the instance, running or not. */
  stats(instanceId: string): Record<string, RuleStats> {
    const out: Record<string, RuleStats> = {};
    for (const [key, rule] of this.configured) {
      if (rule.instanceId !== instanceId) continue;
      const stats = this.statsOf(key);
      // A rule not running still shows what waits for it on disk.
      if (!this.running.has(key) && rule.type !== 'inflow') stats.buffered = this.outbox.count(key);
      out[rule.ruleId] = { ...stats };
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const runs = [...this.running.values()];
    this.running.clear();
    for (const run of runs) this.unhook(run);
    await Promise.all(runs.map((r) => r.runner.stop()));
    this.outbox.close();
  }

  private statsOf(key: string): RuleStats {
    let stats = this.counters.get(key);
    if (!stats) {
      stats = emptyStats();
      this.counters.set(key, stats);
    }
    return stats;
  }

  private hooksOf(instanceId: string): InstanceRules {
    let hooks = this.perInstance.get(instanceId);
    if (!hooks) {
      hooks = new InstanceRules(this.outbox);
      this.perInstance.set(instanceId, hooks);
    }
    return hooks;
  }

  private unhook(run: Running): void {
    if (run.rule.type === 'inflow') return;
    const hooks = this.perInstance.get(run.rule.instanceId);
    const map = run.rule.type === 'outflow' ? hooks?.outflows : hooks?.statuses;
    if (map?.get(run.rule.source) === run.runner) map.delete(run.rule.source);
  }
}

/** The broker process's engine (main.ts sets it), for the control methods. */
let current: RuleEngine | null = null;

export function setRuleEngine(engine: RuleEngine | null): void {
  current = engine;
}

export function ruleEngine(): RuleEngine | null {
  return current;
}
