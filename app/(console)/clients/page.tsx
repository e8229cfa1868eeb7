import { ClientsPage } from '@/components/clients/clients-page';
import { LOOKUP_MODES, type LookupMode } from '@/components/clients/describe';
import { pageTitle } from '@/components/page-title';
import { requireUser } from '@/server/auth/page-guard';

export function generateMetadata() {
  return pageTitle('nav.clients');
}

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Client lookup; `?instanceId=&mode=client|group|topic&q=` runs a lookup at once (links, reloads). */
export default async function Page({ searchParams }: Props) {
  await requireUser('/clients');
  const q = await searchParams;
  const mode = first(q.mode);
  return (
    <ClientsPage
      initial={{
        mode: (LOOKUP_MODES as readonly string[]).includes(mode ?? '') ? (mode as LookupMode) : 'client',
        instanceId: first(q.instanceId) ?? '',
        value: first(q.q) ?? '',
      }}
    />
  );
}
