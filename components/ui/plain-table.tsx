'use client';
/**
 * A read-only table for what a lookup returned (no search, sort or paging of its own, unlike
 * DataTable): the head row from `headers`, the body as given, one <tbody> or several.
 * It scrolls sideways on a narrow screen; `footer` (a pager) sits under it inside the scroller.
 */
import type { ReactNode, TdHTMLAttributes } from 'react';
import { cx } from './cx';

export function PlainTable({
  label,
  headers,
  nowrapHeaders,
  className,
  testId,
  footer,
  children,
}: {
  /** The table's accessible name. */
  label: string;
  /** Column headers; a false one (a column this view leaves out) is skipped. */
  headers: Array<ReactNode | false>;
  nowrapHeaders?: boolean;
  className?: string;
  testId?: string;
  footer?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="overflow-x-auto">
      <table aria-label={label} className={cx('w-full text-left text-sm', className)} data-testid={testId}>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
          <tr>
            {headers
              .filter((h) => h !== false)
              .map((h, i) => (
                <th key={i} scope="col" className={cx('px-4 py-2.5 font-medium', nowrapHeaders && 'whitespace-nowrap')}>
                  {h}
                </th>
              ))}
          </tr>
        </thead>
        {children}
      </table>
      {footer}
    </div>
  );
}

/** The usual body: rows divided by a thin line. */
export function PlainBody({ children }: { children: ReactNode }) {
  return <tbody className="divide-y divide-slate-100">{children}</tbody>;
}

/** A body cell with the table's padding. */
export function Cell({ className, ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cx('px-4 py-2.5', className)} {...rest} />;
}
