import type { ReactNode } from 'react';
import { cx } from './cx';

export type BadgeTone = 'gray' | 'blue' | 'green' | 'amber' | 'red';

const tones: Record<BadgeTone, string> = {
  gray: 'bg-slate-100 text-slate-600 ring-slate-200',
  blue: 'bg-brand-50 text-brand-600 ring-brand-100',
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-200',
  amber: 'bg-amber-50 text-amber-800 ring-amber-300',
  red: 'bg-red-50 text-red-700 ring-red-200',
};

export function Badge({
  tone = 'gray',
  icon,
  dot,
  children,
  className,
  title,
}: {
  tone?: BadgeTone;
  icon?: ReactNode;
  /** A small status dot before the text. */
  dot?: boolean;
  children: ReactNode;
  className?: string;
  title?: string;
}) {
  return (
    <span
      title={title}
      className={cx(
        'inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset',
        tones[tone],
        className,
      )}
    >
      {dot && <span aria-hidden="true" className="size-1.5 rounded-full bg-current" />}
      {icon}
      {children}
    </span>
  );
}
