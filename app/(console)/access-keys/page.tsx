import { AccessKeysPage } from '@/components/access-keys/access-keys-page';
import { pageTitle } from '@/components/page-title';
import { requireUser } from '@/server/auth/page-guard';

export function generateMetadata() {
  return pageTitle('nav.accessKeys');
}

export default async function Page() {
  await requireUser('/access-keys');
  return <AccessKeysPage />;
}
