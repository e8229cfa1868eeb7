'use client';
/**
 * A client-side table: search over chosen fields, sortable columns, pages of 10/20/50 rows.
 * Only the current page is rendered, so a few thousand rows stay fast.
 */
import { ArrowDown, ArrowUp, ArrowUpDown, ChevronLeft, ChevronRight, ChevronsLeft, ChevronsRight, Search, SearchX, X } from 'lucide-react';
import { useDeferredValue, useMemo, useState, type ReactNode } from 'react';
import { useI18n } from '@/components/i18n';
import { Button } from './button';
import { cx } from './cx';
import { EmptyState, ErrorState, LoadingState } from './states';

export type SortDirection = 'asc' | 'desc';
export type SortValue = string | number | boolean | null | undefined;

export interface Column<T> {
  id: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Makes the column sortable by this value. */
  sortValue?: (row: T) => SortValue;
  className?: string;
  headerClassName?: string;
}

export const PAGE_SIZES = [10, 20, 50] as const;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: SortValue, b: SortValue): number {
  const an = a === null || a === undefined || a === '';
  const bn = b === null || b === undefined || b === '';
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(b) - Number(a);
  return collator.compare(String(a), String(b));
}

export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  rowTestId,
  search,
  searchPlaceholder,
  initialSort,
  toolbar,
  empty,
  loading,
  error,
  onRetry,
  initialPageSize = 10,
}: {
  /** The table's accessible name. */
  label: string;
  rows: T[] | undefined;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowTestId?: (row: T) => string;
  /** The texts the search box looks in, per row. */
  search?: (row: T) => Array<string | null | undefined>;
  searchPlaceholder?: string;
  initialSort?: { id: string; direction: SortDirection };
  /** Buttons on the right of the toolbar (e.g. "Create …"). */
  toolbar?: ReactNode;
  /** Shown when there are no rows at all. */
  empty: ReactNode;
  loading?: boolean;
  error?: unknown;
  onRetry?: () => void;
  initialPageSize?: (typeof PAGE_SIZES)[number];
}) {
  const { t, locale } = useI18n();
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState(initialSort ?? null);
  const [pageSize, setPageSize] = useState<number>(initialPageSize);
  const [page, setPage] = useState(0);
  const deferredQuery = useDeferredValue(query);

  const filtered = useMemo(() => {
    const all = rows ?? [];
    const q = deferredQuery.trim().toLowerCase();
    if (!q || !search) return all;
    return all.filter((row) => search(row).some((text) => text?.toLowerCase().includes(q)));
  }, [rows, deferredQuery, search]);

  const sorted = useMemo(() => {
    const column = sort && columns.find((c) => c.id === sort.id);
    if (!sort || !column?.sortValue) return filtered;
    const value = column.sortValue;
    const factor = sort.direction === 'asc' ? 1 : -1;
    return filtered
      .map((row, index) => ({ row, index, key: value(row) }))
      .sort((a, b) => compare(a.key, b.key) * factor || a.index - b.index)
      .map((x) => x.row);
  }, [filtered, sort, columns]);

  const total = sorted.length;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(page, pageCount - 1);
  const from = total === 0 ? 0 : current * pageSize + 1;
  const to = Math.min(total, (current + 1) * pageSize);
  const visible = sorted.slice(current * pageSize, (current + 1) * pageSize);
  const nf = new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en-US');

  function toggleSort(id: string) {
    setSort((s) => (s?.id === id ? { id, direction: s.direction === 'asc' ? 'desc' : 'asc' } : { id, direction: 'asc' }));
    setPage(0);
  }

  const hasRows = (rows?.length ?? 0) > 0;

  let body: ReactNode;
  if (error) {
    body = <ErrorState error={error} onRetry={onRetry} />;
  } else if (loading || !rows) {
    body = <LoadingState variant="table" />;
  } else if (!hasRows) {
    body = empty;
  } else if (total === 0) {
    body = (
      <EmptyState
        icon={<SearchX className="size-6" />}
        title={t('table.noMatches', { query: deferredQuery.trim() })}
        description={t('table.noMatchesHint')}
        action={<Button onClick={() => setQuery('')}>{t('table.clearSearch')}</Button>}
      />
    );
  }

  return (
    <div className="rounded-md border border-slate-200 bg-white shadow-xs">
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 px-4 py-3">
        {search ? (
          <div className="relative w-full max-w-xs">
            <Search aria-hidden="true" className="pointer-events-none absolute top-1/2 left-2.5 size-3.5 -translate-y-1/2 text-slate-400" />
            <input
              type="search"
              aria-label={t('table.search')}
              placeholder={searchPlaceholder ?? t('table.searchPlaceholder')}
              value={query}
              disabled={!hasRows && !query}
              onChange={(e) => {
                setQuery(e.target.value);
                setPage(0);
              }}
              className="h-8 w-full rounded border border-slate-300 bg-white pr-7 pl-8 text-sm placeholder:text-slate-400 focus:border-brand-500 focus:ring-2 focus:ring-brand-500/25 focus:outline-none disabled:bg-slate-50 [&::-webkit-search-cancel-button]:hidden"
            />
            {query && (
              <button
                type="button"
                aria-label={t('table.clearSearch')}
                onClick={() => setQuery('')}
                className="absolute top-1/2 right-1.5 -translate-y-1/2 rounded p-0.5 text-slate-400 hover:text-slate-700"
              >
                <X aria-hidden="true" className="size-3.5" />
              </button>
            )}
          </div>
        ) : (
          <span />
        )}
        {toolbar && <div className="flex items-center gap-2">{toolbar}</div>}
      </div>

      {body ?? (
        <div className="overflow-x-auto">
          <table aria-label={label} className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
              <tr>
                {columns.map((column) => {
                  const active = sort?.id === column.id;
                  const ariaSort = column.sortValue ? (active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none') : undefined;
                  const SortIcon = active ? (sort.direction === 'asc' ? ArrowUp : ArrowDown) : ArrowUpDown;
                  return (
                    <th key={column.id} scope="col" aria-sort={ariaSort} className={cx('px-4 py-2.5 font-medium whitespace-nowrap', column.headerClassName)}>
                      {column.sortValue ? (
                        <button
                          type="button"
                          onClick={() => toggleSort(column.id)}
                          className={cx('-mx-1 inline-flex items-center gap-1 rounded px-1 hover:text-slate-900', active && 'text-slate-900')}
                        >
                          {column.header}
                          <SortIcon aria-hidden="true" className={cx('size-3', active ? 'text-brand-500' : 'text-slate-300')} />
                        </button>
                      ) : (
                        column.header
                      )}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {visible.map((row) => (
                <tr key={rowKey(row)} data-testid={rowTestId?.(row)} className="hover:bg-slate-50/70">
                  {columns.map((column) => (
                    <td key={column.id} className={cx('px-4 py-2.5 align-middle', column.className)}>
                      {column.cell(row)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {hasRows && !error && total > 0 && (
        <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 px-4 py-2.5 text-sm text-slate-600">
          <span aria-live="polite">
            {t('table.range', { from: nf.format(from), to: nf.format(to), total: nf.format(total) })}
          </span>
          <div className="flex items-center gap-4">
            <div className="flex items-center gap-2">
              <span aria-hidden="true" className="text-slate-500">
                {t('table.rowsPerPage')}
              </span>
              <select
                aria-label={t('table.rowsPerPage')}
                value={pageSize}
                onChange={(e) => {
                  setPageSize(Number(e.target.value));
                  setPage(0);
                }}
                className="h-7 rounded border border-slate-300 bg-white px-1.5 text-sm focus:border-brand-500 focus:outline-none"
              >
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
            <div className="flex items-center gap-1">
              <PageButton label={t('table.firstPage')} disabled={current === 0} onClick={() => setPage(0)}>
                <ChevronsLeft className="size-4" />
              </PageButton>
              <PageButton label={t('table.previousPage')} disabled={current === 0} onClick={() => setPage(current - 1)}>
                <ChevronLeft className="size-4" />
              </PageButton>
              <span className="min-w-16 px-1 text-center tabular-nums">
                {t('table.page', { page: current + 1, pages: pageCount })}
              </span>
              <PageButton label={t('table.nextPage')} disabled={current >= pageCount - 1} onClick={() => setPage(current + 1)}>
                <ChevronRight className="size-4" />
              </PageButton>
              <PageButton label={t('table.lastPage')} disabled={current >= pageCount - 1} onClick={() => setPage(pageCount - 1)}>
                <ChevronsRight className="size-4" />
              </PageButton>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

function PageButton({ label, disabled, onClick, children }: { label: string; disabled: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      disabled={disabled}
      onClick={onClick}
      className="inline-flex size-7 items-center justify-center rounded border border-slate-200 text-slate-600 hover:border-brand-500 hover:text-brand-500 disabled:cursor-not-allowed disabled:opacity-40 disabled:hover:border-slate-200 disabled:hover:text-slate-600 [&>svg]:pointer-events-none"
    >
      <span aria-hidden="true">{children}</span>
    </button>
  );
}
