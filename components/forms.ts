'use client';
/**
 * Form errors: the shared zod schemas validate on submit, the server's field errors (e.g. a
 * duplicate name) land under the same fields, and every message is an i18n key translated at
 * render time, so switching the language translates the messages too.
 */
import { useCallback, useId, useState } from 'react';
import { toast } from 'sonner';
import type { z } from 'zod';
import { useI18n } from '@/components/i18n';
import { fieldErrorsOf } from '@/lib/schemas';
import type { MessageParams } from '@/lib/i18n';
import { errorInfo } from '@/lib/trpc/errors';

export type FieldErrors = Record<string, { key: string; params?: MessageParams }>;

/** Parses with a shared schema: the data, or the errors per field. */
export function validate<S extends z.ZodType>(
  schema: S,
  values: unknown,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const [field, key] of Object.entries(fieldErrorsOf(result.error))) errors[field] = { key };
  return { ok: false, errors };
}

export function useFormErrors(fields: readonly string[]) {
  const { t } = useI18n();
  const [errors, setErrorState] = useState<FieldErrors>({});
  /** The <form>'s id: after a failed submit the first invalid field in it gets the focus. */
  const formId = useId();

  const setErrors = useCallback(
    (next: FieldErrors) => {
      setErrorState(next);
      if (Object.keys(next).length === 0) return;
      requestAnimationFrame(() =>
        document.getElementById(formId)?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
      );
    },
    [formId],
  );
  /** An error that belongs to no field of this form, shown above the buttons. */
  const [formError, setFormError] = useState<{ key: string; params?: MessageParams } | null>(null);

  const message = useCallback(
    (field: string) => (errors[field] ? t(errors[field].key, errors[field].params) : undefined),
    [errors, t],
  );

  const clear = useCallback((field?: string) => {
    setFormError(null);
    setErrorState((prev) => {
      if (!field) return Object.keys(prev).length ? {} : prev;
      if (!(field in prev)) return prev;
      const next = { ...prev };
      delete next[field];
      return next;
    });
  }, []);

  /** A control's onChange: stores the new value and clears that field's error. */
  const setter = useCallback(
    <V>(field: string, set: (value: V) => void) =>
      (value: V) => {
        set(value);
        clear(field);
      },
    [clear],
  );

  /**
   * On submit: validates with a shared schema. The errors go under their fields and null comes
   * back, or the old errors are cleared and the parsed data comes back, ready to send.
   */
  const check = useCallback(
    <S extends z.ZodType>(schema: S, values: unknown): z.output<S> | null => {
      const result = validate(schema, values);
      if (!result.ok) {
        setErrors(result.errors);
        return null;
      }
      clear();
      return result.data;
    },
    [setErrors, clear],
  );

  /**
   * A failed mutation: field errors go under their fields (`rename` maps server field names to
   * this form's, e.g. `_` to `publicHost`); anything else is a form error. Always a toast.
   */
  const fromServer = useCallback(
    (err: unknown, rename: Record<string, string> = {}) => {
      const info = errorInfo(err);
      const inline: FieldErrors = {};
      for (const [serverField, key] of Object.entries(info.fields)) {
        const field = rename[serverField] ?? serverField;
        if (fields.includes(field)) inline[field] = { key, params: info.params };
      }
      setErrors(inline);
      setFormError(Object.keys(inline).length ? null : { key: info.key, params: info.params });
      toast.error(t(info.key, info.params));
    },
    [fields, t, setErrors],
  );

  return {
    formId,
    errors,
    setErrors,
    message,
    clear,
    setter,
    check,
    fromServer,
    formError: formError ? t(formError.key, formError.params) : undefined,
    setFormError,
  };
}
