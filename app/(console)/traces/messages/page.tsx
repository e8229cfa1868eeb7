import { pageTitle } from '@/components/page-title';
import { MessageTracePage } from '@/components/traces/message-trace-page';
import { firstValues, type RawSearchParams } from '@/components/traces/search-params';
import { requireUser } from '@/server/auth/page-guard';

export function generateMetadata() {
  return pageTitle('nav.messageTrace');
}

/** Message trace; the query is in the URL (links from the device trace and from message IDs land here). */
export default async function Page({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const params = firstValues(await searchParams);
  await requireUser(`/traces/messages?${new URLSearchParams(params as Record<string, string>)}`);
  // A new search remounts the page, so the form shows what the URL asks for.
  return <MessageTracePage key={JSON.stringify(params)} params={params} />;
}
