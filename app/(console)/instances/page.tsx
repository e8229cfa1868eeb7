import { InstancesPage } from '@/components/instances/instances-page';
import { pageTitle } from '@/components/page-title';
import { requireUser } from '@/server/auth/page-guard';

export function generateMetadata() {
  return pageTitle('nav.instances');
}

export default async function Page() {
  await requireUser('/instances');
  return <InstancesPage />;
}
