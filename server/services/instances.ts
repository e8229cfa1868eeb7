/** Instances: create, list, change, delete, and the endpoint URLs a client dials. */
import crypto from 'node:crypto';
import { asc, count, eq } from 'drizzle-orm';
import { groups, instances, topics, type Instance } from '@/db/schema';
import { instanceCreateSchema, instanceIdSchema, instanceUpdateSchema, type InstanceCreateInput } from '@/lib/schemas';
import type { Backend } from '../backend';
import { AppError, isUniqueViolation, parseInput } from '../errors';
import { allocatePorts, isPortFree, portsInUse } from './ports';
import { getPublicHost } from './settings';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `mqtt-cn-` + 12 random lowercase letters and digits, as the cloud service names them. */
export function newInstanceId(): string {
  const bytes = crypto.randomBytes(12);
  let suffix = '';
  for (const b of bytes) suffix += ID_ALPHABET[b % ID_ALPHABET.length];
  return `mqtt-cn-${suffix}`;
}

export interface InstanceSummary extends Instance {
  topicCount: number;
  groupCount: number;
}

export function listInstances({ db }: Backend): InstanceSummary[] {
  const rows = db.select().from(instances).orderBy(asc(instances.createdAt), asc(instances.name)).all();
  const topicCounts = new Map(
    db.select({ id: topics.instanceId, n: count() }).from(topics).groupBy(topics.instanceId).all().map((r) => [r.id, r.n]),
  );
  const groupCounts = new Map(
    db.select({ id: groups.instanceId, n: count() }).from(groups).groupBy(groups.instanceId).all().map((r) => [r.id, r.n]),
  );
  return rows.map((r) => ({ ...r, topicCount: topicCounts.get(r.id) ?? 0, groupCount: groupCounts.get(r.id) ?? 0 }));
}

export function getInstance({ db }: Backend, id: string): Instance {
  const valid = parseInput(instanceIdSchema, id);
  const row = db.select().from(instances).where(eq(instances.id, valid)).get();
  if (!row) throw new AppError('NOT_FOUND', 'e.notFound.instance', { id: valid });
  return row;
}

function assertNameFree({ db }: Backend, name: string, exceptId?: string): void {
  const clash = db.select({ id: instances.id }).from(instances).where(eq(instances.name, name)).get();
  if (clash && clash.id !== exceptId) throw new AppError('CONFLICT', 'e.duplicate.instance', { name }, 'name');
}

/** How often ports are picked again when a concurrent create took them first. */
const PORT_ATTEMPTS = 10;

export async function createInstance(
  backend: Backend,
  input: InstanceCreateInput,
  /** Whether a port can be bound; tests replace the real probe. */
  isFree: (port: number) => Promise<boolean> = isPortFree,
): Promise<Instance> {
  const data = parseInput(instanceCreateSchema, input);
  assertNameFree(backend, data.name);
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const ports = await allocatePorts(backend.db, isFree);
    try {
      // Picking ports awaits the probes, so another create (in this process, or the CLI in
      // another) may have taken the same ones meanwhile: check again and insert in one
      // write transaction, and pick again when they are gone.
      const row = backend.db.transaction(
        () => {
          const used = portsInUse(backend.db);
          if (Object.values(ports).some((p) => used.has(p))) return undefined;
          return backend.db
            .insert(instances)
            .values({ id: newInstanceId(), ...data, ...ports })
            .returning()
            .get();
        },
        { behavior: 'immediate' },
      );
      if (row) return row;
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'e.duplicate.instance', { name: data.name }, 'name');
      throw err;
    }
  }
  throw new AppError('CONFLICT', 'e.noFreePorts');
}

export function updateInstance(backend: Backend, input: unknown): Instance {
  const { id, ...changes } = parseInput(instanceUpdateSchema, input);
  getInstance(backend, id);
  if (changes.name !== undefined) assertNameFree(backend, changes.name, id);
  const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return getInstance(backend, id);
  try {
    return backend.db.update(instances).set(set).where(eq(instances.id, id)).returning().get()!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'e.duplicate.instance', { name: changes.name ?? '' }, 'name');
    throw err;
  }
}

/**
 * Deletes an instance and everything that belongs to it (topics and groups cascade).
 * `confirmName` must be the instance's name, typed by the user.
 */
export function deleteInstance(backend: Backend, id: string, confirmName: string): void {
  const instance = getInstance(backend, id);
  if (confirmName !== instance.name) {
    throw new AppError('BAD_REQUEST', 'e.deleteConfirm', { name: instance.name }, 'confirmName');
  }
  backend.db.delete(instances).where(eq(instances.id, instance.id)).run();
}

export interface Endpoint {
  kind: 'tcp' | 'tls' | 'ws' | 'wss';
  url: string;
  host: string;
  port: number;
}

export function endpointsOf(instance: Instance, host: string): Endpoint[] {
  // IPv6 literals need brackets inside URLs.
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return [
    { kind: 'tcp', url: `mqtt://${h}:${instance.tcpPort}`, host, port: instance.tcpPort },
    { kind: 'tls', url: `mqtts://${h}:${instance.tlsPort}`, host, port: instance.tlsPort },
    { kind: 'ws', url: `ws://${h}:${instance.wsPort}/mqtt`, host, port: instance.wsPort },
    { kind: 'wss', url: `wss://${h}:${instance.wssPort}/mqtt`, host, port: instance.wssPort },
  ];
}

export function instanceEndpoints(backend: Backend, id: string): Endpoint[] {
  return endpointsOf(getInstance(backend, id), getPublicHost(backend));
}
