/**
 * Per-instance topic permissions: allow/deny rules on MQTT topic filters for publish and/or
 * subscribe. A rule is addressed by instance + filter + action (unique together); to change
 * one, delete it and create it again. The broker reads the rules (server/broker/main.ts) and
 * applies them with server/broker/policy/topic-permissions.ts.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { topicPermissions, type TopicPermission } from '@/db/schema';
import { permissionCreateSchema, permissionRefSchema } from '@/lib/schemas';
import type { Backend } from '../backend';
import { AppError, isUniqueViolation, parseInput } from '../errors';
import { getInstance } from './instances';

type Ref = z.output<typeof permissionRefSchema>;

function find({ db }: Backend, { instanceId, filter, action }: Ref): TopicPermission | undefined {
  return db
    .select()
    .from(topicPermissions)
    .where(
      and(eq(topicPermissions.instanceId, instanceId), eq(topicPermissions.filter, filter), eq(topicPermissions.action, action)),
    )
    .get();
}

export const permissionService = {
  /** The instance's rules, sorted by filter, then action. */
  list(backend: Backend, instanceId: string): TopicPermission[] {
    getInstance(backend, instanceId);
    return backend.db
      .select()
      .from(topicPermissions)
      .where(eq(topicPermissions.instanceId, instanceId))
      .orderBy(asc(topicPermissions.filter), asc(topicPermissions.action))
      .all();
  },

  get(backend: Backend, input: z.input<typeof permissionRefSchema>): TopicPermission {
    const ref = parseInput(permissionRefSchema, input);
    getInstance(backend, ref.instanceId);
    const row = find(backend, ref);
    if (!row) throw new AppError('NOT_FOUND', 'e.notFound.permission', { ...ref });
    return row;
  },

  create(backend: Backend, input: z.input<typeof permissionCreateSchema>): TopicPermission {
    const data = parseInput(permissionCreateSchema, input);
    getInstance(backend, data.instanceId);
    const duplicate = () => new AppError('CONFLICT', 'e.duplicate.permission', { filter: data.filter, action: data.action }, 'filter');
    if (find(backend, data)) throw duplicate();
    try {
      return backend.db.insert(topicPermissions).values(data).returning().get();
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate();
      throw err;
    }
  },

  remove(backend: Backend, input: z.input<typeof permissionRefSchema>): TopicPermission {
    const row = permissionService.get(backend, input);
    backend.db.delete(topicPermissions).where(eq(topicPermissions.id, row.id)).run();
    return row;
  },
};
