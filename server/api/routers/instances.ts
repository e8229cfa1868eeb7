import { z } from 'zod';
import { instanceCreateSchema, instanceIdSchema, instanceUpdateSchema } from '@/lib/schemas';
import {
  createInstance,
  deleteInstance,
  getInstance,
  instanceEndpoints,
  listInstances,
  updateInstance,
} from '../../services/instances';
import { protectedProcedure, router } from '../trpc';

const byId = z.object({ id: instanceIdSchema });

export const instancesRouter = router({
  list: protectedProcedure.query(({ ctx }) => listInstances(ctx.backend)),
  get: protectedProcedure.input(byId).query(({ ctx, input }) => getInstance(ctx.backend, input.id)),
  endpoints: protectedProcedure.input(byId).query(({ ctx, input }) => instanceEndpoints(ctx.backend, input.id)),
  create: protectedProcedure.input(instanceCreateSchema).mutation(({ ctx, input }) => createInstance(ctx.backend, input)),
  update: protectedProcedure.input(instanceUpdateSchema).mutation(({ ctx, input }) => updateInstance(ctx.backend, input)),
  delete: protectedProcedure
    .input(byId.extend({ confirmName: z.string() }))
    .mutation(({ ctx, input }) => {
      deleteInstance(ctx.backend, input.id, input.confirmName);
      return { ok: true };
    }),
});
