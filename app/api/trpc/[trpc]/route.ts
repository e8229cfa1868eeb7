import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { SESSION_COOKIE } from '@/server/auth/accounts';
import { appRouter } from '@/server/api/root';
import { createContext } from '@/server/api/trpc';
import { getBackend } from '@/server/backend';
import { clientAddress, readCookie, sessionCookie } from '@/server/http/cookies';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: ({ resHeaders }) =>
      createContext(
        getBackend(),
        {
          sessionToken: readCookie(req.headers.get('cookie'), SESSION_COOKIE),
          setSession: (token, maxAge) =>
            resHeaders.append('set-cookie', sessionCookie(token, maxAge, new URL(req.url).protocol === 'https:')),
        },
        clientAddress(req.headers),
      ),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${path}:`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
