import type { ReactNode } from 'react';
import { cx } from './cx';

/** A white panel with an optional titled header. */
export function Card({
  title,
  description,
  actions,
  children,
  className,
  tone,
  bodyClassName,
}: {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  tone?: 'danger';
  bodyClassName?: string;
}) {
  return (
    <section
      className={cx(
        'rounded-md border bg-white shadow-xs',
        tone === 'danger' ? 'border-red-200' : 'border-slate-200',
        className,
      )}
    >
      {(title || actions) && (
        <div
          className={cx(
            'flex items-center justify-between gap-4 border-b px-5 py-3',
            tone === 'danger' ? 'border-red-100' : 'border-slate-100',
          )}
        >
          <div className="min-w-0">
            {title && (
              <h2 className={cx('text-sm font-semibold', tone === 'danger' ? 'text-red-700' : 'text-slate-900')}>{title}</h2>
            )}
            {description && <p className="mt-0.5 text-xs text-slate-500">{description}</p>}
          </div>
          {actions && <div className="flex shrink-0 items-center gap-2">{actions}</div>}
        </div>
      )}
      <div className={bodyClassName ?? 'p-5'}>{children}</div>
    </section>
  );
}

/** The title row of a page: heading, a line of explanation, and the main actions. */
export function PageHeader({
  title,
  description,
  actions,
  children,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="mb-5 flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold text-slate-900">{title}</h1>
        {description && <p className="mt-1 max-w-3xl text-sm text-slate-500">{description}</p>}
        {children}
      </div>
      {actions && <div className="flex shrink-0 items-center gap-2">{actions}</div>}
    </div>
  );
}

/** A note in a tinted box: information or a warning. */
export function Callout({
  tone = 'info',
  icon,
  title,
  children,
  className,
}: {
  tone?: 'info' | 'warning' | 'danger';
  icon?: ReactNode;
  title?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div
      className={cx(
        'flex gap-2.5 rounded border px-3.5 py-2.5 text-sm leading-relaxed',
        tone === 'info' && 'border-brand-100 bg-brand-50 text-slate-700',
        tone === 'warning' && 'border-amber-300 bg-amber-50 text-amber-900',
        tone === 'danger' && 'border-red-200 bg-red-50 text-red-800',
        className,
      )}
    >
      {icon && <span className="mt-0.5 shrink-0">{icon}</span>}
      <div className="min-w-0">
        {title && <p className="font-semibold">{title}</p>}
        {children}
      </div>
    </div>
  );
}
