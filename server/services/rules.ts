/**
 * Rules of an instance (PRODUCT.md sections 1 and 6): data inflow (RocketMQ topic → parent
 * topic), data outflow (parent topic → RocketMQ topic) and client status notification (Group
 * ID → RocketMQ topic). The broker's rule engine reads the table; its counters come back
 * through the supervisor (method `ruleStats`).
 *
 * Enforced here: the rule ID's format (immutable), at most 100 rules per instance, one rule of
 * each type per source, our side of the rule existing (parent topic or Group ID), the
 * RocketMQ topic's format, and the cluster existing. The other way round, a parent topic or
 * Group ID (instance-resources.ts) or a cluster (rocketmq-clusters.ts) that a rule uses
 * cannot be deleted; deleting the instance deletes its rules.
 */
import { and, asc, count, eq } from 'drizzle-orm';
import { rocketmqClusters, rules, type RuleRow } from '@/db/schema';
import {
  instanceIdSchema,
  ruleCreateSchema,
  ruleEndsSchema,
  ruleRefSchema,
  RULES_PER_INSTANCE,
  ruleSetEnabledSchema,
  ruleUpdateSchema,
  type RuleCreateInput,
  type RuleType,
  type RuleUpdateInput,
} from '@/lib/schemas';
import type { z } from 'zod';
import type { RuleStats } from '../broker/rules/types';
import type { Backend } from '../backend';
import { AppError, isUniqueViolation, parseInput } from '../errors';
import type { BrokerSupervisor } from '../supervisor/broker-supervisor';
import { getSupervisor } from '../supervisor/registry';
import { groupService, topicService } from './instance-resources';
import { getInstance } from './instances';
import { getClusterRow } from './rocketmq-clusters';

export interface RuleView {
  instanceId: string;
  ruleId: string;
  description: string;
  enabled: boolean;
  type: RuleType;
  source: string;
  target: string;
  clusterId: number;
  clusterName: string;
  createdAt: number;
  updatedAt: number;
}

/** A rule with its counters as the broker reports them (null while the broker is not running). */
export type RuleWithStats = RuleView & { stats: RuleStats | null };

type Ref = z.input<typeof ruleRefSchema>;

function clusterNames({ db }: Backend): Map<number, string> {
  return new Map(db.select({ id: rocketmqClusters.id, name: rocketmqClusters.name }).from(rocketmqClusters).all().map((c) => [c.id, c.name]));
}

const view = (row: RuleRow, names: Map<number, string>): RuleView => ({
  instanceId: row.instanceId,
  ruleId: row.ruleId,
  description: row.description,
  enabled: row.enabled,
  type: row.type,
  source: row.source,
  target: row.target,
  clusterId: row.clusterId,
  clusterName: names.get(row.clusterId) ?? '',
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

function findRow({ db }: Backend, instanceId: string, ruleId: string): RuleRow | undefined {
  return db
    .select()
    .from(rules)
    .where(and(eq(rules.instanceId, instanceId), eq(rules.ruleId, ruleId)))
    .get();
}

function getRow(backend: Backend, ref: Ref): RuleRow {
  const { instanceId, ruleId } = parseInput(ruleRefSchema, ref);
  getInstance(backend, instanceId);
  const row = findRow(backend, instanceId, ruleId);
  if (!row) throw new AppError('NOT_FOUND', 'e.notFound.rule', { instanceId, ruleId }, 'ruleId');
  return row;
}

/** Our end of the rule must exist: a parent topic or a Group ID of the instance. */
function assertOurEndExists(backend: Backend, instanceId: string, type: RuleType, source: string, target: string): void {
  const expectExisting = (kind: 'topic' | 'group', name: string, field: 'source' | 'target') => {
    try {
      (kind === 'topic' ? topicService : groupService).get(backend, { instanceId, name });
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') {
        throw new AppError('NOT_FOUND', kind === 'topic' ? 'e.rule.noTopic' : 'e.rule.noGroup', { name, instanceId }, field);
      }
      throw err;
    }
  };
  if (type === 'outflow') expectExisting('topic', source, 'source');
  if (type === 'inflow') expectExisting('topic', target, 'target');
  if (type === 'status') expectExisting('group', source, 'source');
}

function assertSourceFree(backend: Backend, instanceId: string, type: RuleType, source: string, exceptId?: number): void {
  const other = backend.db
    .select()
    .from(rules)
    .where(and(eq(rules.instanceId, instanceId), eq(rules.type, type), eq(rules.source, source)))
    .get();
  if (other && other.id !== exceptId) {
    throw new AppError('CONFLICT', `e.rule.duplicateSource.${type}`, { other: other.ruleId, source }, 'source');
  }
}

export function listRules(backend: Backend, instanceId: string): RuleView[] {
  const id = parseInput(instanceIdSchema, instanceId);
  getInstance(backend, id);
  const names = clusterNames(backend);
  return backend.db
    .select()
    .from(rules)
    .where(eq(rules.instanceId, id))
    .orderBy(asc(rules.ruleId))
    .all()
    .map((r) => view(r, names));
}

export function getRule(backend: Backend, ref: Ref): RuleView {
  return view(getRow(backend, ref), clusterNames(backend));
}

export function createRule(backend: Backend, input: RuleCreateInput, now = Date.now()): RuleView {
  const data = parseInput(ruleCreateSchema, input);
  // Checks and insert in one write transaction: a parent topic or Group ID deleted meanwhile
  // (its delete refuses while a rule uses it) cannot leave the new rule pointing at nothing.
  return backend.db.transaction(() => insertRule(backend, data, now), { behavior: 'immediate' });
}

function insertRule(backend: Backend, data: z.output<typeof ruleCreateSchema>, now: number): RuleView {
  getInstance(backend, data.instanceId);
  if (findRow(backend, data.instanceId, data.ruleId)) {
    throw new AppError('CONFLICT', 'e.duplicate.rule', { ruleId: data.ruleId }, 'ruleId');
  }
  const existing = backend.db.select({ n: count() }).from(rules).where(eq(rules.instanceId, data.instanceId)).get()!.n;
  if (existing >= RULES_PER_INSTANCE) throw new AppError('PRECONDITION_FAILED', 'e.rule.limit', { max: RULES_PER_INSTANCE });
  assertOurEndExists(backend, data.instanceId, data.type, data.source, data.target);
  assertSourceFree(backend, data.instanceId, data.type, data.source);
  getClusterRow(backend, data.clusterId);
  try {
    const row = backend.db
      .insert(rules)
      .values({
        instanceId: data.instanceId,
        ruleId: data.ruleId,
        description: data.description,
        enabled: data.enabled,
        type: data.type,
        source: data.source,
        target: data.target,
        clusterId: data.clusterId,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    return view(row, clusterNames(backend));
  } catch (err) {
    // Raced with another create: say which uniqueness it was.
    if (isUniqueViolation(err)) {
      if (findRow(backend, data.instanceId, data.ruleId)) throw new AppError('CONFLICT', 'e.duplicate.rule', { ruleId: data.ruleId }, 'ruleId');
      assertSourceFree(backend, data.instanceId, data.type, data.source);
    }
    throw err;
  }
}

/** Changes everything but the ID and the type; source and target are checked by the type. */
export function updateRule(backend: Backend, input: RuleUpdateInput, now = Date.now()): RuleView {
  const data = parseInput(ruleUpdateSchema, input);
  return backend.db.transaction(() => changeRule(backend, data, now), { behavior: 'immediate' });
}

function changeRule(backend: Backend, data: z.output<typeof ruleUpdateSchema>, now: number): RuleView {
  const row = getRow(backend, data);
  const ends = parseInput(ruleEndsSchema(row.type), { type: row.type, source: data.source, target: data.target });
  const source = ends.source?.trim() ?? row.source;
  const target = ends.target?.trim() ?? row.target;
  assertOurEndExists(backend, row.instanceId, row.type, source, target);
  if (source !== row.source) assertSourceFree(backend, row.instanceId, row.type, source, row.id);
  if (data.clusterId !== undefined) getClusterRow(backend, data.clusterId);
  try {
    const updated = backend.db
      .update(rules)
      .set({
        description: data.description ?? row.description,
        enabled: data.enabled ?? row.enabled,
        source,
        target,
        clusterId: data.clusterId ?? row.clusterId,
        updatedAt: now,
      })
      .where(eq(rules.id, row.id))
      .returning()
      .get()!;
    return view(updated, clusterNames(backend));
  } catch (err) {
    if (isUniqueViolation(err)) assertSourceFree(backend, row.instanceId, row.type, source, row.id);
    throw err;
  }
}

export function setRuleEnabled(backend: Backend, input: z.input<typeof ruleSetEnabledSchema>, now = Date.now()): RuleView {
  const data = parseInput(ruleSetEnabledSchema, input);
  const row = getRow(backend, data);
  const updated = backend.db.update(rules).set({ enabled: data.enabled, updatedAt: now }).where(eq(rules.id, row.id)).returning().get()!;
  return view(updated, clusterNames(backend));
}

export function deleteRule(backend: Backend, ref: Ref): RuleView {
  const row = getRow(backend, ref);
  backend.db.delete(rules).where(eq(rules.id, row.id)).run();
  return view(row, clusterNames(backend));
}

/**
 * The rules with the broker's counters. When the broker does not answer (not running, or
 * no rule engine yet) the rules come back with `stats: null` and the reason.
 */
export async function listRulesWithStats(
  backend: Backend,
  instanceId: string,
  supervisor: BrokerSupervisor | undefined = getSupervisor(),
): Promise<{ rules: RuleWithStats[]; statsError: string | null }> {
  const list = listRules(backend, instanceId);
  let stats: Record<string, RuleStats> | null = null;
  let statsError: string | null = null;
  if (!supervisor || supervisor.status().state !== 'running') {
    statsError = 'the broker is not running';
  } else {
    try {
      stats = await supervisor.request<Record<string, RuleStats>>('ruleStats', { instanceId }, 3000);
    } catch (err) {
      statsError = err instanceof Error ? err.message : String(err);
    }
  }
  return { rules: list.map((r) => ({ ...r, stats: stats?.[r.ruleId] ?? null })), statsError };
}
