import { redirect } from 'next/navigation';
import { SetupForm } from '@/components/auth/setup-form';
import { pageTitle } from '@/components/page-title';
import { isSetUp } from '@/server/auth/accounts';
import { getBackend } from '@/server/backend';

export const dynamic = 'force-dynamic';

export function generateMetadata() {
  return pageTitle('auth.setup.title');
}

/** The first visit before an admin account exists; afterwards it sends you to the login page. */
export default function SetupPage() {
  if (isSetUp(getBackend())) redirect('/login');
  return <SetupForm />;
}
