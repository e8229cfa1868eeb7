import type { ReactNode } from 'react';

/** One labelled fact of a description list (`<dl>`): a small grey label above its value. */
export function DetailItem({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-1 break-words text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}
