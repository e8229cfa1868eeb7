import { pageTitle } from '@/components/page-title';
import { DeviceTracePage } from '@/components/traces/device-trace-page';
import { firstValues, type RawSearchParams } from '@/components/traces/search-params';
import { requireUser } from '@/server/auth/page-guard';

export function generateMetadata() {
  return pageTitle('nav.deviceTrace');
}

/** Device trace; the query is in the URL (client IDs on the message trace link here). */
export default async function Page({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const params = firstValues(await searchParams);
  await requireUser(`/traces/devices?${new URLSearchParams(params as Record<string, string>)}`);
  return <DeviceTracePage key={JSON.stringify(params)} params={params} />;
}
