'use client';
/** Previous / next over a list the server pages (offset + limit). */
import { ChevronLeft, ChevronRight } from 'lucide-react';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';

export const PAGE_SIZE = 20;

export function Pager({ offset, shown, total, onOffset }: { offset: number; shown: number; total: number; onOffset: (offset: number) => void }) {
  const { t } = useI18n();
  if (total <= PAGE_SIZE && offset === 0) return null;
  return (
    <div className="flex items-center justify-between gap-3 border-t border-slate-100 px-4 py-2.5 text-sm text-slate-600">
      <span>{t('table.range', { from: total === 0 ? 0 : offset + 1, to: offset + shown, total })}</span>
      <div className="flex gap-1">
        <Button size="sm" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - PAGE_SIZE))} aria-label={t('table.previousPage')}>
          <ChevronLeft aria-hidden="true" className="size-4" />
        </Button>
        <Button size="sm" disabled={offset + shown >= total} onClick={() => onOffset(offset + PAGE_SIZE)} aria-label={t('table.nextPage')}>
          <ChevronRight aria-hidden="true" className="size-4" />
        </Button>
      </div>
    </div>
  );
}
