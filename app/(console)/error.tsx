'use client';
import { useI18n } from '@/components/i18n';
import { ErrorState } from '@/components/ui/states';

/** Something broke while rendering a console page. */
export default function ConsoleError({ error, reset }: { error: Error; reset: () => void }) {
  const { t } = useI18n();
  return (
    <div className="rounded-md border border-slate-200 bg-white">
      <ErrorState error={error} title={t('common.pageFailed')} onRetry={reset} />
    </div>
  );
}
