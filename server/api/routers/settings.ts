import { z } from 'zod';
import { publicHostSchema } from '@/lib/schemas';
import { getPublicHost, setPublicHost } from '../../services/settings';
import { protectedProcedure, router } from '../trpc';

export const settingsRouter = router({
  get: protectedProcedure.query(({ ctx }) => ({ publicHost: getPublicHost(ctx.backend) })),
  setPublicHost: protectedProcedure
    // Checked here so that a failure names its form field.
    .input(z.object({ publicHost: publicHostSchema }))
    .mutation(({ ctx, input }) => ({ publicHost: setPublicHost(ctx.backend, input.publicHost) })),
});
