'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Instance } from '@/db/schema';
import { useTRPC } from '@/lib/trpc/client';

/**
 * instances.update for the instance page's edit forms: once saved, the page's cached instance
 * is replaced and the instances list refetched, then `onUpdated` runs (a toast, closing the form).
 */
export function useInstanceUpdate(onUpdated: (updated: Instance) => void, onError: (err: unknown) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.instances.update.mutationOptions({
      onSuccess: async (updated) => {
        queryClient.setQueryData(trpc.instances.get.queryKey({ id: updated.id }), updated);
        await queryClient.invalidateQueries({ queryKey: trpc.instances.list.queryKey() });
        onUpdated(updated);
      },
      onError,
    }),
  );
}
