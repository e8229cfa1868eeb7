'use client';
/** A Group ID: how many of its clients are online, and a page of them. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { TriangleAlert, Users } from 'lucide-react';
import { useState } from 'react';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Callout, Card } from '@/components/ui/card';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import { protocolName, transportName } from './describe';
import { PAGE_SIZE, Pager } from './pager';
import { AUTO_REFRESH_MS, RefreshBar } from './refresh-bar';

export function GroupResult({ instanceId, groupId, onClient }: { instanceId: string; groupId: string; onClient: (clientId: string) => void }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const trpc = useTRPC();
  const [auto, setAuto] = useState(true);
  const [offset, setOffset] = useState(0);
  const q = useQuery(
    trpc.clients.byGroup.queryOptions(
      { instanceId, groupId, offset, limit: PAGE_SIZE },
      { refetchInterval: auto ? AUTO_REFRESH_MS : false, retry: false, placeholderData: keepPreviousData },
    ),
  );
  const data = q.data;
  return (
    <Card
      title={
        <span className="flex flex-wrap items-baseline gap-2">
          <span className="font-mono">{groupId}</span>
          {data && (
            <span className="text-sm font-normal text-slate-600">
              {t('clients.group.online', { n: fmt.number(data.online) })}
              {data.offlineSessions > 0 && ` · ${t('clients.group.offlineSessions', { n: fmt.number(data.offlineSessions) })}`}
            </span>
          )}
        </span>
      }
      actions={<RefreshBar updatedAt={q.dataUpdatedAt} fetching={q.isFetching} auto={auto} onAuto={setAuto} onRefresh={() => void q.refetch()} />}
      bodyClassName="p-0"
    >
      {q.isPending ? (
        <LoadingState variant="table" rows={3} />
      ) : q.error ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          {!data!.known && (
            <div className="p-4 pb-0">
              <Callout tone="warning" icon={<TriangleAlert aria-hidden="true" className="size-4 text-amber-600" />}>
                {t('clients.group.unknown', { groupId })}
              </Callout>
            </div>
          )}
          {data!.online === 0 ? (
            <EmptyState icon={<Users className="size-6" />} title={t('clients.group.none.title')} description={t('clients.group.none.text')} />
          ) : (
            <div className="overflow-x-auto">
              <table aria-label={t('clients.group.table')} className="w-full text-left text-sm" data-testid="group-clients">
                <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
                  <tr>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.clientId')}</th>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.address')}</th>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.transport')}</th>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.protocol')}</th>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.subscriptions')}</th>
                    <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.connectedAt')}</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {data!.clients.map((c) => (
                    <tr key={c.clientId} className="hover:bg-slate-50/70">
                      <td className="px-4 py-2.5">
                        <Button variant="link" className="font-mono" onClick={() => onClient(c.clientId)}>
                          {c.clientId}
                        </Button>
                      </td>
                      <td className="px-4 py-2.5 font-mono">{c.remoteAddress}</td>
                      <td className="px-4 py-2.5">{transportName(c.transport)}</td>
                      <td className="px-4 py-2.5">{protocolName(c.protocolVersion)}</td>
                      <td className="px-4 py-2.5 tabular-nums">{fmt.number(c.subscriptions)}</td>
                      <td className="px-4 py-2.5">{c.connectedAt ? fmt.dateTime(c.connectedAt) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager offset={offset} shown={data!.clients.length} total={data!.online} onOffset={setOffset} />
            </div>
          )}
        </>
      )}
    </Card>
  );
}
