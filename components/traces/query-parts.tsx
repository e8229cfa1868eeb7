'use client';
/** Form and list parts both trace pages use: the instance selector, "Load more", the client-only gate. */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { FormField, Select } from '@/components/ui/form-field';
import { useTRPC } from '@/lib/trpc/client';

/** The page's search parameters, first value of each. */
export type SearchParams = Partial<Record<string, string>>;

const noSubscribe = () => () => {};

/** False while rendering on the server and hydrating, true after. */
export function useMounted(): boolean {
  return useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
}

/** The instance to trace; with none chosen yet, the first instance is picked. */
export function InstanceSelect({ id, value, onChange, error }: { id: string; value: string; onChange: (id: string) => void; error?: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const instances = useQuery(trpc.instances.list.queryOptions());
  const first = instances.data?.[0]?.id;
  useEffect(() => {
    if (!value && first) onChange(first);
  }, [value, first, onChange]);
  return (
    <FormField id={id} label={t('traces.instance')} error={error} required>
      {(p) => (
        <Select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">{t('traces.instance.choose')}</option>
          {instances.data?.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name} ({i.id})
            </option>
          ))}
        </Select>
      )}
    </FormField>
  );
}

/** The list's foot: how many rows are shown, and the button for the next page. */
export function LoadMore({ count, hasMore, pending, onMore }: { count: number; hasMore: boolean; pending: boolean; onMore: () => void }) {
  const { t } = useI18n();
  return (
    <div className="flex items-center justify-between gap-3 border-t border-slate-100 px-4 py-2.5 text-sm text-slate-600">
      <span aria-live="polite" data-testid="trace-count">
        {hasMore ? t('traces.shown', { count }) : t('traces.allShown', { count })}
      </span>
      {hasMore && (
        <Button size="sm" pending={pending} onClick={onMore}>
          {t('traces.loadMore')}
        </Button>
      )}
    </div>
  );
}
