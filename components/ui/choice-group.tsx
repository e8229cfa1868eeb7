'use client';
/** A row of toggle buttons that are radios: how to search (by message ID, client ID…), which time range to chart. */
import { cx } from './cx';

const looks = {
  /** Taller, bold labels and a shadow on the chosen one: the trace forms. */
  solid: {
    button: 'h-7 font-medium',
    chosen: 'bg-brand-500 text-white shadow-sm',
    other: 'text-slate-600 hover:text-slate-900',
  },
  /** Lighter: the client lookup and the statistics range. */
  soft: {
    button: 'py-1',
    chosen: 'bg-brand-500 font-medium text-white',
    other: 'text-slate-600 hover:bg-slate-100',
  },
};

export function ChoiceGroup<C extends string>({
  label,
  choices,
  value,
  onChange,
  choiceLabel,
  look = 'solid',
  className,
}: {
  /** The group's accessible name. */
  label: string;
  choices: readonly C[];
  value: C;
  onChange: (choice: C) => void;
  choiceLabel: (choice: C) => string;
  look?: keyof typeof looks;
  className?: string;
}) {
  const l = looks[look];
  return (
    <div role="radiogroup" aria-label={label} className={cx('inline-flex rounded border border-slate-300 bg-white p-0.5', className)}>
      {choices.map((c) => (
        <button
          key={c}
          type="button"
          role="radio"
          aria-checked={value === c}
          onClick={() => onChange(c)}
          className={cx(
            'rounded px-3 text-sm transition-colors focus-visible:outline-2 focus-visible:outline-brand-500',
            l.button,
            value === c ? l.chosen : l.other,
          )}
        >
          {choiceLabel(c)}
        </button>
      ))}
    </div>
  );
}
