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
import type { ListenerStatus } from '@/server/supervisor/control-messages';
import { DetailItem } from '../ui/detail-item';

type InstanceState = 'running' | 'starting' | 'restarting' | 'stopped' | 'portError' | 'listenerError';

const tone: Record<InstanceState, BadgeTone> = {
  running: 'green',
  starting: 'blue',
  restarting: 'amber',
  stopped: 'red',
  portError: 'red',
  listenerError: 'red',
};

export function useBrokerStatus() {
  const trpc = useTRPC();
  return useQuery(trpc.broker.status.queryOptions(undefined, { refetchInterval: 3000 }));
}

/** An instance runs when the broker runs and all four of its listeners are bound; "port conflict" when another program holds one of its ports. */
export function instanceState(status: BrokerStatus | undefined, instanceId: string): InstanceState {
  if (!status) return 'starting';
  if (status.state === 'restarting') return 'restarting';
  if (status.state === 'stopped' || status.state === 'stopping') return 'stopped';
  const mine = status.listeners.filter((l) => l.instanceId === instanceId);
  if (mine.some((l) => l.error)) return mine.some((l) => l.code === 'EADDRINUSE') ? 'portError' : 'listenerError';
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

/** Why a listener is not open, in the console's language where the broker gave a known reason. */
function listenerError(l: ListenerStatus, t: ReturnType<typeof useI18n>['t']): string {
  switch (l.code) {
    case 'EADDRINUSE':
      return t('broker.portInUse', { port: l.port });
    case 'EACCES':
      return t('broker.portDenied', { port: l.port });
    case 'EADDRNOTAVAIL':
      return t('broker.bindUnavailable');
    case 'CERTIFICATE':
      return t('broker.certificateUnusable');
    default:
      return l.error ?? '';
  }
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
  // The same for the TLS and WSS listeners: which file and what is wrong with it, said once.
  const certificateError = listeners.find((l) => l.code === 'CERTIFICATE')?.error;
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
            {listeners.length === 0 && (
              <p className="text-sm text-slate-500" data-testid="no-listeners">
                {t(data.state === 'running' ? 'broker.listenersOpening' : 'broker.noListeners')}
              </p>
            )}
            <ul className="flex flex-wrap gap-2 text-sm">
              {listeners.map((l) => (
                <li key={l.kind} data-testid={`listener-${l.kind}`} className="flex items-center gap-2 rounded border border-slate-200 px-2 py-1">
                  <span className="font-mono uppercase">{l.kind}</span>
                  <span className="font-mono">{l.port}</span>
                  {l.error ? (
                    <Badge tone="red">{listenerError(l, t)}</Badge>
                  ) : (
                    <Badge tone="green">{t('broker.listening')}</Badge>
                  )}
                </li>
              ))}
            </ul>
            {certificateError && (
              <div role="alert" data-testid="certificate-error" className="mt-2 space-y-1 text-sm text-red-700">
                <p className="break-all font-mono text-xs">{certificateError}</p>
                <p>{t(data.certificateConfigured ? 'broker.certificateHelp' : 'broker.certificateHelpGenerated')}</p>
              </div>
            )}
          </div>
        </div>
      )}
    </Card>
  );
}
