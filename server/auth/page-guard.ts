/**
 * For server components: who is logged in, from the session cookie. Pages under
 * app/(console) redirect to /login (or /setup before the admin exists) when nobody is.
 */
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { getBackend } from '../backend';
import { isSetUp, SESSION_COOKIE, userForSession, type SessionUser } from './accounts';

export async function requireUser(nextPath?: string): Promise<SessionUser> {
  const backend = getBackend();
  if (!isSetUp(backend)) redirect('/setup');
  const user = userForSession(backend, (await cookies()).get(SESSION_COOKIE)?.value);
  if (!user) redirect(nextPath ? `/login?next=${encodeURIComponent(nextPath)}` : '/login');
  return user;
}
