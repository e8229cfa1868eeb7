/**
 * Client lookup (PRODUCT.md §8): the console asks the broker process, which alone knows who is
 * connected (control methods in server/broker/control/). This side checks the input and that
 * the instance exists, so the user gets a clear message under the right field.
 */
import { and, eq } from 'drizzle-orm';
import { groups } from '@/db/schema';
import {
  clientLookupSchema,
  groupLookupSchema,
  topicLookupSchema,
  type GroupLookupInput,
  type TopicLookupInput,
} from '@/lib/schemas';
import type { Backend } from '../backend';
import type { ClientLookup } from '../broker/control/client-lookup';
import type { GroupClients } from '../broker/control/group-clients';
import type { TopicSubscribers } from '../broker/control/topic-subscribers';
import { AppError, parseInput } from '../errors';
import type { BrokerSupervisor } from '../supervisor/broker-supervisor';
import { getSupervisor } from '../supervisor/registry';
import { getInstance } from './instances';

async function ask<T>(supervisor: BrokerSupervisor | undefined, method: string, params: unknown): Promise<T> {
  if (!supervisor || supervisor.status().state !== 'running') throw new AppError('PRECONDITION_FAILED', 'e.clients.brokerNotRunning');
  try {
    return await supervisor.request<T>(method, params, 5000);
  } catch (err) {
    throw new AppError('PRECONDITION_FAILED', 'e.clients.lookupFailed', { reason: err instanceof Error ? err.message : String(err) });
  }
}

export function lookupClient(backend: Backend, input: unknown, supervisor = getSupervisor()): Promise<ClientLookup> {
  const data = parseInput(clientLookupSchema, input);
  const instance = getInstance(backend, data.instanceId);
  return ask<ClientLookup>(supervisor, 'clientLookup', { instanceId: instance.id, clientId: data.clientId });
}

export async function lookupGroup(
  backend: Backend,
  input: GroupLookupInput,
  supervisor = getSupervisor(),
): Promise<GroupClients & { known: boolean }> {
  const data = parseInput(groupLookupSchema, input);
  const instance = getInstance(backend, data.instanceId);
  const result = await ask<GroupClients>(supervisor, 'groupClients', {
    instanceId: instance.id,
    groupId: data.groupId,
    offset: data.offset,
    limit: data.limit,
  });
  // Clients of a group that was never created can be online only in open mode: the page says so.
  const known =
    backend.db
      .select({ name: groups.name })
      .from(groups)
      .where(and(eq(groups.instanceId, instance.id), eq(groups.name, data.groupId)))
      .get() !== undefined;
  return { ...result, known };
}

export function lookupTopic(backend: Backend, input: TopicLookupInput, supervisor = getSupervisor()): Promise<TopicSubscribers> {
  const data = parseInput(topicLookupSchema, input);
  const instance = getInstance(backend, data.instanceId);
  return ask<TopicSubscribers>(supervisor, 'topicSubscribers', {
    instanceId: instance.id,
    topic: data.topic,
    offset: data.offset,
    limit: data.limit,
  });
}

/** Closes the client's live connections; NOT_FOUND when it is not online (nothing to close). */
export async function disconnectClient(backend: Backend, input: unknown, supervisor = getSupervisor()): Promise<{ disconnected: number }> {
  const data = parseInput(clientLookupSchema, input);
  const instance = getInstance(backend, data.instanceId);
  const result = await ask<{ disconnected: number }>(supervisor, 'disconnectClient', { instanceId: instance.id, clientId: data.clientId });
  if (result.disconnected === 0) throw new AppError('NOT_FOUND', 'e.clients.notOnline', { clientId: data.clientId });
  return result;
}
