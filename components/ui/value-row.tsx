'use client';
import { CopyButton } from './copy-button';

/** A labelled value (an ID, a secret, a password) in a code box, with its copy button. */
export function ValueRow({ label, value, what, testId }: { label: string; value: string; what: string; testId: string }) {
  return (
    <div>
      <p className="mb-1 text-xs font-medium text-slate-500">{label}</p>
      <div className="flex items-center gap-2 rounded border border-slate-200 bg-slate-50 py-1.5 pr-1.5 pl-3">
        <code data-testid={testId} className="min-w-0 flex-1 font-mono text-sm break-all text-slate-900 select-all">
          {value}
        </code>
        <CopyButton value={value} what={what} />
      </div>
    </div>
  );
}
