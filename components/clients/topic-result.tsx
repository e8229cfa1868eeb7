'use client';
/** A topic: the clients a message published on it would reach now (wildcards and shared subscriptions included). */
import { useQuery } from '@tanstack/react-query';
import { Send, Users } from 'lucide-react';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Callout } from '@/components/ui/card';
import { Cell, PlainBody, PlainTable } from '@/components/ui/plain-table';
import { EmptyState } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import { transportName } from './describe';
import { ClientIdCell, LiveResultCard, useLiveLookup } from './live-result';
import { PAGE_SIZE, Pager } from './pager';

export function TopicResult({ instanceId, topic, onClient }: { instanceId: string; topic: string; onClient: (clientId: string) => void }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const trpc = useTRPC();
  const live = useLiveLookup();
  const q = useQuery(trpc.clients.byTopic.queryOptions({ instanceId, topic, offset: live.offset, limit: PAGE_SIZE }, live.options));
  const data = q.data;
  return (
    <LiveResultCard
      query={q}
      live={live}
      name={topic}
      summary={
        data && !data.p2p && (
          <span className="text-sm font-normal text-slate-600" data-testid="topic-counts">
            {t('clients.topic.counts', { online: fmt.number(data.online), total: fmt.number(data.total) })}
          </span>
        )
      }
    >
      {(data) =>
        data.p2p ? (
          <div className="p-4">
            <Callout icon={<Send aria-hidden="true" className="size-4 text-brand-500" />} title={t('clients.topic.p2p.title')}>
              {t(data.p2p.online ? 'clients.topic.p2p.online' : data.p2p.hasSession ? 'clients.topic.p2p.session' : 'clients.topic.p2p.nobody', {
                clientId: data.p2p.clientId,
              })}{' '}
              <Button variant="link" onClick={() => onClient(data.p2p!.clientId)}>
                {t('clients.topic.p2p.look')}
              </Button>
            </Callout>
          </div>
        ) : data.total === 0 ? (
          <EmptyState icon={<Users className="size-6" />} title={t('clients.topic.none.title')} description={t('clients.topic.none.text')} />
        ) : (
          <PlainTable
            label={t('clients.topic.table')}
            testId="topic-subscribers"
            headers={[t('clients.clientId'), t('clients.state'), t('clients.topic.matching'), t('clients.address')]}
            footer={<Pager offset={live.offset} shown={data.subscribers.length} total={data.total} onOffset={live.setOffset} />}
          >
            <PlainBody>
              {data.subscribers.map((s) => (
                <tr key={s.clientId} className="hover:bg-slate-50/70">
                  <ClientIdCell clientId={s.clientId} onClient={onClient} />
                  <Cell>
                    <Badge tone={s.online ? 'green' : 'amber'} dot>
                      {s.online ? t('clients.status.online') : t('clients.status.offlineSession')}
                    </Badge>
                  </Cell>
                  <Cell>
                    <ul className="space-y-0.5">
                      {s.matches.map((m) => (
                        <li key={m.filter} className="font-mono text-xs">
                          {m.filter} <span className="text-slate-500">· QoS {m.qos}</span>
                          {m.shareGroup && <span className="ml-1 text-slate-500">· {t('clients.topic.shared', { group: m.shareGroup })}</span>}
                        </li>
                      ))}
                    </ul>
                  </Cell>
                  <Cell className="font-mono text-xs">
                    {s.connection ? `${s.connection.remoteAddress} · ${transportName(s.connection.transport)}` : '—'}
                  </Cell>
                </tr>
              ))}
            </PlainBody>
          </PlainTable>
        )
      }
    </LiveResultCard>
  );
}
