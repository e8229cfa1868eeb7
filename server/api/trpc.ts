/**
 * tRPC setup: the request context, the error shape the console's forms read, and the two kinds
 * of procedure. Every procedure is `protectedProcedure` except the few login/setup ones.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { fieldErrorsOf } from '@/lib/schemas';
import { userForSession, type SessionUser } from '../auth/accounts';
import type { Backend } from '../backend';
import { getSupervisor } from '../supervisor/registry';
import { AppError } from '../errors';

export interface CookieJar {
  /** The session cookie's value, if the request had one. */
  sessionToken?: string;
  /** Sets (or, with maxAge 0, clears) the session cookie on the response. */
  setSession(token: string, maxAgeSeconds: number): void;
}

export interface Context {
  backend: Backend;
  user: SessionUser | null;
  /** Client address, for slowing down failed logins. */
  address: string;
  cookies: CookieJar;
}

export function createContext(backend: Backend, cookies: CookieJar, address: string): Context {
  return { backend, cookies, address, user: userForSession(backend, cookies.sessionToken) };
}

export interface MagpieErrorData {
  /** i18n message key (or plain text) for the whole error. */
  messageKey: string;
  messageParams: Record<string, string | number>;
  /** Field → i18n message key, for inline form messages. */
  fieldErrors: Record<string, string>;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let extra: MagpieErrorData = { messageKey: 'e.internal', messageParams: {}, fieldErrors: {} };
    if (cause instanceof AppError) {
      extra = { messageKey: cause.key, messageParams: cause.params, fieldErrors: cause.fieldErrors };
    } else if (cause instanceof ZodError) {
      const fieldErrors = fieldErrorsOf(cause);
      extra = { messageKey: Object.values(fieldErrors)[0] ?? 'v.required', messageParams: {}, fieldErrors };
    } else if (error.code === 'UNAUTHORIZED') {
      extra = { ...extra, messageKey: 'e.unauthorized' };
    }
    return { ...shape, data: { ...shape.data, ...extra } };
  },
});

/** Turns the services' AppErrors into tRPC errors with the same code. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * After a change succeeds, nudge the broker to apply the configuration now (it also notices
 * database changes by itself within a second, which covers the CLI).
 */
const nudgeBroker = t.middleware(async ({ type, next }) => {
  const result = await next();
  if (type === 'mutation' && result.ok) getSupervisor()?.send({ type: 'reload' });
  return result;
});

export const publicProcedure = t.procedure.use(mapErrors).use(nudgeBroker);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Not logged in' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});
