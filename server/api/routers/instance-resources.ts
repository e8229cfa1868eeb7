/** The topics and groups routers: the same procedures over the two instance resources. */
import { z } from 'zod';
import { describeSchema, groupCreateSchema, instanceIdSchema, topicCreateSchema, topicRefSchema } from '@/lib/schemas';
import { groupService, topicService } from '../../services/instance-resources';
import { protectedProcedure, router } from '../trpc';

function resourceRouter(
  service: typeof topicService,
  createSchema: typeof topicCreateSchema | typeof groupCreateSchema,
) {
  return router({
    list: protectedProcedure
      .input(z.object({ instanceId: instanceIdSchema }))
      .query(({ ctx, input }) => service.list(ctx.backend, input.instanceId)),
    create: protectedProcedure.input(createSchema).mutation(({ ctx, input }) => service.create(ctx.backend, input)),
    describe: protectedProcedure.input(describeSchema).mutation(({ ctx, input }) => service.describe(ctx.backend, input)),
    delete: protectedProcedure.input(topicRefSchema).mutation(({ ctx, input }) => {
      service.remove(ctx.backend, input);
      return { ok: true };
    }),
  });
}

export const topicsRouter = resourceRouter(topicService, topicCreateSchema);
export const groupsRouter = resourceRouter(groupService, groupCreateSchema);
