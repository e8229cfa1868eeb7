/**
 * Form controls. `FormField` binds its <label> to the control (htmlFor/id) and links the hint
 * and the inline error (`<p role="alert">`) with aria-describedby.
 */
import { forwardRef, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { cx } from './cx';

export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
  'aria-required'?: true;
}

const control =
  'block w-full rounded border bg-white px-2.5 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 ' +
  'focus:outline-none focus:ring-2 focus:ring-brand-500/25 disabled:bg-slate-50 disabled:text-slate-500 ' +
  'aria-[invalid=true]:border-red-500 aria-[invalid=true]:focus:ring-red-500/25';

export const Input = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function Input(
  { className, ...rest },
  ref,
) {
  return <input ref={ref} className={cx(control, 'h-8 border-slate-300 focus:border-brand-500', className)} {...rest} />;
});

/** An input for identifiers, topics and addresses: monospace, and the browser neither completes nor spell-checks it. */
export const CodeInput = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function CodeInput({ className, ...rest }, ref) {
  return <Input ref={ref} autoComplete="off" spellCheck={false} className={cx('font-mono', className)} {...rest} />;
});

export function Select({ className, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <select className={cx(control, 'h-8 border-slate-300 pr-8 focus:border-brand-500', className)} {...rest}>
      {children}
    </select>
  );
}

export function Textarea({ className, ...rest }: TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <textarea className={cx(control, 'min-h-20 border-slate-300 py-1.5 focus:border-brand-500', className)} {...rest} />;
}

export function FormField({
  id,
  label,
  error,
  hint,
  required,
  optional,
  className,
  children,
}: {
  id: string;
  label: ReactNode;
  /** The translated inline error, if any. */
  error?: string | null;
  hint?: ReactNode;
  required?: boolean;
  /** Shows a quiet "(optional)" after the label. */
  optional?: string;
  className?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className}>
      {/* The label holds only the field's name, so it is the control's exact accessible name. */}
      <div className="mb-1 flex items-baseline gap-1">
        <label htmlFor={id} className="text-sm font-medium text-slate-700">
          {label}
        </label>
        {required && (
          <span aria-hidden="true" className="text-red-500">
            *
          </span>
        )}
        {optional && <span className="text-sm text-slate-400">{optional}</span>}
      </div>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined, 'aria-required': required || undefined })}
      {error && (
        <p id={errorId} role="alert" className="mt-1 text-xs leading-relaxed text-red-600">
          {error}
        </p>
      )}
      {hint && (
        <p id={hintId} className="mt-1 text-xs leading-relaxed text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

/**
 * The common FormField: one input bound to one field of a form (`useFormErrors`), showing that
 * field's inline error, which typing clears. Other props go to the <input>.
 */
export function InputField({
  form,
  field,
  id,
  label,
  hint,
  required,
  value,
  onValue,
  ...input
}: {
  form: { message: (field: string) => string | undefined; clear: (field?: string) => void };
  field: string;
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  required?: boolean;
  value: string;
  onValue: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'form' | 'id' | 'value' | 'onChange' | 'required'>) {
  return (
    <FormField id={id} label={label} hint={hint} error={form.message(field)} required={required}>
      {(p) => (
        <Input
          {...p}
          {...input}
          value={value}
          onChange={(e) => {
            onValue(e.target.value);
            form.clear(field);
          }}
        />
      )}
    </FormField>
  );
}

/** An on/off switch: a real checkbox (role="switch") drawn as a toggle. */
export function Switch({
  className,
  tone = 'brand',
  ...rest
}: Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'role'> & { tone?: 'brand' | 'amber' }) {
  return (
    <input
      type="checkbox"
      role="switch"
      className={cx(
        'relative h-5 w-9 shrink-0 cursor-pointer appearance-none rounded-full bg-slate-300 transition-colors',
        'before:absolute before:top-0.5 before:left-0.5 before:size-4 before:rounded-full before:bg-white before:shadow before:transition-transform',
        tone === 'amber' ? 'checked:bg-amber-500' : 'checked:bg-brand-500',
        'checked:before:translate-x-4',
        'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500',
        'disabled:cursor-not-allowed disabled:opacity-50',
        className,
      )}
      {...rest}
    />
  );
}

/** A switch with its label beside it and an optional description below. */
export function SwitchField({
  id,
  label,
  description,
  checked,
  onChange,
  disabled,
  tone = 'brand',
}: {
  id: string;
  label: ReactNode;
  description?: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  tone?: 'brand' | 'amber';
}) {
  const descId = description ? `${id}-description` : undefined;
  return (
    <div className="flex items-start gap-3">
      <Switch
        id={id}
        checked={checked}
        disabled={disabled}
        aria-describedby={descId}
        onChange={(e) => onChange(e.target.checked)}
        tone={tone}
        className="mt-0.5"
      />
      <div className="min-w-0">
        <label htmlFor={id} className="block cursor-pointer text-sm font-medium text-slate-700">
          {label}
        </label>
        {description && (
          <div id={descId} className="mt-0.5 text-xs leading-relaxed text-slate-500">
            {description}
          </div>
        )}
      </div>
    </div>
  );
}

/** A form-wide error (one that belongs to no single field). */
export function FormAlert({ children }: { children: ReactNode }) {
  return (
    <div role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
      {children}
    </div>
  );
}
