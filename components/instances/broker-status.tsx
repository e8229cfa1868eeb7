'use client';
/**
 * The broker process as the console's supervisor sees it: an instance's status badge and the
 * broker card on the instance page. Polled every few seconds; one query serves every badge.
 */
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '@/components/i18n';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { useTRPC } from '@/lib/trpc/client';
import type { BrokerStatus } from '@/server/supervisor/broker-supervisor';
import { DetailItem } from '../ui/detail-item';

type InstanceState = 'running' | 'starting' | 'restarting' | 'stopped' | 'portError';

const tone: Record<InstanceState, BadgeTone> = {
  running: 'green',
  starting: 'blue',
  restarting: 'amber',
  stopped: 'red',
  portError: 'red',
};

export function useBrokerStatus() {
  const trpc = useTRPC();
  return useQuery(trpc.broker.status.queryOptions(undefined, { refetchInterval: 3000 }));
}

/** An instance runs when the broker runs and all four of its listeners are bound. */
export function instanceState(status: BrokerStatus | undefined, instanceId: string): InstanceState {
  if (!status) return 'starting';
  if (status.state === 'restarting') return 'restarting';
  if (status.state === 'stopped' || status.state === 'stopping') return 'stopped';
  const mine = status.listeners.filter((l) => l.instanceId === instanceId);
  if (mine.some((l) => l.error)) return 'portError';
  return status.state === 'running' && mine.length === 4 ? 'running' : 'starting';
}

export function StatusBadge({ instanceId }: { instanceId: string }) {
  const { t } = useI18n();
  const { data } = useBrokerStatus();
  const state = instanceState(data, instanceId);
  return (
    <Badge tone={tone[state]} dot>
      {t(`instance.status.${state}`)}
    </Badge>
  );
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

export function BrokerCard({ instanceId }: { instanceId: string }) {
  const { t } = useI18n();
  const { data } = useBrokerStatus();
  if (!data) return null;
  const state = instanceState(data, instanceId);
  const listeners = data.listeners.filter((l) => l.instanceId === instanceId);
  return (
    <Card title={t('broker.title')} description={t('broker.description')}>
      {!data.supervised ? (
        <p className="text-sm text-slate-600">{t('broker.unsupervised')}</p>
      ) : (
        <div className="space-y-4">
          <dl className="grid gap-x-8 gap-y-4 text-sm sm:grid-cols-2 lg:grid-cols-4" data-testid="broker-status">
            <DetailItem label={t('instances.col.status')}>
              <Badge tone={tone[state]} dot>
                {t(`instance.status.${state}`)}
              </Badge>
            </DetailItem>
            <DetailItem label={t('broker.pid')}>
              <span className="font-mono">{data.pid ?? '—'}</span>
            </DetailItem>
            <DetailItem label={t('broker.uptime')}>
              {data.state === 'running' && data.startedAt ? duration(data.now - data.startedAt) : '—'}
              {data.nextStartAt ? ` (${t('broker.nextStart', { seconds: Math.ceil((data.nextStartAt - data.now) / 1000) })})` : ''}
            </DetailItem>
            <DetailItem label={t('broker.restarts')}>
              {data.restarts}
              {data.lastExit && (
                <span className="ml-2 text-xs text-slate-500">
                  {t('broker.lastExit')}: {data.lastExit.signal ?? `code ${data.lastExit.code}`}
                </span>
              )}
            </DetailItem>
          </dl>
          <div>
            <h3 className="mb-2 text-xs font-medium text-slate-500">{t('broker.listeners')}</h3>
            <ul className="flex flex-wrap gap-2 text-sm">
              {listeners.map((l) => (
                <li key={l.kind} data-testid={`listener-${l.kind}`} className="flex items-center gap-2 rounded border border-slate-200 px-2 py-1">
                  <span className="font-mono uppercase">{l.kind}</span>
                  <span className="font-mono">{l.port}</span>
                  {l.error ? (
                    <Badge tone="red">{l.inUse ? t('broker.portInUse', { port: l.port }) : l.error}</Badge>
                  ) : (
                    <Badge tone="green">{t('broker.listening')}</Badge>
                  )}
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </Card>
  );
}
