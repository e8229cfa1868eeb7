/** Client lookup (PRODUCT.md §8): by client ID, by Group ID, by topic; and "disconnect". Answered by the broker process. */
import { clientLookupSchema, groupLookupSchema, topicLookupSchema } from '@/lib/schemas';
import { disconnectClient, lookupClient, lookupGroup, lookupTopic } from '../../services/client-lookup';
import { protectedProcedure, router } from '../trpc';

export const clientsRouter = router({
  byClientId: protectedProcedure.input(clientLookupSchema).query(({ ctx, input }) => lookupClient(ctx.backend, input)),
  byGroup: protectedProcedure.input(groupLookupSchema).query(({ ctx, input }) => lookupGroup(ctx.backend, input)),
  byTopic: protectedProcedure.input(topicLookupSchema).query(({ ctx, input }) => lookupTopic(ctx.backend, input)),
  disconnect: protectedProcedure.input(clientLookupSchema).mutation(({ ctx, input }) => disconnectClient(ctx.backend, input)),
});
