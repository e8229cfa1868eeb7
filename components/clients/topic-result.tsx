'use client';
/** A topic: the clients a message published on it would reach now (wildcards and shared subscriptions included). */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Send, Users } from 'lucide-react';
import { useState } from 'react';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Callout, Card } from '@/components/ui/card';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import { transportName } from './describe';
import { PAGE_SIZE, Pager } from './pager';
import { AUTO_REFRESH_MS, RefreshBar } from './refresh-bar';

export function TopicResult({ instanceId, topic, onClient }: { instanceId: string; topic: string; onClient: (clientId: string) => void }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const trpc = useTRPC();
  const [auto, setAuto] = useState(true);
  const [offset, setOffset] = useState(0);
  const q = useQuery(
    trpc.clients.byTopic.queryOptions(
      { instanceId, topic, offset, limit: PAGE_SIZE },
      { refetchInterval: auto ? AUTO_REFRESH_MS : false, retry: false, placeholderData: keepPreviousData },
    ),
  );
  const data = q.data;
  return (
    <Card
      title={
        <span className="flex flex-wrap items-baseline gap-2">
          <span className="font-mono">{topic}</span>
          {data && !data.p2p && (
            <span className="text-sm font-normal text-slate-600" data-testid="topic-counts">
              {t('clients.topic.counts', { online: fmt.number(data.online), total: fmt.number(data.total) })}
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
      ) : data!.p2p ? (
        <div className="p-4">
          <Callout icon={<Send aria-hidden="true" className="size-4 text-brand-500" />} title={t('clients.topic.p2p.title')}>
            {t(data!.p2p.online ? 'clients.topic.p2p.online' : data!.p2p.hasSession ? 'clients.topic.p2p.session' : 'clients.topic.p2p.nobody', {
              clientId: data!.p2p.clientId,
            })}{' '}
            <Button variant="link" onClick={() => onClient(data!.p2p!.clientId)}>
              {t('clients.topic.p2p.look')}
            </Button>
          </Callout>
        </div>
      ) : data!.total === 0 ? (
        <EmptyState icon={<Users className="size-6" />} title={t('clients.topic.none.title')} description={t('clients.topic.none.text')} />
      ) : (
        <div className="overflow-x-auto">
          <table aria-label={t('clients.topic.table')} className="w-full text-left text-sm" data-testid="topic-subscribers">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.clientId')}</th>
                <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.state')}</th>
                <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.topic.matching')}</th>
                <th scope="col" className="px-4 py-2.5 font-medium">{t('clients.address')}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {data!.subscribers.map((s) => (
                <tr key={s.clientId} className="hover:bg-slate-50/70">
                  <td className="px-4 py-2.5">
                    <Button variant="link" className="font-mono" onClick={() => onClient(s.clientId)}>
                      {s.clientId}
                    </Button>
                  </td>
                  <td className="px-4 py-2.5">
                    <Badge tone={s.online ? 'green' : 'amber'} dot>
                      {s.online ? t('clients.status.online') : t('clients.status.offlineSession')}
                    </Badge>
                  </td>
                  <td className="px-4 py-2.5">
                    <ul className="space-y-0.5">
                      {s.matches.map((m) => (
                        <li key={m.filter} className="font-mono text-xs">
                          {m.filter} <span className="text-slate-500">· QoS {m.qos}</span>
                          {m.shareGroup && <span className="ml-1 text-slate-500">· {t('clients.topic.shared', { group: m.shareGroup })}</span>}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="px-4 py-2.5 font-mono text-xs">
                    {s.connection ? `${s.connection.remoteAddress} · ${transportName(s.connection.transport)}` : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} shown={data!.subscribers.length} total={data!.total} onOffset={setOffset} />
        </div>
      )}
    </Card>
  );
}
