import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { ConsoleShell } from '@/components/console/console-shell';
import { LoginRedirect } from '@/components/console/login-redirect';
import { isSetUp, SESSION_COOKIE, userForSession } from '@/server/auth/accounts';
import { getBackend } from '@/server/backend';

export const dynamic = 'force-dynamic';

/**
 * The console's frame. Each page also calls `requireUser(itsPath)`, which redirects to
 * /login?next=<that page> on the server; a layout does not know the path, so when it finds no
 * session it only renders a client-side redirect that keeps the address (and never the page).
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const backend = getBackend();
  if (!isSetUp(backend)) redirect('/setup');
  const user = userForSession(backend, (await cookies()).get(SESSION_COOKIE)?.value);
  if (!user) return <LoginRedirect />;
  return <ConsoleShell user={user}>{children}</ConsoleShell>;
}
