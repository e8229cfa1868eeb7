'use client';
/** One client ID: online or not, each live connection, its session and subscriptions; "Disconnect". */
import { useMutation, useQuery } from '@tanstack/react-query';
import { Footprints, Unplug, UserRoundX } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { toast } from 'sonner';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { Badge } from '@/components/ui/badge';
import { Button, buttonClass } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import { errorInfo } from '@/lib/trpc/errors';
import type { ConnectionInfo, SessionInfo, SubscriptionInfo } from '@/server/broker/control/client-lookup';
import { protocolName, shortDuration, transportName } from './describe';
import { AUTO_REFRESH_MS, RefreshBar } from './refresh-bar';
import { DetailItem } from '../ui/detail-item';

export function ClientResult({ instanceId, clientId }: { instanceId: string; clientId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [auto, setAuto] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const lookup = useQuery(
    trpc.clients.byClientId.queryOptions({ instanceId, clientId }, { refetchInterval: auto ? AUTO_REFRESH_MS : false, retry: false }),
  );
  const disconnect = useMutation(
    trpc.clients.disconnect.mutationOptions({
      onSuccess: async () => {
        toast.success(t('clients.disconnect.success', { clientId }));
        setConfirming(false);
        await lookup.refetch();
      },
      onError: (err) => {
        setConfirming(false);
        const info = errorInfo(err);
        toast.error(t(info.key, info.params));
        void lookup.refetch();
      },
    }),
  );

  const data = lookup.data;
  const online = (data?.online ?? 0) > 0;
  return (
    <Card
      title={
        <span className="flex flex-wrap items-center gap-2">
          <span className="font-mono">{clientId}</span>
          {data && (
            <Badge tone={online ? 'green' : data.session ? 'amber' : 'gray'} dot>
              <span data-testid="client-status">
                {online ? t('clients.status.online') : data.session ? t('clients.status.offlineSession') : t('clients.status.offline')}
              </span>
            </Badge>
          )}
        </span>
      }
      actions={
        <>
          <RefreshBar updatedAt={lookup.dataUpdatedAt} fetching={lookup.isFetching} auto={auto} onAuto={setAuto} onRefresh={() => void lookup.refetch()} />
          {data && (
            <Link href={deviceTraceHref(instanceId, clientId, lookup.dataUpdatedAt)} className={buttonClass('secondary', 'sm')}>
              <Footprints aria-hidden="true" className="size-3.5" />
              {t('clients.deviceTrace')}
            </Link>
          )}
          {online && (
            <Button variant="danger" size="sm" onClick={() => setConfirming(true)}>
              <Unplug aria-hidden="true" className="size-3.5" />
              {t('clients.disconnect')}
            </Button>
          )}
        </>
      }
    >
      {lookup.isPending ? (
        <LoadingState variant="card" rows={3} />
      ) : lookup.error ? (
        <ErrorState error={lookup.error} onRetry={() => void lookup.refetch()} />
      ) : !data || (!online && !data.session) ? (
        <EmptyState icon={<UserRoundX className="size-6" />} title={t('clients.notFound.title')} description={t('clients.notFound.text')} />
      ) : (
        <div className="space-y-6">
          {data.connections.map((c) => (
            <ConnectionBlock key={c.channelId} conn={c} many={data.connections.length > 1} now={lookup.dataUpdatedAt} />
          ))}
          {data.session && <SessionBlock session={data.session} now={lookup.dataUpdatedAt} />}
          {data.session && <SubscriptionsTable subscriptions={data.session.subscriptions} />}
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        onConfirm={() => disconnect.mutate({ instanceId, clientId })}
        pending={disconnect.isPending}
        title={t('clients.disconnect.title')}
        confirmLabel={t('clients.disconnect')}
      >
        {t('clients.disconnect.text', { clientId })}
      </ConfirmDialog>
    </Card>
  );
}

/** The client's connects and disconnects of the last day (the device trace covers at most one). */
function deviceTraceHref(instanceId: string, clientId: string, now: number): string {
  const q = new URLSearchParams({ instanceId, clientId, from: String(now - 23 * 3_600_000), to: String(now + 3_600_000) });
  return `/traces/devices?${q}`;
}

/** A time, and how long before `now` (when the broker answered) it was. */
function Ago({ ms, now }: { ms: number; now: number }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const d = shortDuration(now - ms);
  return (
    <>
      {fmt.dateTime(ms)} <span className="text-slate-500">({t('clients.ago', { n: d.n, unit: t(`clients.unit.${d.unit}`) })})</span>
    </>
  );
}

function ConnectionBlock({ conn, many, now }: { conn: ConnectionInfo; many: boolean; now: number }) {
  const { t } = useI18n();
  return (
    <section aria-label={t('clients.connection')} data-testid="client-connection">
      <h3 className="mb-3 text-xs font-semibold tracking-wide text-slate-500 uppercase">
        {t('clients.connection')}
        {many && <span className="ml-2 font-normal normal-case">{t('clients.connection.many')}</span>}
      </h3>
      <dl className="grid gap-x-8 gap-y-4 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <DetailItem label={t('clients.address')} testId="client-address">
          <span className="font-mono">{conn.remoteAddress}</span>
        </DetailItem>
        <DetailItem label={t('clients.transport')} testId="client-transport">
          {transportName(conn.transport)}
        </DetailItem>
        <DetailItem label={t('clients.protocol')} testId="client-protocol">
          {protocolName(conn.protocolVersion)}
        </DetailItem>
        <DetailItem label={t('clients.keepAlive')}>
          {conn.keepAliveSeconds === 0 ? t('clients.keepAlive.none') : t('clients.seconds', { n: conn.keepAliveSeconds })}
        </DetailItem>
        <DetailItem label={t('clients.connectedAt')}>{conn.connectedAt ? <Ago ms={conn.connectedAt} now={now} /> : '—'}</DetailItem>
        <DetailItem label={t('clients.lastActivity')}><Ago ms={conn.lastActivity} now={now} /></DetailItem>
        <DetailItem label={t('clients.channelId')}>
          <span className="font-mono">{conn.channelId}</span>
        </DetailItem>
        <DetailItem label={t('clients.username')}>
          <span className="font-mono">{conn.username ?? '—'}</span>
        </DetailItem>
      </dl>
    </section>
  );
}

function SessionBlock({ session, now }: { session: SessionInfo; now: number }) {
  const { t } = useI18n();
  const fmt = useFormat();
  return (
    <section aria-label={t('clients.session')}>
      <h3 className="mb-3 text-xs font-semibold tracking-wide text-slate-500 uppercase">{t('clients.session')}</h3>
      <dl className="grid gap-x-8 gap-y-4 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <DetailItem label={t('clients.session.kind')} testId="client-session-kind">
          {session.persistent ? t('clients.session.persistent') : t('clients.session.clean')}
          {session.cleanSession !== null && <span className="text-slate-500"> (cleanSession={String(session.cleanSession)})</span>}
        </DetailItem>
        <DetailItem label={t('clients.session.expiry')}>
          {!session.persistent ? '—' : session.expirySeconds === null ? t('clients.session.never') : t('clients.seconds', { n: fmt.number(session.expirySeconds) })}
        </DetailItem>
        <DetailItem label={t('clients.inflight')} testId="client-inflight">
          {fmt.number(session.inflight)}
        </DetailItem>
        <DetailItem label={t('clients.queued')} testId="client-queued">
          {fmt.number(session.queued)}
        </DetailItem>
        <DetailItem label={t('clients.dropped')}>{fmt.number(session.dropped)}</DetailItem>
        {session.disconnectedAt !== null && <DetailItem label={t('clients.disconnectedAt')}><Ago ms={session.disconnectedAt} now={now} /></DetailItem>}
        {session.disconnectedAt !== null && (
          <DetailItem label={t('clients.expiresAt')}>{session.expiresAt === null ? t('clients.session.never') : fmt.dateTime(session.expiresAt)}</DetailItem>
        )}
      </dl>
    </section>
  );
}

function SubscriptionsTable({ subscriptions }: { subscriptions: SubscriptionInfo[] }) {
  const { t } = useI18n();
  return (
    <section aria-label={t('clients.subscriptions')}>
      <h3 className="mb-3 text-xs font-semibold tracking-wide text-slate-500 uppercase">
        {t('clients.subscriptions')} ({subscriptions.length})
      </h3>
      {subscriptions.length === 0 ? (
        <p className="text-sm text-slate-500">{t('clients.subscriptions.none')}</p>
      ) : (
        <div className="overflow-x-auto rounded border border-slate-200">
          <table aria-label={t('clients.subscriptions')} className="w-full text-left text-sm" data-testid="client-subscriptions">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">{t('clients.filter')}</th>
                <th scope="col" className="px-4 py-2 font-medium">QoS</th>
                <th scope="col" className="px-4 py-2 font-medium">{t('clients.shareGroup')}</th>
                <th scope="col" className="px-4 py-2 font-medium">{t('clients.options')}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {subscriptions.map((s) => (
                <tr key={s.filter}>
                  <td className="px-4 py-2 font-mono">{s.filter}</td>
                  <td className="px-4 py-2 tabular-nums">{s.qos}</td>
                  <td className="px-4 py-2 font-mono">{s.shareGroup ?? '—'}</td>
                  <td className="px-4 py-2 text-xs text-slate-600">
                    <Options sub={s} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** MQTT 5 subscription options that differ from the defaults. */
function Options({ sub }: { sub: SubscriptionInfo }) {
  const { t } = useI18n();
  const parts: string[] = [];
  if (sub.noLocal) parts.push(t('clients.option.noLocal'));
  if (sub.retainAsPublished) parts.push(t('clients.option.retainAsPublished'));
  if (sub.retainHandling !== 0) parts.push(t('clients.option.retainHandling', { n: sub.retainHandling }));
  if (sub.subscriptionId !== 0) parts.push(t('clients.option.subscriptionId', { n: sub.subscriptionId }));
  return <>{parts.length ? parts.join(' · ') : '—'}</>;
}
