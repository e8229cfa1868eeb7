import { z } from 'zod';
import { accessKeyCreateSchema, accessKeyIdSchema } from '@/lib/schemas';
import { createAccessKey, deleteAccessKey, listAccessKeys, setAccessKeyEnabled } from '../../services/access-keys';
import { protectedProcedure, router } from '../trpc';

export const accessKeysRouter = router({
  list: protectedProcedure.query(({ ctx }) => listAccessKeys(ctx.backend)),
  /** The response carries the secret: the one and only time it is shown. */
  create: protectedProcedure.input(accessKeyCreateSchema).mutation(({ ctx, input }) => createAccessKey(ctx.backend, input)),
  setEnabled: protectedProcedure
    .input(z.object({ id: accessKeyIdSchema, enabled: z.boolean() }))
    .mutation(({ ctx, input }) => setAccessKeyEnabled(ctx.backend, input.id, input.enabled)),
  delete: protectedProcedure
    .input(z.object({ id: accessKeyIdSchema }))
    .mutation(({ ctx, input }) => {
      deleteAccessKey(ctx.backend, input.id);
      return { ok: true };
    }),
});
