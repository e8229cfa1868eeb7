'use client';
/** The shell of a form inside a Dialog: the fields, the form-wide error, Cancel and submit. */
import type { FormEvent, ReactNode } from 'react';
import { DialogBody, FormDialogFooter } from './dialog';
import { FormAlert } from './form-field';

export function DialogForm({
  form,
  onSubmit,
  onCancel,
  pending,
  submitLabel,
  children,
}: {
  /** From useFormErrors: the id lets a failed submit focus the first invalid field. */
  form: { formId: string; formError?: string };
  /** Called on submit, the browser's own submit already prevented. */
  onSubmit: () => void;
  onCancel: () => void;
  pending: boolean;
  submitLabel: string;
  children: ReactNode;
}) {
  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit();
  }
  return (
    <form id={form.formId} noValidate onSubmit={submit}>
      <DialogBody>
        {children}
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
      </DialogBody>
      <FormDialogFooter onCancel={onCancel} pending={pending} submitLabel={submitLabel} />
    </form>
  );
}
