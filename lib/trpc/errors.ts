/** Reading the server's error shape (server/api/trpc.ts) in the console. */
import { TRPCClientError } from '@trpc/client';
import type { MagpieErrorData } from '@/server/api/trpc';

export interface ErrorInfo {
  /** i18n key or text for the whole error. */
  key: string;
  params: Record<string, string | number>;
  /** Field → i18n key, for inline messages under form fields. */
  fields: Record<string, string>;
}

export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof TRPCClientError) {
    const data = error.data as Partial<MagpieErrorData> | undefined;
    if (data?.messageKey) {
      return { key: data.messageKey, params: data.messageParams ?? {}, fields: data.fieldErrors ?? {} };
    }
    return { key: error.message, params: {}, fields: {} };
  }
  return { key: 'e.internal', params: {}, fields: {} };
}
