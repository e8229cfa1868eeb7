'use client';
/** Loading, empty and error states shared by every page. */
import { CircleAlert, Inbox, RotateCw } from 'lucide-react';
import type { ReactNode } from 'react';
import { useI18n } from '@/components/i18n';
import { errorInfo } from '@/lib/trpc/errors';
import { Button, Spinner } from './button';
import { cx } from './cx';

/** A spinner with a label, or skeleton rows standing in for a table. */
export function LoadingState({
  variant = 'spinner',
  rows = 5,
  label,
  className,
}: {
  variant?: 'spinner' | 'table' | 'card';
  rows?: number;
  label?: string;
  className?: string;
}) {
  const { t } = useI18n();
  const text = label ?? t('common.loading');
  if (variant === 'table' || variant === 'card') {
    return (
      <div role="status" aria-live="polite" className={cx('space-y-3 p-4', className)}>
        <span className="sr-only">{text}</span>
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} aria-hidden="true" className="flex animate-pulse items-center gap-4">
            <div className="h-3.5 w-1/4 rounded bg-slate-200" />
            <div className="h-3.5 flex-1 rounded bg-slate-100" />
            {variant === 'table' && <div className="h-3.5 w-1/6 rounded bg-slate-100" />}
          </div>
        ))}
      </div>
    );
  }
  return (
    <div role="status" aria-live="polite" className={cx('flex items-center justify-center gap-2 py-16 text-sm text-slate-500', className)}>
      <Spinner className="text-brand-500" />
      {text}
    </div>
  );
}

export function EmptyState({
  icon,
  title,
  description,
  action,
  className,
}: {
  icon?: ReactNode;
  title: ReactNode;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  return (
    <div className={cx('flex flex-col items-center px-6 py-14 text-center', className)}>
      <div aria-hidden="true" className="mb-3 flex size-12 items-center justify-center rounded-full bg-slate-100 text-slate-400">
        {icon ?? <Inbox className="size-6" />}
      </div>
      <p className="text-sm font-semibold text-slate-800">{title}</p>
      {description && <div className="mt-1.5 max-w-lg text-sm leading-relaxed text-slate-500">{description}</div>}
      {action && <div className="mt-5">{action}</div>}
    </div>
  );
}

/** What a query (useQuery's result) shows: `loading` while it is pending, its error with a retry, then its data. */
export function QueryView<T>({
  query,
  loading,
  children,
}: {
  query: { isPending: boolean; error: unknown; data: T | undefined; refetch: () => unknown };
  loading: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return loading;
  if (query.error) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return children(query.data as T); // neither pending nor failed: the data is there
}

/** A failed request: what went wrong, in the user's language, and a retry button. */
export function ErrorState({
  error,
  onRetry,
  title,
  action,
  className,
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
  action?: ReactNode;
  className?: string;
}) {
  const { t } = useI18n();
  const info = errorInfo(error);
  return (
    <div role="alert" className={cx('flex flex-col items-center px-6 py-14 text-center', className)}>
      <div aria-hidden="true" className="mb-3 flex size-12 items-center justify-center rounded-full bg-red-50 text-red-500">
        <CircleAlert className="size-6" />
      </div>
      <p className="text-sm font-semibold text-slate-800">{title ?? t('common.loadFailed')}</p>
      <p className="mt-1.5 max-w-lg text-sm text-slate-500">{t(info.key, info.params)}</p>
      <div className="mt-5 flex gap-2">
        {onRetry && (
          <Button onClick={onRetry}>
            <RotateCw aria-hidden="true" className="size-3.5" />
            {t('common.retry')}
          </Button>
        )}
        {action}
      </div>
    </div>
  );
}
