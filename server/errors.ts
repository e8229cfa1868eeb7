/**
 * Errors the services raise on purpose. `key` is an i18n message key (lib/i18n) so the console
 * can show it in the user's language; `message` is the English text for logs and the CLI.
 */
import type { z } from 'zod';
import { fieldErrorsOf } from '@/lib/schemas';
import { translate, type MessageKey, type MessageParams } from '@/lib/i18n';

export type AppErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'TOO_MANY_REQUESTS';

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    readonly key: MessageKey,
    readonly params: MessageParams = {},
    /** The form field the error belongs to, when there is one. */
    readonly field?: string,
  ) {
    super(translate('en', key, params));
    this.name = 'AppError';
  }

  /** Field → message key, for inline form messages. */
  get fieldErrors(): Record<string, string> {
    return this.field ? { [this.field]: this.key } : {};
  }
}

/** A failed validation: one message key per field. */
export class ValidationError extends AppError {
  constructor(readonly fields: Record<string, string>) {
    const [field, key] = Object.entries(fields)[0] ?? ['_', 'v.required'];
    super('BAD_REQUEST', key as MessageKey, {}, field);
    this.name = 'ValidationError';
    this.message = Object.entries(fields)
      .map(([f, k]) => `${f}: ${translate('en', k)}`)
      .join('\n');
  }

  override get fieldErrors(): Record<string, string> {
    return this.fields;
  }
}

/** Parses with a shared schema; a failure becomes a ValidationError. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldErrorsOf(result.error));
  return result.data;
}

export function isUniqueViolation(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    (err as { code: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
