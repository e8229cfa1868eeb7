'use client';
/**
 * Connections, subscriptions and message TPS now, each against the instance's spec limit, with
 * the original console's warning from 70% of a limit (amber) and at the limit (red: new
 * connections, subscriptions or messages are being refused or slowed).
 */
import { TriangleAlert } from 'lucide-react';
import { useFormat } from '@/components/format';
import { useI18n } from '@/components/i18n';
import { cx } from '@/components/ui/cx';
import { usageLevel } from './usage';

export interface SpecLimits {
  maxConnections: number;
  maxSubscriptions: number;
  maxTps: number;
}

const METERS = [
  { key: 'connections', limit: 'maxConnections' },
  { key: 'subscriptions', limit: 'maxSubscriptions' },
  { key: 'tps', limit: 'maxTps' },
] as const;

export function UsageMeters({ stats, limits }: { stats: Record<string, number | null | undefined>; limits: SpecLimits }) {
  const { t } = useI18n();
  const fmt = useFormat();
  return (
    <div className="mb-5 grid gap-4 sm:grid-cols-3" data-testid="usage-meters">
      {METERS.map(({ key, limit: limitKey }) => {
        const raw = stats[key];
        const value = typeof raw === 'number' ? raw : null;
        const limit = limits[limitKey];
        const level = value === null ? 'ok' : usageLevel(value, limit);
        const percent = value === null || limit <= 0 ? 0 : Math.min(100, (value / limit) * 100);
        const shown = value === null ? '—' : key === 'tps' ? fmt.number(Math.round(value)) : fmt.number(value);
        return (
          <div key={key} data-testid={`usage-${key}`} data-level={level}>
            <div className="flex items-baseline justify-between gap-2 text-xs text-slate-500">
              <span>{t(`usage.${key}`)}</span>
              <span className="tabular-nums">{value === null ? '' : `${Math.round(percent)}%`}</span>
            </div>
            <p className="mt-1 text-sm text-slate-900 tabular-nums">
              <span className="text-lg font-semibold">{shown}</span>
              <span className="text-slate-500"> / {fmt.number(limit)}</span>
            </p>
            <div
              role="meter"
              aria-label={t(`usage.${key}`)}
              aria-valuemin={0}
              aria-valuemax={limit}
              aria-valuenow={value ?? 0}
              className="mt-1.5 h-1.5 overflow-hidden rounded-full bg-slate-100"
            >
              <div
                className={cx('h-full rounded-full', level === 'over' ? 'bg-red-500' : level === 'warn' ? 'bg-amber-500' : 'bg-brand-500')}
                style={{ width: `${percent}%` }}
              />
            </div>
            {level !== 'ok' && (
              <p role="status" className={cx('mt-1.5 flex items-center gap-1 text-xs', level === 'over' ? 'text-red-700' : 'text-amber-800')}>
                <TriangleAlert aria-hidden="true" className="size-3.5 shrink-0" />
                {t(level === 'over' ? `usage.${key}.over` : 'usage.warn')}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
