/** Device credentials of an instance: list, get, register, refresh (new secret), unregister. */
import { z } from 'zod';
import { credentialRefSchema, instanceIdSchema } from '@/lib/schemas';
import {
  getDeviceCredential,
  listDeviceCredentials,
  refreshDeviceCredential,
  registerDeviceCredential,
  unregisterDeviceCredential,
} from '../../services/device-credentials';
import { protectedProcedure, router } from '../trpc';

export const deviceCredentialsRouter = router({
  list: protectedProcedure
    .input(z.object({ instanceId: instanceIdSchema }))
    .query(({ ctx, input }) => listDeviceCredentials(ctx.backend, input.instanceId)),
  get: protectedProcedure.input(credentialRefSchema).query(({ ctx, input }) => getDeviceCredential(ctx.backend, input)),
  /** The response carries the secret: the one time it is shown. */
  register: protectedProcedure.input(credentialRefSchema).mutation(({ ctx, input }) => registerDeviceCredential(ctx.backend, input)),
  /** A new secret for the same DeviceAccessKeyId, shown once. */
  refresh: protectedProcedure.input(credentialRefSchema).mutation(({ ctx, input }) => refreshDeviceCredential(ctx.backend, input)),
  unregister: protectedProcedure.input(credentialRefSchema).mutation(({ ctx, input }) => {
    unregisterDeviceCredential(ctx.backend, input);
    return { ok: true };
  }),
});
