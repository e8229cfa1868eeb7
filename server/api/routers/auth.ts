import { z } from 'zod';
import { loginSchema, passwordSchema, setupSchema } from '@/lib/schemas';
import { changePassword, isSetUp, login, logout, openSession, setupAdmin, SESSION_TTL_MS, ADMIN_USERNAME } from '../../auth/accounts';
import { protectedProcedure, publicProcedure, router } from '../trpc';

const SESSION_SECONDS = Math.floor(SESSION_TTL_MS / 1000);

export const authRouter = router({
  /** What the login and setup pages need to know before anyone is logged in. */
  status: publicProcedure.query(({ ctx }) => ({
    setUp: isSetUp(ctx.backend),
    user: ctx.user,
  })),

  setup: publicProcedure.input(setupSchema).mutation(async ({ ctx, input }) => {
    await setupAdmin(ctx.backend, input.password);
    const { token } = await login(ctx.backend, { username: ADMIN_USERNAME, password: input.password }, ctx.address);
    ctx.cookies.setSession(token, SESSION_SECONDS);
    return { username: ADMIN_USERNAME };
  }),

  login: publicProcedure.input(loginSchema).mutation(async ({ ctx, input }) => {
    const { token } = await login(ctx.backend, input, ctx.address);
    ctx.cookies.setSession(token, SESSION_SECONDS);
    return { username: input.username };
  }),

  logout: protectedProcedure.mutation(({ ctx }) => {
    logout(ctx.backend, ctx.cookies.sessionToken);
    ctx.cookies.setSession('', 0);
    return { ok: true };
  }),

  me: protectedProcedure.query(({ ctx }) => ctx.user),

  changePassword: protectedProcedure
    // The new password is checked here so that a failure names its form field.
    .input(z.object({ current: z.string(), next: passwordSchema }))
    .mutation(async ({ ctx, input }) => {
      await changePassword(ctx.backend, ctx.user.id, input.current, input.next);
      // Changing the password ends every session; keep this browser logged in.
      const { token } = openSession(ctx.backend, ctx.user.id);
      ctx.cookies.setSession(token, SESSION_SECONDS);
      return { ok: true };
    }),
});
