/** Topic permissions of an instance: allow/deny rules on topic filters (list, create, delete). */
import { z } from 'zod';
import { instanceIdSchema, permissionCreateSchema, permissionRefSchema } from '@/lib/schemas';
import { permissionService } from '../../services/topic-permissions';
import { protectedProcedure, router } from '../trpc';

export const permissionsRouter = router({
  list: protectedProcedure
    .input(z.object({ instanceId: instanceIdSchema }))
    .query(({ ctx, input }) => permissionService.list(ctx.backend, input.instanceId)),
  create: protectedProcedure
    .input(permissionCreateSchema)
    .mutation(({ ctx, input }) => permissionService.create(ctx.backend, input)),
  delete: protectedProcedure.input(permissionRefSchema).mutation(({ ctx, input }) => {
    permissionService.remove(ctx.backend, input);
    return { ok: true };
  }),
});
