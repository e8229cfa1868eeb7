import { pageTitle } from '@/components/page-title';
import { RocketmqClustersPage } from '@/components/rocketmq/clusters-page';
import { requireUser } from '@/server/auth/page-guard';

export function generateMetadata() {
  return pageTitle('nav.rocketmq');
}

export default async function Page() {
  await requireUser('/rocketmq');
  return <RocketmqClustersPage />;
}
