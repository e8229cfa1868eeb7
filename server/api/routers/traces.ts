/**
 * Message trace and device trace (PRODUCT.md §7), read from the broker's telemetry.db:
 * a message by ID (origin and every delivery), the messages of a client or of a topic, and a
 * device's connects, disconnects and closes. Lists are paged newest first (see
 * server/telemetry/trace-queries.ts); every query names an existing instance.
 */
import { clientMessagesSchema, deviceTraceSchema, messageTraceSchema, topicMessagesSchema } from '@/lib/schemas';
import type { Backend } from '../../backend';
import { getInstance } from '../../services/instances';
import { readRetentionDays } from '../../telemetry/settings';
import { pageOf, telemetryReader } from '../../telemetry/trace-queries';
import { protectedProcedure, router } from '../trpc';

/** Refuses an unknown instance (NOT_FOUND, e.notFound.instance). */
function reader(backend: Backend, instanceId: string) {
  getInstance(backend, instanceId);
  return telemetryReader(backend.config.dataDir);
}

export const tracesRouter = router({
  /** The message's life: origin, then deliveries with their acknowledgements; `trace` null when not found on this instance. */
  message: protectedProcedure.input(messageTraceSchema).query(({ ctx, input }) => {
    const trace = reader(ctx.backend, input.instanceId).traceMessage(input.messageId);
    return {
      trace: trace && trace.instanceId === input.instanceId ? trace : null,
      retentionDays: readRetentionDays(ctx.backend.db),
    };
  }),

  /** Everything the client sent or received in the range. */
  byClient: protectedProcedure.input(clientMessagesSchema).query(({ ctx, input }) => {
    const r = reader(ctx.backend, input.instanceId);
    return pageOf(input, (to, limit) => r.messagesOfClient({ instanceId: input.instanceId, clientId: input.clientId, from: input.from, to, limit }));
  }),

  /** The messages published on the topic (exact name) in the range. */
  byTopic: protectedProcedure.input(topicMessagesSchema).query(({ ctx, input }) => {
    const r = reader(ctx.backend, input.instanceId);
    return pageOf(input, (to, limit) => r.messagesOfTopic({ instanceId: input.instanceId, topic: input.topic, from: input.from, to, limit }));
  }),

  /** The device's connects, disconnects and closes in the range (at most a day). */
  device: protectedProcedure.input(deviceTraceSchema).query(({ ctx, input }) => {
    const r = reader(ctx.backend, input.instanceId);
    const page = pageOf(input, (to, limit) => r.deviceEvents({ instanceId: input.instanceId, clientId: input.clientId, from: input.from, to, limit }));
    return { clientId: input.clientId, ...page };
  }),
});
