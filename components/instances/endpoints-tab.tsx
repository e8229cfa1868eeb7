'use client';
import { useQuery } from '@tanstack/react-query';
import { Info } from 'lucide-react';
import Link from 'next/link';
import { useI18n } from '@/components/i18n';
import { Badge } from '@/components/ui/badge';
import { Callout, Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { LoadingState, QueryView } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

const KIND = {
  tcp: { label: 'endpoints.tcp', what: 'endpoints.tcpWhat', protocol: 'MQTT' },
  tls: { label: 'endpoints.tls', what: 'endpoints.tlsWhat', protocol: 'MQTT + TLS' },
  ws: { label: 'endpoints.ws', what: 'endpoints.wsWhat', protocol: 'WebSocket' },
  wss: { label: 'endpoints.wss', what: 'endpoints.wssWhat', protocol: 'WebSocket + TLS' },
} as const;

export function EndpointsTab({ instanceId }: { instanceId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const endpoints = useQuery(trpc.instances.endpoints.queryOptions({ id: instanceId }));

  return (
    <div className="space-y-4">
      <Card title={t('endpoints.title')} description={t('endpoints.description')} bodyClassName="">
        <QueryView query={endpoints} loading={<LoadingState variant="table" rows={4} />}>
          {(list) => (
            <div className="overflow-x-auto">
              <table aria-label={t('endpoints.title')} className="w-full text-left text-sm">
                <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
                  <tr>
                    <th scope="col" className="px-5 py-2.5 font-medium">{t('endpoints.col.type')}</th>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('endpoints.col.url')}</th>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('endpoints.col.host')}</th>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('endpoints.col.port')}</th>
                    <th scope="col" className="px-5 py-2.5 text-right font-medium">
                      <span className="sr-only">{t('common.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {list.map((e) => {
                    const kind = KIND[e.kind];
                    return (
                      <tr key={e.kind} data-testid={`endpoint-${e.kind}`} className="hover:bg-slate-50/70">
                        <td className="px-5 py-3 whitespace-nowrap">
                          <span className="font-medium text-slate-800">{t(kind.label)}</span>
                          <Badge className="ml-2" tone="gray">
                            {kind.protocol}
                          </Badge>
                        </td>
                        <td className="px-4 py-3">
                          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[13px] break-all text-slate-800">{e.url}</code>
                        </td>
                        <td className="px-4 py-3 font-mono text-[13px] text-slate-700">{e.host}</td>
                        <td className="px-4 py-3 font-mono text-[13px] text-slate-700 tabular-nums">{e.port}</td>
                        <td className="px-5 py-3 text-right">
                          <CopyButton value={e.url} what={t(kind.what)} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </Card>
      <Callout tone="info" icon={<Info aria-hidden="true" className="size-4 text-brand-500" />}>
        <p>
          {t('endpoints.hostNote')}{' '}
          <Link href="/settings" className="font-medium text-brand-500 hover:underline">
            {t('endpoints.hostLink')}
          </Link>
        </p>
        <p className="mt-1">{t('endpoints.wsNote')}</p>
      </Callout>
    </div>
  );
}
