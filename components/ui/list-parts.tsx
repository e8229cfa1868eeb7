'use client';
/**
 * The parts every list page builds its DataTable from: the "Create …" button, the columns that
 * look the same everywhere (a description, a date, the row actions), the row action links, and
 * the table's loading/error state taken from its query.
 */
import { Plus } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from './button';
import { cx } from './cx';
import type { Column } from './data-table';

/** The "nothing here" mark of an empty cell. */
export function Dash({ children = '—' }: { children?: ReactNode }) {
  return <span className="text-slate-400">{children}</span>;
}

/** The DataTable props that follow its list query: the rows (the query's data, or a part of it), loading, error and retry. */
export function queryTableProps<R>(
  query: { data: unknown; isPending: boolean; error: unknown; refetch: () => unknown },
  rows: R[] | undefined,
) {
  return { rows, loading: query.isPending, error: query.error, onRetry: () => void query.refetch() };
}

/** The toolbar's primary button that opens a create dialog. */
export function CreateButton({ onClick, disabled, children }: { onClick: () => void; disabled?: boolean; children: ReactNode }) {
  return (
    <Button variant="primary" onClick={onClick} disabled={disabled}>
      <Plus aria-hidden="true" className="size-4" />
      {children}
    </Button>
  );
}

/** One link-style button of the actions cell. */
export interface RowAction {
  text: string;
  /** The accessible name, naming the row (e.g. "Delete topic Orders"). */
  label: string;
  onClick: () => void;
  /** The destructive one (Delete…), in red. */
  danger?: boolean;
}

/** The right-aligned "Actions" column: a row's actions as links; a false one (not for this row) is left out. */
export function actionsColumn<T>(header: ReactNode, actions: (row: T) => Array<RowAction | false>): Column<T> {
  return {
    id: 'actions',
    header,
    headerClassName: 'text-right',
    className: 'text-right whitespace-nowrap',
    cell: (row) => (
      <span className="inline-flex items-center gap-3">
        {actions(row).map(
          (a) =>
            a && (
              <Button
                key={a.text}
                variant="link"
                className={a.danger ? 'text-red-600 hover:text-red-700' : undefined}
                onClick={a.onClick}
                aria-label={a.label}
              >
                {a.text}
              </Button>
            ),
        )}
      </span>
    ),
  };
}

/** A sortable date and time column (created, updated…); a missing date sorts last and shows `missing`. */
export function dateColumn<T>(
  id: string,
  header: ReactNode,
  value: (row: T) => number | null,
  format: (ms: number) => string,
  missing?: ReactNode,
): Column<T> {
  return {
    id,
    header,
    sortValue: value,
    className: 'whitespace-nowrap text-slate-600 tabular-nums',
    cell: (row) => {
      const ms = value(row);
      return ms === null ? missing : format(ms);
    },
  };
}

/** The free-text description column: two lines at most, a dash when there is none. */
export function descriptionColumn<T>(
  header: ReactNode,
  value: (row: T) => string,
  { className = 'max-w-md', textClassName = 'text-slate-700' }: { className?: string; textClassName?: string } = {},
): Column<T> {
  return {
    id: 'description',
    header,
    sortValue: value,
    className,
    cell: (row) => (value(row) ? <span className={cx('line-clamp-2 break-words', textClassName)}>{value(row)}</span> : <Dash />),
  };
}
