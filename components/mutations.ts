'use client';
/** What the console does around a mutation: the refresh of what it changed, the error as a toast, and the usual steps after a change to a list. */
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useCallback } from 'react';
import { toast } from 'sonner';
import { useI18n } from '@/components/i18n';
import { errorInfo } from '@/lib/trpc/errors';

/** Refreshes these queries (the lists a change touched), all at once. */
export function useRefresh(...queryKeys: QueryKey[]): () => Promise<unknown> {
  const queryClient = useQueryClient();
  return () => Promise.all(queryKeys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

/** A failed request, said in a toast in the user's language. */
export function useErrorToast(): (err: unknown) => void {
  const { t } = useI18n();
  return useCallback(
    (err: unknown) => {
      const info = errorInfo(err);
      toast.error(t(info.key, info.params));
    },
    [t],
  );
}

/**
 * The callbacks of a mutation that changes a list: on success the list is refreshed first (so
 * the change is on screen when the toast says so), then `success` is toasted and `done` runs
 * (closing the dialog); a failure is toasted. A form overrides `onError` to show it inline.
 */
export function useListChange<TData = unknown>({
  refresh,
  success,
  done,
}: {
  refresh: () => Promise<unknown>;
  success?: (data: TData) => string;
  done?: () => void;
}) {
  const onError = useErrorToast();
  return {
    onSuccess: async (data: TData) => {
      await refresh();
      if (success) toast.success(success(data));
      done?.();
    },
    onError,
  };
}
