'use client';
/**
 * The trace pages' time range: a quick range (last 15 min … last 7 days) or a custom one with
 * two date-time pickers in the browser's time zone (editing one makes the range custom). A
 * quick range is resolved against the clock when the search runs, so "last 1 h" always means
 * the hour before pressing Search.
 */
import { useI18n } from '@/components/i18n';
import { cx } from '@/components/ui/cx';
import { Input } from '@/components/ui/form-field';

export const QUICK_RANGES = { '15m': 15 * 60_000, '1h': 3600_000, '6h': 6 * 3600_000, '1d': 86400_000, '3d': 3 * 86400_000, '7d': 7 * 86400_000 } as const;
export type QuickRange = keyof typeof QUICK_RANGES;

export interface RangeState {
  quick: QuickRange | 'custom';
  /** `datetime-local` values, used when `quick` is custom. */
  from: string;
  to: string;
}

/** A time as a `datetime-local` value in the browser's time zone, to the second. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function fromLocalInput(value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return Number.NaN;
  return new Date(value).getTime();
}

/** The range from the URL: a quick range's name, or absolute times (links from the other trace page). */
export function initialRange(q: { range?: string; from?: string; to?: string }, fallback: QuickRange, now: number): RangeState {
  const from = Number(q.from);
  const to = Number(q.to);
  const absolute = Number.isFinite(from) && Number.isFinite(to) && q.from !== undefined && q.to !== undefined;
  const quick = q.range && q.range in QUICK_RANGES ? (q.range as QuickRange) : undefined;
  if (absolute && !quick) return { quick: 'custom', from: toLocalInput(from), to: toLocalInput(to) };
  const span = QUICK_RANGES[quick ?? fallback];
  return { quick: quick ?? fallback, from: toLocalInput(absolute ? from : now - span), to: toLocalInput(absolute ? to : now) };
}

/** Epoch ms for the query; NaN for a time that is not one (the schema then names the field). */
export function resolveRange(state: RangeState, now = Date.now()): { from: number; to: number } {
  if (state.quick !== 'custom') return { from: now - QUICK_RANGES[state.quick], to: now };
  return { from: fromLocalInput(state.from), to: fromLocalInput(state.to) };
}

/** What a quick range means now, for the pickers to show; it is resolved again when the search runs. */
function quickRangeNow(quick: QuickRange): RangeState {
  const now = Date.now();
  return { quick, from: toLocalInput(now - QUICK_RANGES[quick]), to: toLocalInput(now) };
}

export function TimeRangeField({
  id,
  value,
  onChange,
  options,
  hint,
  error,
  fromError,
  toError,
}: {
  id: string;
  value: RangeState;
  onChange: (next: RangeState) => void;
  options: readonly QuickRange[];
  hint: string;
  /** The range as a whole (wrong way round, too long). */
  error?: string;
  fromError?: string;
  toError?: string;
}) {
  const { t } = useI18n();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error || fromError || toError ? errorId : null, hintId].filter(Boolean).join(' ');

  function choose(quick: RangeState['quick']) {
    if (quick === 'custom') return onChange({ ...value, quick });
    onChange(quickRangeNow(quick));
  }

  return (
    <fieldset aria-describedby={describedBy}>
      <legend className="mb-1 text-sm font-medium text-slate-700">{t('traces.range')}</legend>
      <div role="radiogroup" aria-label={t('traces.range')} className="flex flex-wrap gap-1">
        {[...options, 'custom' as const].map((q) => (
          <button
            key={q}
            type="button"
            role="radio"
            aria-checked={value.quick === q}
            onClick={() => choose(q)}
            className={cx(
              'h-7 rounded border px-2.5 text-xs font-medium transition-colors focus-visible:outline-2 focus-visible:outline-brand-500',
              value.quick === q ? 'border-brand-500 bg-brand-50 text-brand-600' : 'border-slate-300 bg-white text-slate-600 hover:border-brand-500 hover:text-brand-600',
            )}
          >
            {t(`traces.quick.${q}`)}
          </button>
        ))}
      </div>
      <div className="mt-2 grid gap-2 sm:grid-cols-2">
        <div>
          <label htmlFor={`${id}-from`} className="mb-0.5 block text-xs text-slate-500">
            {t('traces.from')}
          </label>
          <Input
            id={`${id}-from`}
            type="datetime-local"
            step={1}
            value={value.from}
            aria-invalid={error || fromError ? true : undefined}
            onChange={(e) => onChange({ ...value, quick: 'custom', from: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor={`${id}-to`} className="mb-0.5 block text-xs text-slate-500">
            {t('traces.to')}
          </label>
          <Input
            id={`${id}-to`}
            type="datetime-local"
            step={1}
            value={value.to}
            aria-invalid={error || toError ? true : undefined}
            onChange={(e) => onChange({ ...value, quick: 'custom', to: e.target.value })}
          />
        </div>
      </div>
      {(error || fromError || toError) && (
        <p id={errorId} role="alert" className="mt-1 text-xs leading-relaxed text-red-600">
          {error ?? fromError ?? toError}
        </p>
      )}
      <p id={hintId} className="mt-1 text-xs leading-relaxed text-slate-500">
        {hint}
      </p>
    </fieldset>
  );
}
