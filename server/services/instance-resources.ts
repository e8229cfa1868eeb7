/**
 * Parent topics and Group IDs: named resources inside an instance with the same life cycle
 * (create with a description, list, edit the description, delete; the name never changes).
 * One implementation serves both; topics.ts and groups.ts bind it to their table and rules.
 * A parent topic or Group ID that a rule uses cannot be deleted until the rule is gone.
 */
import { and, asc, eq, or } from 'drizzle-orm';
import type { z } from 'zod';
import { groups, rules, topics } from '@/db/schema';
import type { MessageKey } from '@/lib/i18n';
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

    /** Refused while rules use it (the message names them): a rule must never point at nothing. */
    remove(backend: Backend, ref: z.input<typeof topicRefSchema>): void {
      // One write transaction, so that a rule created meanwhile (by the CLI, say) is seen.
      backend.db.transaction(
        () => {
          const row = get(backend, ref);
          assertUnusedByRules(backend, kind, row);
          backend.db.delete(table).where(eq(table.id, row.id)).run();
        },
        { behavior: 'immediate' },
      );
    },
  };
}

/**
 * The rules of the resource's instance that use it: a parent topic is the source of outflow
 * rules and the target of inflow rules; a Group ID is the source of client status rules.
 */
export function rulesUsing({ db }: Backend, kind: 'topic' | 'group', row: Pick<InstanceResource, 'instanceId' | 'name'>): string[] {
  const uses =
    kind === 'topic'
      ? or(and(eq(rules.type, 'outflow'), eq(rules.source, row.name)), and(eq(rules.type, 'inflow'), eq(rules.target, row.name)))
      : and(eq(rules.type, 'status'), eq(rules.source, row.name));
  return db
    .select({ ruleId: rules.ruleId })
    .from(rules)
    .where(and(eq(rules.instanceId, row.instanceId), uses))
    .orderBy(asc(rules.ruleId))
    .all()
    .map((r) => r.ruleId);
}

/** The refusal's text, by what is being deleted and how many rules use it. */
const IN_USE: Record<'topic' | 'group', { one: MessageKey; many: MessageKey }> = {
  topic: { one: 'e.topic.inUse.one', many: 'e.topic.inUse.many' },
  group: { one: 'e.group.inUse.one', many: 'e.group.inUse.many' },
};

function assertUnusedByRules(backend: Backend, kind: 'topic' | 'group', row: InstanceResource): void {
  const used = rulesUsing(backend, kind, row);
  if (used.length === 0) return;
  const text = used.length === 1 ? IN_USE[kind].one : IN_USE[kind].many;
  throw new AppError('PRECONDITION_FAILED', text, { name: row.name, count: used.length, rules: used.join(', ') });
}

export const topicService = instanceResourceService(topics, topicCreateSchema, 'topic');
export const groupService = instanceResourceService(groups, groupCreateSchema, 'group');
