import { z } from 'zod';
import { publicHostSchema, telemetryRetentionDaysSchema } from '@/lib/schemas';
import { getPublicHost, getTelemetryRetentionDays, setPublicHost, setTelemetryRetentionDays } from '../../services/settings';
import { protectedProcedure, router } from '../trpc';

export const settingsRouter = router({
  get: protectedProcedure.query(({ ctx }) => ({ publicHost: getPublicHost(ctx.backend) })),
  setPublicHost: protectedProcedure
    // Checked here so that a failure names its form field.
    .input(z.object({ publicHost: publicHostSchema }))
    .mutation(({ ctx, input }) => ({ publicHost: setPublicHost(ctx.backend, input.publicHost) })),
  /** Days message traces, device traces and statistics are kept (1-365, default 3). */
  telemetryRetention: protectedProcedure.query(({ ctx }) => ({ telemetryRetentionDays: getTelemetryRetentionDays(ctx.backend) })),
  setTelemetryRetention: protectedProcedure
    .input(z.object({ telemetryRetentionDays: telemetryRetentionDaysSchema }))
    .mutation(({ ctx, input }) => ({ telemetryRetentionDays: setTelemetryRetentionDays(ctx.backend, input.telemetryRetentionDays) })),
});
