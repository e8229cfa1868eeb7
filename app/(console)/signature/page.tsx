import { pageTitle } from '@/components/page-title';
import { SignaturePage } from '@/components/signature/signature-page';
import { requireUser } from '@/server/auth/page-guard';

export function generateMetadata() {
  return pageTitle('nav.signature');
}

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The signature helper; the connect panel links here with the instance, key and client ID filled in. */
export default async function Page({ searchParams }: Props) {
  await requireUser('/signature');
  const q = await searchParams;
  return (
    <SignaturePage
      initial={{
        mode: first(q.mode) === 'deviceCredential' ? 'deviceCredential' : 'signature',
        accessKeyId: first(q.accessKeyId) ?? '',
        instanceId: first(q.instanceId) ?? '',
        clientId: first(q.clientId) ?? '',
      }}
    />
  );
}
