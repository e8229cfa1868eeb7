import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/auth/login-form';
import { pageTitle, safeNextPath } from '@/components/page-title';
import { isSetUp, SESSION_COOKIE, userForSession } from '@/server/auth/accounts';
import { getBackend } from '@/server/backend';

export const dynamic = 'force-dynamic';

export function generateMetadata() {
  return pageTitle('auth.login.title');
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNextPath((await searchParams).next);
  const backend = getBackend();
  if (!isSetUp(backend)) redirect('/setup');
  // Already logged in: straight on.
  if (userForSession(backend, (await cookies()).get(SESSION_COOKIE)?.value)) redirect(next);
  return <LoginForm next={next} />;
}
