import Link from 'next/link';
import type { ReactNode } from 'react';
import { cx } from './cx';

export interface TabItem {
  id: string;
  label: string;
  href: string;
  /** Shown beside the label; hidden from the accessible name. */
  count?: number;
}

/** Tabs that are links (the selected tab lives in the URL, e.g. `?tab=topics`). */
export function Tabs({ items, active, label, idPrefix }: { items: TabItem[]; active: string; label: string; idPrefix: string }) {
  return (
    <div role="tablist" aria-label={label} className="flex gap-1 border-b border-slate-200">
      {items.map((item) => {
        const selected = item.id === active;
        return (
          <Link
            key={item.id}
            id={`${idPrefix}-tab-${item.id}`}
            role="tab"
            aria-selected={selected}
            aria-controls={selected ? `${idPrefix}-panel` : undefined}
            href={item.href}
            scroll={false}
            className={cx(
              '-mb-px flex items-center gap-1.5 border-b-2 px-3.5 py-2.5 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-500',
              selected ? 'border-brand-500 text-brand-600' : 'border-transparent text-slate-600 hover:text-slate-900',
            )}
          >
            {item.label}
            {item.count !== undefined && (
              <span
                aria-hidden="true"
                className={cx(
                  'rounded-full px-1.5 text-[11px] leading-4 font-semibold',
                  selected ? 'bg-brand-50 text-brand-600' : 'bg-slate-100 text-slate-500',
                )}
              >
                {item.count}
              </span>
            )}
          </Link>
        );
      })}
    </div>
  );
}

export function TabPanel({ idPrefix, active, children }: { idPrefix: string; active: string; children: ReactNode }) {
  return (
    <div id={`${idPrefix}-panel`} role="tabpanel" aria-labelledby={`${idPrefix}-tab-${active}`} className="pt-4">
      {children}
    </div>
  );
}
