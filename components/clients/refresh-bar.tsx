'use client';
/** "Updated 12:00:05 · [x] Auto-refresh · Refresh": how fresh a live answer is, and how to renew it. */
import { RotateCw } from 'lucide-react';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Switch } from '@/components/ui/form-field';

export const AUTO_REFRESH_MS = 5000;

export function RefreshBar({
  updatedAt,
  fetching,
  auto,
  onAuto,
  onRefresh,
}: {
  updatedAt: number;
  fetching: boolean;
  auto: boolean;
  onAuto: (on: boolean) => void;
  onRefresh: () => void;
}) {
  const { t, locale } = useI18n();
  const time = updatedAt ? new Date(updatedAt).toLocaleTimeString(locale === 'zh' ? 'zh-CN' : 'en-US', { hour12: false }) : '—';
  return (
    <div className="flex flex-wrap items-center gap-3 text-xs text-slate-500">
      <span aria-live="polite">{t('clients.updatedAt', { time })}</span>
      <label className="flex cursor-pointer items-center gap-1.5">
        <Switch checked={auto} onChange={(e) => onAuto(e.target.checked)} />
        {t('clients.autoRefresh')}
      </label>
      <Button size="sm" onClick={onRefresh} pending={fetching}>
        {!fetching && <RotateCw aria-hidden="true" className="size-3.5" />}
        {t('clients.refresh')}
      </Button>
    </div>
  );
}
