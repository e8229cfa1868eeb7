import { pageTitle } from '@/components/page-title';
import { SettingsPage } from '@/components/settings/settings-page';
import { requireUser } from '@/server/auth/page-guard';

export function generateMetadata() {
  return pageTitle('nav.settings');
}

export default async function Page() {
  await requireUser('/settings');
  return <SettingsPage />;
}
