import { z } from 'zod';
import { getPublicHost, setPublicHost } from '../../services/settings';
import { protectedProcedure, router } from '../trpc';

export const settingsRouter = router({
  get: protectedProcedure.query(({ ctx }) => ({ publicHost: getPublicHost(ctx.backend) })),
  setPublicHost: protectedProcedure
    .input(z.object({ publicHost: z.string() }))
    .mutation(({ ctx, input }) => ({ publicHost: setPublicHost(ctx.backend, input.publicHost) })),
});
