/**
 * RocketMQ clusters (PRODUCT.md section 6): where the rules send to and receive from. The
 * AccessKey secret is sealed (server/crypto/secret-box.ts: the broker needs it to sign its
 * requests) and write-only: no view ever carries it, only whether one is stored.
 *
 * "Test connection" is answered by the broker process, the one that talks to RocketMQ, through
 * the supervisor's control channel (method `rocketmqTest`).
 */
import { asc, eq, sql } from 'drizzle-orm';
import { rocketmqClusters, rules, type RocketmqClusterRow } from '@/db/schema';
import {
  clusterCreateSchema,
  clusterIdSchema,
  clusterTestSchema,
  clusterUpdateSchema,
  type ClusterCreateInput,
  type ClusterUpdateInput,
} from '@/lib/schemas';
import type { z } from 'zod';
import type { Backend } from '../backend';
import { AppError, isUniqueViolation, parseInput } from '../errors';
import type { BrokerSupervisor } from '../supervisor/broker-supervisor';
import { getSupervisor } from '../supervisor/registry';

export interface ClusterView {
  id: number;
  name: string;
  endpoints: string;
  namespace: string;
  /** The AccessKey (not secret); '' when the cluster needs no credentials. */
  accessKey: string;
  /** Whether a SecretKey is stored (it is never shown back). */
  hasSecret: boolean;
  description: string;
  createdAt: number;
  /** How many rules (of any instance) use the cluster. */
  ruleCount: number;
}

/** What the broker's `rocketmqTest` answers: one line per thing it tried. */
export interface ClusterTestResult {
  checks: Array<{ name: string; ok: boolean; detail: string }>;
}

function ruleCounts({ db }: Backend): Map<number, number> {
  const rows = db
    .select({ clusterId: rules.clusterId, count: sql<number>`count(*)` })
    .from(rules)
    .groupBy(rules.clusterId)
    .all();
  return new Map(rows.map((r) => [r.clusterId, r.count]));
}

const view = (row: RocketmqClusterRow, ruleCount: number): ClusterView => ({
  id: row.id,
  name: row.name,
  endpoints: row.endpoints,
  namespace: row.namespace,
  accessKey: row.accessKey ?? '',
  hasSecret: row.secretEncrypted !== null && row.secretEncrypted !== '',
  description: row.description,
  createdAt: row.createdAt,
  ruleCount,
});

export function getClusterRow(backend: Backend, id: unknown): RocketmqClusterRow {
  const clusterId = parseInput(clusterIdSchema, id);
  const row = backend.db.select().from(rocketmqClusters).where(eq(rocketmqClusters.id, clusterId)).get();
  if (!row) throw new AppError('NOT_FOUND', 'e.notFound.cluster', { id: clusterId }, 'clusterId');
  return row;
}

/** A cluster by its ID or its name (the CLI's --cluster). */
export function clusterIdByRef(backend: Backend, ref: string): number {
  if (/^\d+$/.test(ref)) return getClusterRow(backend, ref).id;
  const row = backend.db.select().from(rocketmqClusters).where(eq(rocketmqClusters.name, ref)).get();
  if (!row) throw new AppError('NOT_FOUND', 'e.notFound.cluster', { id: ref }, 'clusterId');
  return row.id;
}

export function listClusters(backend: Backend): ClusterView[] {
  const counts = ruleCounts(backend);
  return backend.db
    .select()
    .from(rocketmqClusters)
    .orderBy(asc(rocketmqClusters.name))
    .all()
    .map((r) => view(r, counts.get(r.id) ?? 0));
}

export function getCluster(backend: Backend, id: unknown): ClusterView {
  const row = getClusterRow(backend, id);
  return view(row, ruleCounts(backend).get(row.id) ?? 0);
}

function assertNameFree(backend: Backend, name: string, exceptId?: number): void {
  const other = backend.db.select().from(rocketmqClusters).where(eq(rocketmqClusters.name, name)).get();
  if (other && other.id !== exceptId) throw new AppError('CONFLICT', 'e.duplicate.cluster', { name }, 'name');
}

function writeGuarded<T>(name: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'e.duplicate.cluster', { name }, 'name');
    throw err;
  }
}

export function createCluster(backend: Backend, input: ClusterCreateInput, now = Date.now()): ClusterView {
  const data = parseInput(clusterCreateSchema, input);
  assertNameFree(backend, data.name);
  const row = writeGuarded(data.name, () =>
    backend.db
      .insert(rocketmqClusters)
      .values({
        name: data.name,
        endpoints: data.endpoints,
        namespace: data.namespace,
        accessKey: data.accessKey || null,
        secretEncrypted: data.secretKey ? backend.secrets.seal(data.secretKey) : null,
        description: data.description,
        createdAt: now,
      })
      .returning()
      .get(),
  );
  return view(row, 0);
}

/**
 * Changes what is given. An empty or missing secretKey keeps the stored secret; clearing the
 * AccessKey clears the secret too (a cluster without credentials).
 */
export function updateCluster(backend: Backend, input: ClusterUpdateInput): ClusterView {
  const data = parseInput(clusterUpdateSchema, input);
  const row = getClusterRow(backend, data.id);
  const set: Partial<RocketmqClusterRow> = {};
  if (data.name !== undefined && data.name !== row.name) {
    assertNameFree(backend, data.name, row.id);
    set.name = data.name;
  }
  if (data.endpoints !== undefined) set.endpoints = data.endpoints;
  if (data.namespace !== undefined) set.namespace = data.namespace;
  if (data.description !== undefined) set.description = data.description;
  const accessKey = data.accessKey ?? row.accessKey ?? '';
  const newSecret = data.secretKey ?? '';
  if (accessKey === '') {
    if (newSecret !== '') throw new AppError('BAD_REQUEST', 'v.cluster.accessKeyMissing', {}, 'accessKey');
    set.accessKey = null;
    set.secretEncrypted = null;
  } else {
    if (newSecret === '' && !row.secretEncrypted) throw new AppError('BAD_REQUEST', 'e.cluster.secretMissing', {}, 'secretKey');
    set.accessKey = accessKey;
    if (newSecret !== '') set.secretEncrypted = backend.secrets.seal(newSecret);
  }
  const updated = writeGuarded(set.name ?? row.name, () =>
    backend.db.update(rocketmqClusters).set(set).where(eq(rocketmqClusters.id, row.id)).returning().get()!,
  );
  return view(updated, ruleCounts(backend).get(row.id) ?? 0);
}

/** Refused while rules use the cluster (the message names them). */
export function deleteCluster(backend: Backend, id: unknown): ClusterView {
  const row = getClusterRow(backend, id);
  const users = backend.db
    .select({ instanceId: rules.instanceId, ruleId: rules.ruleId })
    .from(rules)
    .where(eq(rules.clusterId, row.id))
    .orderBy(asc(rules.instanceId), asc(rules.ruleId))
    .all();
  if (users.length > 0) {
    const shown = users.slice(0, 5).map((u) => `${u.instanceId}/${u.ruleId}`);
    if (users.length > 5) shown.push('…');
    throw new AppError('PRECONDITION_FAILED', 'e.cluster.inUse', { name: row.name, count: users.length, rules: shown.join(', ') });
  }
  backend.db.delete(rocketmqClusters).where(eq(rocketmqClusters.id, row.id)).run();
  return view(row, 0);
}

/**
 * Asks the broker to try the cluster: endpoints reachable, credentials accepted and, given a
 * topic, whether it exists and can be produced to.
 */
export async function testCluster(
  backend: Backend,
  input: z.input<typeof clusterTestSchema>,
  supervisor: BrokerSupervisor | undefined = getSupervisor(),
): Promise<ClusterTestResult> {
  const data = parseInput(clusterTestSchema, input);
  const row = getClusterRow(backend, data.id);
  if (!supervisor || supervisor.status().state !== 'running') {
    throw new AppError('PRECONDITION_FAILED', 'e.cluster.brokerNotRunning');
  }
  let answer: ClusterTestResult;
  try {
    answer = await supervisor.request<ClusterTestResult>('rocketmqTest', { clusterId: row.id, topic: data.topic }, 15_000);
  } catch (err) {
    throw new AppError('PRECONDITION_FAILED', 'e.cluster.testFailed', { reason: err instanceof Error ? err.message : String(err) });
  }
  const checks = Array.isArray(answer?.checks) ? answer.checks : [];
  return {
    checks: checks.map((c) => ({ name: String(c.name), ok: c.ok === true, detail: String(c.detail ?? '') })),
  };
}
