import { InstanceDetail } from '@/components/instances/instance-detail';
import { pageTitle } from '@/components/page-title';
import { requireUser } from '@/server/auth/page-guard';
import { getBackend } from '@/server/backend';
import { getInstance } from '@/server/services/instances';

interface Props {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Props) {
  const id = decodeURIComponent((await params).id);
  let name = id;
  try {
    name = getInstance(getBackend(), id).name;
  } catch {
    // Unknown or malformed ID: the page itself says so.
  }
  return pageTitle('instance.pageTitle', { id: name });
}

export default async function Page({ params, searchParams }: Props) {
  const id = decodeURIComponent((await params).id);
  const raw = (await searchParams).tab;
  const tab = Array.isArray(raw) ? raw[0] : raw;
  await requireUser(`/instances/${encodeURIComponent(id)}${tab ? `?tab=${encodeURIComponent(tab)}` : ''}`);
  return <InstanceDetail id={id} tab={tab} />;
}
