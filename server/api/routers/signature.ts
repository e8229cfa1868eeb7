/**
 * The signature helper: computes an MQTT login on the server (browsers on plain http have no
 * crypto.subtle). A mutation, so the secret travels in a POST body, never in a URL; it is
 * neither stored nor logged.
 */
import { signatureHelperSchema } from '@/lib/schemas';
import { computeMqttLogin } from '../../services/signature-helper';
import { protectedProcedure, router } from '../trpc';

export const signatureRouter = router({
  compute: protectedProcedure.input(signatureHelperSchema).mutation(({ ctx, input }) => computeMqttLogin(ctx.backend, input)),
});
