'use client';
/** A Group ID: how many of its clients are online, and a page of them. */
import { useQuery } from '@tanstack/react-query';
import { TriangleAlert, Users } from 'lucide-react';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { Callout } from '@/components/ui/card';
import { Cell, PlainBody, PlainTable } from '@/components/ui/plain-table';
import { EmptyState } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import { protocolName, transportName } from './describe';
import { ClientIdCell, LiveResultCard, useLiveLookup } from './live-result';
import { PAGE_SIZE, Pager } from './pager';

export function GroupResult({ instanceId, groupId, onClient }: { instanceId: string; groupId: string; onClient: (clientId: string) => void }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const trpc = useTRPC();
  const live = useLiveLookup();
  const q = useQuery(trpc.clients.byGroup.queryOptions({ instanceId, groupId, offset: live.offset, limit: PAGE_SIZE }, live.options));
  const data = q.data;
  return (
    <LiveResultCard
      query={q}
      live={live}
      name={groupId}
      summary={
        data && (
          <span className="text-sm font-normal text-slate-600">
            {t('clients.group.online', { n: fmt.number(data.online) })}
            {data.offlineSessions > 0 && ` · ${t('clients.group.offlineSessions', { n: fmt.number(data.offlineSessions) })}`}
          </span>
        )
      }
    >
      {(data) => (
        <>
          {!data.known && (
            <div className="p-4 pb-0">
              <Callout tone="warning" icon={<TriangleAlert aria-hidden="true" className="size-4 text-amber-600" />}>
                {t('clients.group.unknown', { groupId })}
              </Callout>
            </div>
          )}
          {data.online === 0 ? (
            <EmptyState icon={<Users className="size-6" />} title={t('clients.group.none.title')} description={t('clients.group.none.text')} />
          ) : (
            <PlainTable
              label={t('clients.group.table')}
              testId="group-clients"
              headers={[
                t('clients.clientId'),
                t('clients.address'),
                t('clients.transport'),
                t('clients.protocol'),
                t('clients.subscriptions'),
                t('clients.connectedAt'),
              ]}
              footer={<Pager offset={live.offset} shown={data.clients.length} total={data.online} onOffset={live.setOffset} />}
            >
              <PlainBody>
                {data.clients.map((c) => (
                  <tr key={c.clientId} className="hover:bg-slate-50/70">
                    <ClientIdCell clientId={c.clientId} onClient={onClient} />
                    <Cell className="font-mono">{c.remoteAddress}</Cell>
                    <Cell>{transportName(c.transport)}</Cell>
                    <Cell>{protocolName(c.protocolVersion)}</Cell>
                    <Cell className="tabular-nums">{fmt.number(c.subscriptions)}</Cell>
                    <Cell>{c.connectedAt ? fmt.dateTime(c.connectedAt) : '—'}</Cell>
                  </tr>
                ))}
              </PlainBody>
            </PlainTable>
          )}
        </>
      )}
    </LiveResultCard>
  );
}
