'use client';
/**
 * Form and list parts both trace pages use: the instance selector, the time range bound to the
 * form's errors, the result list's states and "Load more", the client-only gate.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { FormField, Select } from '@/components/ui/form-field';
import { ErrorState, LoadingState } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import { TimeRangeField, type QuickRange, type RangeState } from './time-range';
import { InstanceOptions } from '@/components/instances/instance-options';

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
          <InstanceOptions instances={instances.data} placeholder={t('traces.instance.choose')} />
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

/** The time range of a search form: a change clears its errors (range, from, to), which show under it. */
export function RangeField({
  id,
  value,
  onChange,
  options,
  hint,
  form,
}: {
  id: string;
  value: RangeState;
  onChange: (next: RangeState) => void;
  options: readonly QuickRange[];
  hint: string;
  /** From useFormErrors. */
  form: { message: (field: string) => string | undefined; clear: (field?: string) => void };
}) {
  return (
    <TimeRangeField
      id={id}
      value={value}
      options={options}
      onChange={(next) => {
        onChange(next);
        form.clear('range');
        form.clear('from');
        form.clear('to');
      }}
      hint={hint}
      error={form.message('range')}
      fromError={form.message('from')}
      toError={form.message('to')}
    />
  );
}

/**
 * A search's result list, fetched a page at a time: the error (with retry), loading, `empty`
 * when nothing was found, else the table; under any rows, how many and "Load more".
 */
export function TraceList<R>({
  query,
  rows,
  empty,
  children,
}: {
  query: { error: unknown; refetch: () => unknown; hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  /** Every row so far; undefined while the first page loads. */
  rows: R[] | undefined;
  empty: ReactNode;
  /** The table of the rows (there is at least one). */
  children: (rows: R[]) => ReactNode;
}) {
  let body: ReactNode;
  if (query.error) body = <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  else if (!rows) body = <LoadingState variant="table" />;
  else if (rows.length === 0) body = empty;
  else body = children(rows);
  return (
    <>
      {body}
      {rows && rows.length > 0 && (
        <LoadMore count={rows.length} hasMore={query.hasNextPage} pending={query.isFetchingNextPage} onMore={() => void query.fetchNextPage()} />
      )}
    </>
  );
}
