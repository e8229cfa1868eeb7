'use client';
/**
 * The instance's live counters as the broker reports them (control method `stats`), polled
 * every few seconds. Counters the broker does not report (an older broker) are not shown.
 */
import { useQuery } from '@tanstack/react-query';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { UsageMeters, type SpecLimits } from '@/components/statistics/usage-meters';
import { Card } from '@/components/ui/card';
import { LoadingState } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import { instanceState, useBrokerStatus } from './broker-status';

const COUNTERS = [
  'connections',
  'received',
  'sent',
  'delivered',
  'dropped',
  'throttled',
  'offlineQueued',
  'offlineDropped',
  'offlineExpired',
] as const;

/** Why there are no counters, by the instance's state (broker-status.tsx). */
const NO_COUNTERS = {
  running: 'stats.noAnswer',
  starting: 'stats.starting',
  portError: 'stats.portError',
  listenerError: 'stats.portError',
  restarting: 'stats.unavailable',
  stopped: 'stats.unavailable',
} as const;

/** With `limits`, the current connections, subscriptions and TPS are also shown against the instance's spec. */
export function StatsCard({ instanceId, limits }: { instanceId: string; limits?: SpecLimits }) {
  const { t } = useI18n();
  const fmt = useFormat();
  const trpc = useTRPC();
  const stats = useQuery(trpc.broker.stats.queryOptions({ instanceId }, { refetchInterval: 3000 }));
  const status = useBrokerStatus();

  return (
    <Card title={t('stats.title')} description={t('stats.description')}>
      {stats.isPending ? (
        <LoadingState variant="card" rows={2} />
      ) : !stats.data ? (
        <p className="text-sm text-slate-600">{t(NO_COUNTERS[instanceState(status.data, instanceId)])}</p>
      ) : (
        <>
          {limits && <UsageMeters stats={stats.data} limits={limits} />}
          <dl className="grid gap-x-8 gap-y-4 text-sm sm:grid-cols-3 lg:grid-cols-5" data-testid="instance-stats">
            {COUNTERS.filter((c) => typeof stats.data?.[c] === 'number').map((c) => (
              <div key={c} data-testid={`stat-${c}`}>
                <dt className="text-xs text-slate-500">{t(`stats.${c}`)}</dt>
                <dd className="mt-1 text-lg font-semibold text-slate-900 tabular-nums">{fmt.number(stats.data![c]!)}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </Card>
  );
}
