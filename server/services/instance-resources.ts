/**
 * Parent topics and Group IDs: named resources inside an instance with the same life cycle
 * (create with a description, list, edit the description, delete; the name never changes).
 * One implementation serves both; topics.ts and groups.ts bind it to their table and rules.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { groups, topics } from '@/db/schema';
import { describeSchema, groupCreateSchema, topicCreateSchema, topicRefSchema } from '@/lib/schemas';
import type { Backend } from '../backend';
import { AppError, isUniqueViolation, parseInput } from '../errors';
import { getInstance } from './instances';

type Table = typeof topics | typeof groups;
export type InstanceResource = typeof topics.$inferSelect;

function instanceResourceService(
  table: Table,
  createSchema: typeof topicCreateSchema | typeof groupCreateSchema,
  kind: 'topic' | 'group',
) {
  const duplicateKey = kind === 'topic' ? 'e.duplicate.topic' : 'e.duplicate.group';
  const notFoundKey = kind === 'topic' ? 'e.notFound.topic' : 'e.notFound.group';

  function find({ db }: Backend, instanceId: string, name: string): InstanceResource | undefined {
    return db
      .select()
      .from(table)
      .where(and(eq(table.instanceId, instanceId), eq(table.name, name)))
      .get();
  }

  function get(backend: Backend, ref: z.input<typeof topicRefSchema>): InstanceResource {
    const { instanceId, name } = parseInput(topicRefSchema, ref);
    getInstance(backend, instanceId);
    const row = find(backend, instanceId, name);
    if (!row) throw new AppError('NOT_FOUND', notFoundKey, { instanceId, name });
    return row;
  }

  return {
    list(backend: Backend, instanceId: string): InstanceResource[] {
      getInstance(backend, instanceId);
      return backend.db.select().from(table).where(eq(table.instanceId, instanceId)).orderBy(asc(table.name)).all();
    },

    get,

    create(backend: Backend, input: z.input<typeof createSchema>): InstanceResource {
      const data = parseInput(createSchema, input);
      getInstance(backend, data.instanceId);
      if (find(backend, data.instanceId, data.name)) {
        throw new AppError('CONFLICT', duplicateKey, { name: data.name }, 'name');
      }
      try {
        return backend.db.insert(table).values(data).returning().get();
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('CONFLICT', duplicateKey, { name: data.name }, 'name');
        throw err;
      }
    },

    describe(backend: Backend, input: z.input<typeof describeSchema>): InstanceResource {
      const { instanceId, name, description } = parseInput(describeSchema, input);
      const row = get(backend, { instanceId, name });
      return backend.db.update(table).set({ description }).where(eq(table.id, row.id)).returning().get()!;
    },

    remove(backend: Backend, ref: z.input<typeof topicRefSchema>): void {
      const row = get(backend, ref);
      backend.db.delete(table).where(eq(table.id, row.id)).run();
    },
  };
}

export const topicService = instanceResourceService(topics, topicCreateSchema, 'topic');
export const groupService = instanceResourceService(groups, groupCreateSchema, 'group');
